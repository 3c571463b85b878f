/**
 * Rules across keys, checked right after the last key each one reads (so the first mistake in
 * declaration order is the one reported). Each names the key the user should change.
 */
import { notPublicSource, parseCidr, planSubnets } from "../../components/aws/cidr";
import { DOCUMENTATION_ACCOUNTS, instanceArch } from "../../components/aws/catalogue";
import { imagesWithoutArch, type AwsPool } from "../../components/versions/pool-arch";
import type { AppliesTo, Values } from "./kit";
import { GROUP_RULES } from "./rules-groups";

export interface Rule {
  /** The key the message names: the one to change. */
  key: string;
  appliesTo: AppliesTo;
  /** Checked once this key has been read. */
  after: string;
  /** Undefined when the rule holds; otherwise the message after `config <key>: `. */
  check(v: Values): string | undefined;
}

/**
 * A Graviton pool runs only images published for arm64: the first image of the pool without an arm64
 * build (components/versions/pool-arch.ts, from the version matrix) refuses the key that chose the type.
 */
function poolArchRule(key: string, pool: AwsPool): Rule {
  return {
    key,
    appliesTo: "aws",
    after: key,
    check: (v) => {
      const types: string[] = Array.isArray(v[key]) ? v[key] : [v[key]];
      const arm = types.find((t) => instanceArch(t) === "arm64");
      if (!arm) return undefined;
      const missing = imagesWithoutArch(pool, "arm64")[0];
      return missing
        ? `"${arm}" is arm64 (Graviton), but the ${pool} pool runs ${missing.component} ${missing.ref}, ` +
            `published for ${missing.arches.join(", ") || "no known architecture"} only: choose an x86_64 type ` +
            `or pin a build of that image with linux/arm64`
        : undefined;
    },
  };
}

export const RULES: Rule[] = [
  poolArchRule("systemNodeInstanceType", "system"),
  poolArchRule("notebookInstanceTypes", "notebooks"),
  poolArchRule("sparkInstanceTypes", "spark"),
  {
    key: "authAllowedOrganizations",
    appliesTo: "all",
    after: "authAllowedUsers",
    check: (v) =>
      v.authProvider === "github" &&
      v.authAllowedOrganizations.length === 0 &&
      v.authAllowedUsers.length === 0
        ? "GitHub sign-in needs at least one organization or one authAllowedUsers entry; otherwise anyone with a GitHub account could sign in"
        : undefined,
  },
  {
    key: "authAllowedDomains",
    appliesTo: "all",
    after: "authAllowedUsers",
    check: (v) =>
      v.authProvider === "google" && v.authAllowedDomains.length === 0 && v.authAllowedUsers.length === 0
        ? "Google sign-in needs at least one domain or one authAllowedUsers entry; otherwise anyone with a Google account could sign in"
        : undefined,
  },
  {
    // The range must hold public, private and database subnets for every AZ (components/aws/cidr.ts).
    key: "vpcCidr",
    appliesTo: "aws",
    after: "vpcCidr",
    check: (v) => {
      const plan = planSubnets(v.vpcCidr, v.azCount);
      return typeof plan === "string" ? plan : undefined;
    },
  },
  {
    key: "apiAllowedCidrs",
    appliesTo: "aws",
    after: "apiAllowedCidrs",
    check: (v) => {
      for (const c of v.apiAllowedCidrs as string[]) {
        const parsed = parseCidr(c);
        if (typeof parsed === "string") return parsed;
        if (parsed.prefix === 0)
          return `"${c}" opens the Kubernetes API to the whole internet; list your office or VPN ranges`;
        // A range no real client comes from: every Kubernetes resource would time out after the 5-minute
        // health wait of pulumi-eks. The fix names the command that gives the operator's own address.
        const special = notPublicSource(parsed);
        if (special)
          return (
            `"${c}" overlaps ${special}: the public endpoint never sees a client from there. Set the public ` +
            `address pulumi up runs from (pulumi config set --path 'datavis:apiAllowedCidrs[0]' ` +
            `"$(curl -s https://checkip.amazonaws.com)/32"), or [] to run pulumi up from inside the VPC`
          );
      }
      return undefined;
    },
  },
  {
    // One NAT instance serves every zone; `perAz` asks for one NAT per zone, which only gateways give.
    key: "natGateways",
    appliesTo: "aws",
    after: "natMode",
    check: (v) =>
      v.natMode === "instance" && v.natGateways === "perAz"
        ? "perAz needs natMode gateway: natMode instance runs one NAT instance for every zone (pulumi config set datavis:natMode gateway)"
        : undefined,
  },
  {
    key: "clusterAdminArns",
    appliesTo: "aws",
    after: "clusterAdminArns",
    check: (v) => {
      for (const arn of v.clusterAdminArns as string[]) {
        const account = arn.split(":")[4];
        if (DOCUMENTATION_ACCOUNTS.includes(account))
          return (
            `"${arn}" is in ${account}, an example account of the AWS documentation: name a principal of your ` +
            `own account (aws sts get-caller-identity), or leave the list empty (whoever runs pulumi up is admin)`
          );
      }
      return undefined;
    },
  },
  {
    key: "registryMirror",
    appliesTo: "edge",
    after: "registryMirror",
    check: (v) =>
      v.airGapped && !v.registryMirror
        ? "is required when airGapped is true: images must come from the site's mirror (pulumi config set datavis:registryMirror registry.lab.local:5000)"
        : undefined,
  },
  {
    key: "singleUserImage",
    appliesTo: "edge",
    after: "registryMirror",
    check: (v) =>
      v.airGapped && !v.singleUserImage && !v.notebookPackageIndex
        ? "an air-gapped site cannot reach pypi.org, where the default notebook image installs papermill, psycopg, boto3 and kubernetes at start; set it to the site's mirrored build of images/singleuser (pulumi config set datavis:singleUserImage registry.lab.local:5000/datavis-platform/singleuser:<tag>), or set notebookPackageIndex to the site's PyPI mirror"
        : undefined,
  },
  // tenants[].groups must be able to match (rules-groups.ts).
  ...GROUP_RULES,
];
