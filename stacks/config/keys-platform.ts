/**
 * Keys every target reads, first part: the stack's identity, tenants and sign-in.
 * Declaration order is validation order (the first bad key is the one reported) and the README's order.
 */
import { z } from "zod";
import { key, list, oneOf, secret, text, type KeyDef } from "./kit";

export const TARGET = oneOf(["aws", "edge"]);
export const ENVIRONMENT = oneOf(["dev", "prod"]);
export const AUTH_PROVIDER = oneOf(["github", "google", "entra", "local"]);

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const USER_NAME = { pattern: /^[^\s"'\\]{1,256}$/, expect: "a user name without spaces or quotes" };

/** Namespaces a tenant may not take over. */
const RESERVED_TENANTS = ["default", "system", "platform", "jupyterhub", "monitoring", "spark"];

/** Messages of nested values are relative: the parser prefixes the path, e.g. `tenants[0].cpu`. */
function amount(min: number, max: number, def: number) {
  const bad = {
    error: (iss: { input?: unknown }) =>
      `${JSON.stringify(iss.input)} must be a number from ${min} to ${max}`,
  };
  return z.number(bad).min(min, bad).max(max, bad).default(def);
}

const TENANT_FIELDS = ["name", "cpu", "memoryGi", "storageGi", "owners", "members", "groups"];
const notLabel = (iss: { input?: unknown }) =>
  `${JSON.stringify(iss.input)} is not a DNS label (lowercase a-z, 0-9, '-', at most 56 characters)`;
const owners = { error: "must be a list of user names" };
const members = { error: 'must be a list of user names, e.g. ["alice", "bob"]' };
const groups = { error: 'must be a list of group names, e.g. ["example-org:stats-101"]' };

export const TENANT = z.strictObject(
  {
    name: z
      .string({ error: notLabel })
      .max(56, { error: notLabel })
      .regex(DNS_LABEL, { error: notLabel })
      .refine((name) => !RESERVED_TENANTS.includes(name) && !name.startsWith("kube-"), {
        error: (iss) => `"${iss.input}" is reserved`,
      }),
    // Checked in this order (owners before the amounts), as the messages have always come.
    owners: z.array(z.string(owners).min(1, owners).max(256, owners), owners).default([]),
    // Students (and identity-provider groups) whose notebook servers run in this tenant (tenancy).
    members: z.array(z.string(members).min(1, members).max(256, members), members).default([]),
    groups: z.array(z.string(groups).min(1, groups).max(256, groups), groups).default([]),
    cpu: amount(0.5, 10000, 4),
    memoryGi: amount(1, 100000, 16),
    storageGi: amount(1, 1000000, 100),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `has unknown field ${iss.keys[0]}; fields: ${TENANT_FIELDS.join(", ")}`
        : "must be an object with a name",
  },
);

const TENANTS = z
  .array(TENANT, { error: "must be a list of tenants, e.g. [{name: physics-101, cpu: 8, memoryGi: 32}]" })
  .superRefine((tenants, ctx) => usedTwice(tenants, ctx), { when: () => true })
  .superRefine((tenants, ctx) => memberOfTwo(tenants, ctx));

/** A student's server runs in one namespace: nobody may be a member of two tenants. */
function memberOfTwo(tenants: { name: string; members: string[] }[], ctx: z.RefinementCtx): void {
  const memberOf = new Map<string, string>();
  tenants.forEach((t, i) =>
    t.members.forEach((m) => {
      const other = memberOf.get(m.toLowerCase());
      if (other && other !== t.name)
        ctx.addIssue({
          code: "custom",
          message: `member "${m}" is listed in both "${other}" and "${t.name}"; keep one`,
          path: [i, "members"],
          input: m,
        });
      memberOf.set(m.toLowerCase(), t.name);
    }),
  );
}

/**
 * `"<name>" is used twice` for the second item of a list with a given name. Runs even when another item
 * is wrong (`when`), so the mistake reported first is the same whichever fields are also wrong.
 */
export function usedTwice(items: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(items)) return; // not a list: its own issue says so
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const name = item && typeof item === "object" ? (item as { name?: unknown }).name : undefined;
    if (typeof name !== "string") return;
    if (seen.has(name))
      ctx.addIssue({ code: "custom", message: `"${name}" is used twice`, path: [i, "name"], input: name });
    seen.add(name);
  });
}

