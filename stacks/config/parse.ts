/**
 * Validates a stack's raw config against the schema (schema.ts) and builds the typed config.
 *
 * `parseConfig` is pure (raw strings in, typed config out) so that tests, the offline plan and `pulumi up`
 * validate exactly the same way, and so that a bad value fails before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { ConfigError, PROJECT, show, type KeyDef, type Values } from "./kit";
import { REQUIRED_FIELD } from "./keys-settings";
import { KEYS, RULES } from "./schema";
import type { PlatformConfig } from "./types";

// Public in the SDK's JavaScript, missing from its typings: tells whether a key was set with --secret.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
  isConfigSecret(key: string): boolean;
};

/** Raw config as Pulumi hands it over: every value a string, structured values as JSON text. */
export interface RawConfig {
  /** Values keyed without the `datavis:` namespace; provider keys keep theirs (`aws:region`). */
  values: Record<string, string>;
  /** Keys (same form) that were set with `--secret`. */
  secretKeys: Set<string>;
}

const fq = (key: string) => (key.includes(":") ? key : `${PROJECT}:${key}`);
const known = new Set(KEYS.map((k) => k.key).filter((k) => !k.includes(":")));

/** Keys in our namespace that no schema entry knows: almost always a typo. */
function checkUnknown(raw: RawConfig): void {
  for (const key of Object.keys(raw.values)) {
    if (key.includes(":") || known.has(key)) continue;
    const near = [...known].find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
    throw new ConfigError(
      fq(key),
      `is not a known key${near ? `; did you mean ${PROJECT}:${near}?` : ""} (see README, "Configuration")`,
    );
  }
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** Pulumi's string for the key, decoded to what the schema checks (a number, a boolean, a list...). */
function decode(def: KeyDef, schema: z.ZodType, v: string): unknown {
  const fail = (detail: string): never => {
    throw new ConfigError(fq(def.key), detail);
  };
  switch (def.kind) {
    case "int": {
      if (!/^-?\d+$/.test(v.trim())) {
        const n = schema as unknown as { minValue: number; maxValue: number };
        fail(`${show(v)} is not a whole number (allowed ${n.minValue} to ${n.maxValue})`);
      }
      return Number(v);
    }
    case "bool":
      return v === "true"
        ? true
        : v === "false"
          ? false
          : fail(`${show(v)} is not a boolean: use true or false`);
    case "list":
    case "json": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        return fail(`${show(v)} is not valid JSON/YAML structure (expected a list or an object)`);
      }
      // A list of strings is checked whole first, as one mistake, before its items.
      if (def.kind === "list" && (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string")))
        fail('must be a list of strings, e.g. ["a", "b"]');
      return parsed;
    }
    default:
      return v;
  }
}

/** `tenants[0].name` for an issue inside a structured value; lists of strings name their item instead. */
function where(def: KeyDef, path: PropertyKey[]): string {
  if (def.kind !== "json" || path.length === 0) return "";
  const [i, field] = path;
  return `${def.key}[${String(i)}]${field === undefined ? "" : `.${String(field)}`} `;
}

/**
 * The issue to report: the first, except that inside one list item an unknown field, then a missing
 * required field, then anything about the item's name (including a name used twice) comes before the
 * other fields' issues (zod lists an object's field issues first and cross-item issues last).
 */
function firstIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  const rank = (i: z.core.$ZodIssue) =>
    i.code === "unrecognized_keys" ? 0 : i.message === REQUIRED_FIELD ? 1 : i.path[1] === "name" ? 2 : 3;
  const item = (i: z.core.$ZodIssue) => (typeof i.path[0] === "number" ? i.path[0] : Infinity);
  return [...issues].sort((a, b) => item(a) - item(b) || rank(a) - rank(b))[0];
}

function readKey(def: KeyDef, raw: RawConfig, v: Values): unknown {
  const given = raw.values[def.key];
  const dflt = typeof def.default === "function" ? def.default(v) : def.default;
  if (given === undefined || given === "") {
    const required = typeof def.required === "function" ? def.required(v) : def.required;
    if (!required) return dflt;
    const set = `pulumi config set${def.kind === "secret" ? " --secret" : ""} ${fq(def.key)}`;
    const options = (def.schema as { options?: string[] }).options;
    throw new ConfigError(
      fq(def.key),
      def.kind === "enum"
        ? `is required: one of ${options!.join(", ")}`
        : `is required; set it with: ${set} <value>`,
    );
  }
  if (def.checkedWhen && !def.checkedWhen(v)) return given;
  const schema = def.schemaIn?.(v) ?? def.schema;
  const input = decode(def, schema, given);
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = firstIssue(result.error.issues);
    throw new ConfigError(fq(def.key), `${where(def, issue.path)}${issue.message}`);
  }
  if (def.kind === "secret") {
    if (!raw.secretKeys.has(def.key))
      throw new ConfigError(
        fq(def.key),
        `must be stored encrypted; set it again with: pulumi config set --secret ${fq(def.key)} <value>`,
      );
    return pulumi.secret(given);
  }
  return def.keepInput ? input : result.data;
}