const oauth = (v: Record<string, unknown>) => v.authProvider !== "local";

export const PLATFORM_KEYS: KeyDef[] = [
  key({
    key: "target",
    kind: "enum",
    schema: TARGET,
    appliesTo: "all",
    required: true,
    doc: { default: "(required)", description: "`aws` or `edge`" },
    prompt: {
      description:
        "Where the platform runs: aws (VPC, EKS, RDS, S3) or edge (an existing k3s or Kubernetes cluster)",
      default: "aws",
    },
  }),
  key({
    key: "environment",
    kind: "enum",
    schema: ENVIRONMENT,
    appliesTo: "all",
    default: "dev",
    doc: { default: "dev", description: "`dev` or `prod` (replicas, protection, retention)" },
    prompt: {
      description: "dev (cheap, easy to tear down) or prod (Multi-AZ, deletion protection, longer backups)",
      default: "dev",
    },
  }),
  key({
    key: "domain",
    kind: "text",
    schema: text(DNS_NAME, "a lowercase DNS name such as datavis.example.org"),
    appliesTo: "all",
    required: true,
    doc: { default: "(required)", description: "DNS name; endpoints are hub., grafana., headlamp.<domain>" },
    prompt: { description: "DNS name under which hub, grafana and headlamp are served (hub.<domain>, ...)" },
  }),
  key({
    key: "tenants",
    kind: "json",
    schema: TENANTS,
    appliesTo: "all",
    default: [],
    doc: { default: "[]", description: "list of {name, cpu, memoryGi, storageGi, owners, members, groups}" },
  }),
  key({
    key: "admins",
    kind: "list",
    schema: list(USER_NAME),
    appliesTo: "all",
    default: [],
    doc: { default: "[]", description: "JupyterHub admin user names" },
  }),
  key({
    key: "authProvider",
    kind: "enum",
    schema: AUTH_PROVIDER,
    appliesTo: "all",
    default: (v) => (v.target === "edge" ? "local" : "github"),
    doc: { default: "github (edge: local)", description: "`github`, `google`, `entra` or `local`" },
    prompt: {
      description:
        "Sign-in for JupyterHub, Grafana and Headlamp: github, google, entra or local (air-gapped sites)",
      default: "github",
    },
  }),
  key({
    key: "authClientId",
    kind: "text",
    schema: text(/^[A-Za-z0-9._~-]{4,256}$/, "an OAuth client id"),
    appliesTo: "all",
    when: oauth,
    required: true,
    default: "",
    doc: { default: "(required unless local)", description: "OAuth client id" },
    prompt: {
      description: "OAuth client id of the app registered with the identity provider (not needed for local)",
    },
  }),
  key({
    key: "authClientSecret",
    kind: "secret",
    schema: secret(),
    appliesTo: "all",
    required: oauth,
    doc: { default: "(required unless local)", description: "OAuth client secret" },
  }),
  key({
    key: "authAllowedOrganizations",
    kind: "list",
    schema: list({
      pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(:[A-Za-z0-9_.-]+)?$/,
      expect: "a GitHub organization (or org:team)",
    }),
    appliesTo: "all",
    default: [],
    doc: { default: "[]", description: "GitHub organizations allowed to sign in" },
  }),
  key({
    key: "authAllowedDomains",
    kind: "list",
    schema: list({ pattern: DNS_NAME, expect: "a domain such as example.edu" }),
    appliesTo: "all",
    default: [],
    doc: { default: "[]", description: "Google Workspace domains allowed to sign in" },
  }),
  key({
    key: "authEntraTenantId",
    kind: "text",
    schema: text(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      "a directory (tenant) id, a GUID",
    ),
    appliesTo: "all",
    // Only entra uses it; another provider takes whatever is set, unchecked.
    checkedWhen: (v) => v.authProvider === "entra",
    required: (v) => v.authProvider === "entra",
    default: "",
    doc: { default: "(required for entra)", description: "Microsoft Entra directory (tenant) id" },
  }),
  key({
    key: "authAllowedUsers",
    kind: "list",
    schema: list(USER_NAME),
    appliesTo: "all",
    default: [],
    doc: { default: "[]", description: "individual users allowed to sign in" },
  }),
];