/** Validates the raw config of one stack; throws ConfigError naming the first bad key. */
export function parseConfig(raw: RawConfig, stack: string, keysRead?: Set<string>): PlatformConfig {
  checkUnknown(raw);
  const v: Values = {};
  for (const def of KEYS) {
    if (def.appliesTo !== "all" && def.appliesTo !== v.target) continue;
    if (def.when && !def.when(v)) {
      v[def.key] = typeof def.default === "function" ? def.default(v) : def.default;
    } else {
      keysRead?.add(def.key);
      v[def.key] = readKey(def, raw, v);
    }
    for (const rule of RULES) {
      if (rule.after !== def.key) continue;
      const detail = rule.check(v);
      if (detail !== undefined) throw new ConfigError(fq(rule.key), detail);
    }
  }
  return build(v, stack);
}

/** The typed config from the values read, grouped as the stacks use them. */
function build(v: Values, stack: string): PlatformConfig {
  const production = v.environment === "prod";
  const cfg: PlatformConfig = {
    project: PROJECT,
    stack,
    target: v.target,
    environment: v.environment,
    production,
    domain: v.domain,
    tenants: v.tenants.map((t: Values) => ({
      name: t.name,
      cpu: t.cpu,
      memoryGi: t.memoryGi,
      storageGi: t.storageGi,
      owners: t.owners,
      members: t.members,
      groups: t.groups,
    })),
    admins: v.admins,
    auth: {
      provider: v.authProvider,
      clientId: v.authClientId,
      clientSecret: v.authClientSecret,
      allowedOrganizations: v.authAllowedOrganizations,
      allowedDomains: v.authAllowedDomains,
      entraTenantId: v.authEntraTenantId,
      allowedUsers: v.authAllowedUsers,
    },
    maintenance: { enabled: v.maintenanceMode, message: v.maintenanceMessage },
    activityLogRetentionDays: v.activityLogRetentionDays,
    notebookStorageGi: v.notebookStorageGi,
    notebookBackupRetentionDays: v.notebookBackupRetentionDays,
    cullIdleMinutes: v.cullIdleMinutes,
    singleUserImage: v.singleUserImage,
    notebookPackageIndex: v.notebookPackageIndex,
    activeUsers: v.activeUsers,
    scheduledRuns: v.scheduledRuns,
  };
  if (v.target === "aws") {
    cfg.aws = {
      region: v["aws:region"],
      vpcCidr: v.vpcCidr,
      azCount: v.azCount,
      natGateways: v.natGateways,
      natMode: v.natMode,
      natInstanceType: v.natInstanceType,
      ingressMode: v.ingressMode,
      apiAllowedCidrs: v.apiAllowedCidrs,
      clusterAdminArns: v.clusterAdminArns,
      systemNodeInstanceType: v.systemNodeInstanceType,
      systemNodeCapacity: v.systemNodeCapacity,
      notebookInstanceTypes: v.notebookInstanceTypes,
      sparkInstanceTypes: v.sparkInstanceTypes,
      notebookMaxNodes: v.notebookMaxNodes,
      sparkMaxNodes: v.sparkMaxNodes,
      dbInstanceClass: v.dbInstanceClass,
      dbAllocatedStorageGb: v.dbAllocatedStorageGb,
      dbBackupRetentionDays: v.dbBackupRetentionDays,
      acmeEmail: v.acmeEmail,
      externalDnsZoneId: v.externalDnsZoneId,
      auditLogRetentionDays: v.auditLogRetentionDays,
      flowLogRetentionDays: v.flowLogRetentionDays,
      notebookPrePuller: v.notebookPrePuller,
      notebookPlaceholders: v.notebookPlaceholders,
      notebookPlaceholderProfile: v.notebookPlaceholderProfile,
    };
  } else {
    cfg.edge = {
      kubeconfig: v.kubeconfig,
      airGapped: v.airGapped,
      registryMirror: v.registryMirror,
      chartsDir: v.chartsDir,
      nodeCount: v.edgeNodeCount,
      nodeModel: v.edgeNodeModel,
      nodeCpu: v.edgeNodeCpu,
      nodeMemoryGi: v.edgeNodeMemoryGi,
      storageClass: v.storageClass,
      installIngress: v.installIngress,
      etcdSnapshots: {
        schedule: v.etcdSnapshotSchedule,
        retention: v.etcdSnapshotRetention,
        toObjectStore: v.etcdSnapshotsToObjectStore,
        nodePort: v.etcdSnapshotNodePort,
      },
    };
  }
  return cfg;
}

/** Reads the running program's config (from `pulumi up`, or the plan's mock runtime). */
export function loadConfig(): PlatformConfig {
  const all = pulumi.runtime.allConfig();
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(all)) {
    const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
    values[key] = value;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  return parseConfig({ values, secretKeys }, pulumi.getStack());
}
