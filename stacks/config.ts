/**
 * Every configuration key the program reads: its type, default, check and error message.
 *
 * `parseConfig` is pure (raw strings in, typed config out) so that tests, the offline plan and `pulumi up`
 * validate exactly the same way, and so that a bad value fails before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { planSubnets, parseCidr } from "../components/aws/cidr";

// Public in the SDK's JavaScript, missing from its typings: tells whether a key was set with --secret.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
  isConfigSecret(key: string): boolean;
};

export const PROJECT = "datavis";

export type Target = "aws" | "edge";
export type Environment = "dev" | "prod";
export type AuthProvider = "github" | "google" | "entra" | "local";
export type EdgeNodeModel = "pi4-4gb" | "pi4-8gb" | "pi5-4gb" | "pi5-8gb" | "pi5-16gb" | "custom";

/** A team or a class: one namespace with its own quota, limits, network isolation and RBAC. */
export interface TenantConfig {
  /** DNS label; the namespace is `tenant-<name>`. */
  name: string;
  /** CPU cores the whole tenant may request. */
  cpu: number;
  /** Memory (GiB) the whole tenant may request. */
  memoryGi: number;
  /** Persistent storage (GiB) the tenant may claim. */
  storageGi: number;
  /** Identity-provider user names (or e-mails) of the engineers who may deploy into this tenant. */
  owners: string[];
  /** Identity-provider user names (or e-mails) of the students whose notebook servers run in this tenant. */
  members: string[];
  /** Identity-provider groups (GitHub `org:team`, Google or Entra groups) whose members belong here. */
  groups: string[];
}

export interface AuthConfig {
  provider: AuthProvider;
  /** OAuth client id; empty for `local`. */
  clientId: string;
  /** OAuth client secret (a Pulumi secret); undefined for `local`. */
  clientSecret?: pulumi.Output<string>;
  /** GitHub organizations whose members may sign in. */
  allowedOrganizations: string[];
  /** Google Workspace domains whose users may sign in. */
  allowedDomains: string[];
  /** Microsoft Entra ID tenant (directory) id. */
  entraTenantId: string;
  /** Individual users allowed besides the organizations/domains above. */
  allowedUsers: string[];
}

export interface AwsConfig {
  region: string;
  vpcCidr: string;
  azCount: 2 | 3;
  /** `single` NAT gateway (cheap, one AZ's outage cuts egress) or one `perAz`. */
  natGateways: "single" | "perAz";
  /** CIDRs that may reach the public EKS API endpoint; empty means private endpoint only. */
  apiAllowedCidrs: string[];
  /** IAM principal ARNs given cluster-admin through EKS access entries. */
  clusterAdminArns: string[];
  systemNodeInstanceType: string;
  notebookInstanceTypes: string[];
  sparkInstanceTypes: string[];
  notebookMaxNodes: number;
  sparkMaxNodes: number;
  dbInstanceClass: string;
  dbAllocatedStorageGb: number;
  dbBackupRetentionDays: number;
  acmeEmail: string;
  /** Retention (days) of the EKS control-plane (audit) logs in CloudWatch. */
  auditLogRetentionDays: number;
  flowLogRetentionDays: number;
}

export interface EdgeConfig {
  /** Kubeconfig of the existing cluster (a Pulumi secret). */
  kubeconfig: pulumi.Output<string>;
  airGapped: boolean;
  /** host[:port] of the site's registry mirror; required when air-gapped. */
  registryMirror: string;
  /** Folder holding the chart archives (.tgz) when air-gapped. */
  chartsDir: string;
  nodeCount: number;
  nodeModel: EdgeNodeModel;
  /** CPU cores per node (from the model, or `edgeNodeCpu` for `custom`). */
  nodeCpu: number;
  /** Memory (GiB) per node (from the model, or `edgeNodeMemoryGi` for `custom`). */
  nodeMemoryGi: number;
  storageClass: string;
  /** Install Traefik; false where the cluster already runs one (k3s ships it). */
  installIngress: boolean;
}

export interface PlatformConfig {
  project: string;
  stack: string;
  target: Target;
  environment: Environment;
  /** True for `environment: prod`: replicas, deletion protection, longer retention. */
  production: boolean;
  domain: string;
  tenants: TenantConfig[];
  admins: string[];
  auth: AuthConfig;
  maintenance: { enabled: boolean; message: string };
  activityLogRetentionDays: number;
  notebookStorageGi: number;
  notebookBackupRetentionDays: number;
  cullIdleMinutes: number;
  /** Single-user notebook image (registry/path:tag); empty means the pinned IMAGES.singleuser. */
  singleUserImage: string;
  /** Scheduled Papermill runs (charts/scheduled-notebooks `runs`: name, schedule, source, notebook, ...). */
  scheduledRuns: Record<string, unknown>[];
  /** Users active at once, for the cost and capacity estimates. */
  activeUsers: number;
  aws?: AwsConfig;
  edge?: EdgeConfig;
}

/** A configuration value that is missing or wrong. The message names the key, the value and the fix. */
export class ConfigError extends Error {
  constructor(
    public readonly key: string,
    detail: string,
  ) {
    super(`config ${key}: ${detail}`);
    this.name = "ConfigError";
  }
}

type AppliesTo = "all" | Target;

/** Documentation of one key; the README's table is checked against this list. */
export interface KeySpec {
  key: string;
  appliesTo: AppliesTo;
  default: string;
  description: string;
  secret?: boolean;
}

export const CONFIG_KEYS: KeySpec[] = [
  { key: "target", appliesTo: "all", default: "(required)", description: "`aws` or `edge`" },
  {
    key: "environment",
    appliesTo: "all",
    default: "dev",
    description: "`dev` or `prod` (replicas, protection, retention)",
  },
  {
    key: "domain",
    appliesTo: "all",
    default: "(required)",
    description: "DNS name; endpoints are hub., grafana., headlamp.<domain>",
  },
  {
    key: "tenants",
    appliesTo: "all",
    default: "[]",
    description: "list of {name, cpu, memoryGi, storageGi, owners}",
  },
  { key: "admins", appliesTo: "all", default: "[]", description: "JupyterHub admin user names" },
  {
    key: "authProvider",
    appliesTo: "all",
    default: "github (edge: local)",
    description: "`github`, `google`, `entra` or `local`",
  },
  {
    key: "authClientId",
    appliesTo: "all",
    default: "(required unless local)",
    description: "OAuth client id",
  },
  {
    key: "authClientSecret",
    appliesTo: "all",
    default: "(required unless local)",
    description: "OAuth client secret",
    secret: true,
  },
  {
    key: "authAllowedOrganizations",
    appliesTo: "all",
    default: "[]",
    description: "GitHub organizations allowed to sign in",
  },
  {
    key: "authAllowedDomains",
    appliesTo: "all",
    default: "[]",
    description: "Google Workspace domains allowed to sign in",
  },
  {
    key: "authEntraTenantId",
    appliesTo: "all",
    default: "(required for entra)",
    description: "Microsoft Entra directory (tenant) id",
  },
  {
    key: "authAllowedUsers",
    appliesTo: "all",
    default: "[]",
    description: "individual users allowed to sign in",
  },
  {
    key: "maintenanceMode",
    appliesTo: "all",
    default: "false",
    description: "read-only mode: no new servers or scheduled runs",
  },
  {
    key: "maintenanceMessage",
    appliesTo: "all",
    default: "(a generic notice)",
    description: "banner shown during maintenance",
  },
  {
    key: "activityLogRetentionDays",
    appliesTo: "all",
    default: "90",
    description: "days JupyterHub's activity log is kept",
  },
  {
    key: "notebookStorageGi",
    appliesTo: "all",
    default: "10",
    description: "per-user notebook volume size (GiB)",
  },
  {
    key: "notebookBackupRetentionDays",
    appliesTo: "all",
    default: "7 (prod: 30)",
    description: "days notebook backups are kept",
  },
  {
    key: "cullIdleMinutes",
    appliesTo: "all",
    default: "60",
    description: "idle notebook servers are stopped after this",
  },
  {
    key: "singleUserImage",
    appliesTo: "all",
    default: "(pinned in versions.ts)",
    description: "notebook server image, registry/path:tag (a fork's own build)",
  },
  {
    key: "scheduledRuns",
    appliesTo: "all",
    default: "[]",
    description: "Papermill runs: list of {name, schedule, source, notebook, parameters}",
  },
  {
    key: "activeUsers",
    appliesTo: "all",
    default: "10",
    description: "concurrent users, for the cost/capacity estimate",
  },
  { key: "vpcCidr", appliesTo: "aws", default: "10.0.0.0/16", description: "VPC range, /16 to /20" },
  { key: "azCount", appliesTo: "aws", default: "3", description: "availability zones, 2 or 3" },
  {
    key: "natGateways",
    appliesTo: "aws",
    default: "single (prod: perAz)",
    description: "`single` or `perAz`",
  },
  {
    key: "apiAllowedCidrs",
    appliesTo: "aws",
    default: "[]",
    description: "CIDRs allowed on the public EKS API; [] = private only",
  },
  {
    key: "clusterAdminArns",
    appliesTo: "aws",
    default: "[]",
    description: "IAM principals given cluster-admin",
  },
  {
    key: "systemNodeInstanceType",
    appliesTo: "aws",
    default: "t3.medium",
    description: "on-demand system node group",
  },
  {
    key: "notebookInstanceTypes",
    appliesTo: "aws",
    default: '["m6i.large","m5.large","m6a.large"]',
    description: "spot types for notebook nodes",
  },
  {
    key: "sparkInstanceTypes",
    appliesTo: "aws",
    default: '["m6i.xlarge","m5.xlarge","m6a.xlarge"]',
    description: "spot types for Spark nodes",
  },
  {
    key: "notebookMaxNodes",
    appliesTo: "aws",
    default: "10",
    description: "notebook node group maximum (minimum is 0)",
  },
  {
    key: "sparkMaxNodes",
    appliesTo: "aws",
    default: "10",
    description: "Spark node group maximum (minimum is 0)",
  },
  {
    key: "dbInstanceClass",
    appliesTo: "aws",
    default: "db.t4g.micro (prod: db.t4g.medium)",
    description: "RDS instance class",
  },
  {
    key: "dbAllocatedStorageGb",
    appliesTo: "aws",
    default: "20",
    description: "RDS storage (GiB), 20 to 65536",
  },
  {
    key: "dbBackupRetentionDays",
    appliesTo: "aws",
    default: "7 (prod: 14)",
    description: "RDS point-in-time recovery window, 7 to 35",
  },
  { key: "acmeEmail", appliesTo: "aws", default: "(required)", description: "Let's Encrypt account e-mail" },
  {
    key: "auditLogRetentionDays",
    appliesTo: "aws",
    default: "90 (prod: 365)",
    description: "EKS audit log retention (days)",
  },
  {
    key: "flowLogRetentionDays",
    appliesTo: "aws",
    default: "30",
    description: "VPC flow log retention (days)",
  },
  {
    key: "kubeconfig",
    appliesTo: "edge",
    default: "(required)",
    description: "kubeconfig of the existing cluster",
    secret: true,
  },
  {
    key: "airGapped",
    appliesTo: "edge",
    default: "false",
    description: "charts from `chartsDir`, images from `registryMirror`",
  },
  {
    key: "registryMirror",
    appliesTo: "edge",
    default: "(required when air-gapped)",
    description: "host[:port] of the site's registry mirror",
  },
  {
    key: "chartsDir",
    appliesTo: "edge",
    default: "bundle/charts",
    description: "folder of chart archives when air-gapped",
  },
  {
    key: "edgeNodeCount",
    appliesTo: "edge",
    default: "3",
    description: "nodes in the cluster, for the capacity estimate",
  },
  {
    key: "edgeNodeModel",
    appliesTo: "edge",
    default: "pi4-4gb",
    description: "pi4-4gb, pi4-8gb, pi5-4gb, pi5-8gb, pi5-16gb or custom",
  },
  {
    key: "edgeNodeCpu",
    appliesTo: "edge",
    default: "(from model)",
    description: "CPU cores per node when the model is custom",
  },
  {
    key: "edgeNodeMemoryGi",
    appliesTo: "edge",
    default: "(from model)",
    description: "memory (GiB) per node when the model is custom",
  },
  {
    key: "storageClass",
    appliesTo: "edge",
    default: "local-path",
    description: "StorageClass for volumes (k3s ships local-path)",
  },
  {
    key: "installIngress",
    appliesTo: "edge",
    default: "false",
    description: "install Traefik (k3s already runs one)",
  },
];

/** Per-node capacity of the supported Raspberry Pi models (cores, GiB). */
export const EDGE_NODE_MODELS: Record<Exclude<EdgeNodeModel, "custom">, { cpu: number; memoryGi: number }> = {
  "pi4-4gb": { cpu: 4, memoryGi: 4 },
  "pi4-8gb": { cpu: 4, memoryGi: 8 },
  "pi5-4gb": { cpu: 4, memoryGi: 4 },
  "pi5-8gb": { cpu: 4, memoryGi: 8 },
  "pi5-16gb": { cpu: 4, memoryGi: 16 },
};

/** EC2 families the node groups may use (current generation, general purpose / compute / memory). */
export const EC2_FAMILIES = [
  "t3",
  "t3a",
  "t4g",
  "m5",
  "m5a",
  "m6i",
  "m6a",
  "m6g",
  "m7i",
  "m7a",
  "m7g",
  "c5",
  "c5a",
  "c6i",
  "c6a",
  "c6g",
  "c7i",
  "c7a",
  "c7g",
  "r5",
  "r5a",
  "r6i",
  "r6a",
  "r6g",
  "r7i",
  "r7a",
  "r7g",
];
export const RDS_FAMILIES = ["t3", "t4g", "m5", "m6i", "m6g", "m7g", "r5", "r6i", "r6g", "r7g"];
const INSTANCE_SIZES = [
  "nano",
  "micro",
  "small",
  "medium",
  "large",
  "xlarge",
  "2xlarge",
  "4xlarge",
  "8xlarge",
  "12xlarge",
  "16xlarge",
  "24xlarge",
];

/** Namespaces a tenant may not take over. */
const RESERVED_TENANTS = ["default", "system", "platform", "jupyterhub", "monitoring", "spark"];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

export { instanceArch } from "../components/aws/catalogue";
import { instanceArch } from "../components/aws/catalogue";

/** Raw config as Pulumi hands it over: every value a string, structured values as JSON text. */
export interface RawConfig {
  /** Values keyed without the `datavis:` namespace; provider keys keep theirs (`aws:region`). */
  values: Record<string, string>;
  /** Keys (same form) that were set with `--secret`. */
  secretKeys: Set<string>;
}

class Reader {
  private readonly known = new Set(CONFIG_KEYS.map((k) => k.key));
  readonly used = new Set<string>();
  constructor(private readonly raw: RawConfig) {}

  private fq(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
  }
  fail(key: string, detail: string): never {
    throw new ConfigError(this.fq(key), detail);
  }
  private get(key: string): string | undefined {
    if (!key.includes(":") && !this.known.has(key))
      throw new Error(`bug: config key ${key} is not in CONFIG_KEYS`);
    this.used.add(key);
    const v = this.raw.values[key];
    return v === undefined || v === "" ? undefined : v;
  }
  private show(v: string): string {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return JSON.stringify(s);
  }

  string(key: string, def?: string, check?: { pattern: RegExp; expect: string }): string {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined)
        this.fail(key, `is required; set it with: pulumi config set ${this.fq(key)} <value>`);
      return def;
    }
    if (check && !check.pattern.test(v))
      this.fail(key, `${this.show(v)} is not valid: expected ${check.expect}`);
    return v;
  }
  oneOf<T extends string>(key: string, allowed: readonly T[], def?: T): T {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined) this.fail(key, `is required: one of ${allowed.join(", ")}`);
      return def;
    }
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(key, `${this.show(v)} is not allowed: use one of ${allowed.join(", ")}`);
    }
    return v as T;
  }
  int(key: string, def: number, min: number, max: number): number {
    const v = this.get(key);
    if (v === undefined) return def;
    if (!/^-?\d+$/.test(v.trim()))
      this.fail(key, `${this.show(v)} is not a whole number (allowed ${min} to ${max})`);
    const n = Number(v);
    if (n < min || n > max) this.fail(key, `${n} is out of range: allowed ${min} to ${max}`);
    return n;
  }
  bool(key: string, def: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return def;
    if (v === "true") return true;
    if (v === "false") return false;
    return this.fail(key, `${this.show(v)} is not a boolean: use true or false`);
  }
  json(key: string): unknown | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return this.fail(
        key,
        `${this.show(v)} is not valid JSON/YAML structure (expected a list or an object)`,
      );
    }
  }
  stringList(key: string, def: string[], check?: { pattern: RegExp; expect: string }): string[] {
    const v = this.json(key);
    if (v === undefined) return def;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      this.fail(key, `must be a list of strings, e.g. ["a", "b"]`);
    }
    const list = v as string[];
    for (const item of list) {
      if (check && !check.pattern.test(item))
        this.fail(key, `item ${this.show(item)} is not valid: expected ${check.expect}`);
    }
    if (new Set(list).size !== list.length) this.fail(key, "has duplicate items");
    return list;
  }
  secret(key: string, required: boolean): pulumi.Output<string> | undefined {
    const v = this.get(key);
    if (v === undefined) {
      if (required)
        this.fail(key, `is required; set it with: pulumi config set --secret ${this.fq(key)} <value>`);
      return undefined;
    }
    if (!this.raw.secretKeys.has(key)) {
      this.fail(
        key,
        `must be stored encrypted; set it again with: pulumi config set --secret ${this.fq(key)} <value>`,
      );
    }
    return pulumi.secret(v);
  }
  /** Keys in our namespace that no spec knows: almost always a typo. */
  checkUnknown(): void {
    for (const key of Object.keys(this.raw.values)) {
      if (!key.includes(":") && !this.known.has(key)) {
        const near = [...this.known].find(
          (k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2,
        );
        this.fail(
          key,
          `is not a known key${near ? `; did you mean ${PROJECT}:${near}?` : ""} (see README, "Configuration")`,
        );
      }
    }
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

function instanceTypeCheck(r: Reader, key: string, type: string, families: string[], prefix = ""): void {
  const m = new RegExp(`^${prefix.replace(".", "\\.")}([a-z0-9]+)\\.([a-z0-9]+)$`).exec(type);
  if (!m)
    r.fail(
      key,
      `"${type}" is not an instance type of the form ${prefix}<family>.<size>, e.g. ${prefix}${families[0]}.large`,
    );
  if (!families.includes(m[1])) {
    r.fail(key, `"${type}": unknown instance family "${m[1]}"; known families: ${families.join(", ")}`);
  }
  if (!INSTANCE_SIZES.includes(m[2]))
    r.fail(key, `"${type}": unknown size "${m[2]}"; sizes: ${INSTANCE_SIZES.join(", ")}`);
}

function instanceTypeList(r: Reader, key: string, def: string[]): string[] {
  const list = r.stringList(key, def);
  if (list.length === 0) r.fail(key, "must name at least one instance type");
  list.forEach((t) => instanceTypeCheck(r, key, t, EC2_FAMILIES));
  const arches = new Set(list.map(instanceArch));
  if (arches.size > 1)
    r.fail(key, `mixes arm64 (Graviton) and x86_64 types; one node group runs one architecture`);
  return list;
}

function readTenants(r: Reader): TenantConfig[] {
  const v = r.json("tenants");
  if (v === undefined) return [];
  if (!Array.isArray(v))
    r.fail("tenants", "must be a list of tenants, e.g. [{name: physics-101, cpu: 8, memoryGi: 32}]");
  const seen = new Set<string>();
  const tenants: TenantConfig[] = v.map((t: unknown, i: number) => {
    const where = `tenants[${i}]`;
    if (typeof t !== "object" || t === null || Array.isArray(t))
      r.fail("tenants", `${where} must be an object with a name`);
    const o = t as Record<string, unknown>;
    const unknown = Object.keys(o).filter(
      (k) => !["name", "cpu", "memoryGi", "storageGi", "owners", "members", "groups"].includes(k),
    );
    if (unknown.length)
      r.fail(
        "tenants",
        `${where} has unknown field ${unknown[0]}; fields: name, cpu, memoryGi, storageGi, owners, members, groups`,
      );
    const name = o.name;
    if (typeof name !== "string" || name.length > 56 || !DNS_LABEL.test(name)) {
      r.fail(
        "tenants",
        `${where}.name ${JSON.stringify(name)} is not a DNS label (lowercase a-z, 0-9, '-', at most 56 characters)`,
      );
    }
    if (RESERVED_TENANTS.includes(name) || name.startsWith("kube-"))
      r.fail("tenants", `${where}.name "${name}" is reserved`);
    if (seen.has(name)) r.fail("tenants", `${where}.name "${name}" is used twice`);
    seen.add(name);
    const num = (field: string, def: number, min: number, max: number): number => {
      const x = o[field];
      if (x === undefined) return def;
      if (typeof x !== "number" || !Number.isFinite(x) || x < min || x > max) {
        r.fail("tenants", `${where}.${field} ${JSON.stringify(x)} must be a number from ${min} to ${max}`);
      }
      return x;
    };
    const owners = o.owners ?? [];
    if (
      !Array.isArray(owners) ||
      owners.some((x) => typeof x !== "string" || x.length === 0 || x.length > 256)
    ) {
      r.fail("tenants", `${where}.owners must be a list of user names`);
    }
    const names = (field: "members" | "groups", what: string): string[] => {
      const x = o[field] ?? [];
      if (!Array.isArray(x) || x.some((n) => typeof n !== "string" || n.length === 0 || n.length > 256))
        r.fail("tenants", `${where}.${field} must be a list of ${what}, e.g. ["alice", "bob"]`);
      return x as string[];
    };
    return {
      name,
      cpu: num("cpu", 4, 0.5, 10000),
      memoryGi: num("memoryGi", 16, 1, 100000),
      storageGi: num("storageGi", 100, 1, 1000000),
      owners: owners as string[],
      members: names("members", "user names"),
      groups: names("groups", "group names"),
    };
  });
  // A student's server runs in one namespace: nobody may be a member of two tenants.
  const memberOf = new Map<string, string>();
  for (const t of tenants)
    for (const m of t.members) {
      const other = memberOf.get(m.toLowerCase());
      if (other && other !== t.name)
        r.fail("tenants", `member "${m}" is listed in both "${other}" and "${t.name}"; keep one`);
      memberOf.set(m.toLowerCase(), t.name);
    }
  return tenants;
}

/** Runs for charts/scheduled-notebooks; the chart's values schema checks every field at deploy time. */
function readScheduledRuns(r: Reader): Record<string, unknown>[] {
  const v = r.json("scheduledRuns");
  if (v === undefined) return [];
  if (!Array.isArray(v))
    r.fail("scheduledRuns", "must be a list of runs, e.g. [{name: daily-etl, schedule: '0 6 * * *', ...}]");
  const seen = new Set<string>();
  return v.map((run: unknown, i: number) => {
    const o = run as Record<string, unknown>;
    if (typeof run !== "object" || run === null || Array.isArray(run))
      r.fail("scheduledRuns", `scheduledRuns[${i}] must be an object`);
    for (const field of ["name", "schedule", "source", "notebook"]) {
      if (typeof o[field] !== "string" || o[field] === "")
        r.fail("scheduledRuns", `scheduledRuns[${i}].${field} is required (a string)`);
    }
    const name = o.name as string;
    if (name.length > 30 || !DNS_LABEL.test(name))
      r.fail(
        "scheduledRuns",
        `scheduledRuns[${i}].name "${name}" is not a DNS label of at most 30 characters`,
      );
    if (seen.has(name)) r.fail("scheduledRuns", `scheduledRuns[${i}].name "${name}" is used twice`);
    seen.add(name);
    if (!/^(@(yearly|annually|monthly|weekly|daily|hourly)|\S+( \S+){4})$/.test(o.schedule as string))
      r.fail(
        "scheduledRuns",
        `scheduledRuns[${i}].schedule "${o.schedule}" is not a 5-field cron schedule or @daily-style macro`,
      );
    return o;
  });
}

function readAuth(r: Reader, target: Target): AuthConfig {
  const provider = r.oneOf<AuthProvider>(
    "authProvider",
    ["github", "google", "entra", "local"],
    target === "edge" ? "local" : "github",
  );
  const oauth = provider !== "local";
  const userName = { pattern: /^[^\s"'\\]{1,256}$/, expect: "a user name without spaces or quotes" };
  const auth: AuthConfig = {
    provider,
    clientId: oauth
      ? r.string("authClientId", undefined, {
          pattern: /^[A-Za-z0-9._~-]{4,256}$/,
          expect: "an OAuth client id",
        })
      : "",
    clientSecret: r.secret("authClientSecret", oauth),
    allowedOrganizations: r.stringList("authAllowedOrganizations", [], {
      pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(:[A-Za-z0-9_.-]+)?$/,
      expect: "a GitHub organization (or org:team)",
    }),
    allowedDomains: r.stringList("authAllowedDomains", [], {
      pattern: DNS_NAME,
      expect: "a domain such as example.edu",
    }),
    entraTenantId:
      provider === "entra"
        ? r.string("authEntraTenantId", undefined, {
            pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
            expect: "a directory (tenant) id, a GUID",
          })
        : r.string("authEntraTenantId", ""),
    allowedUsers: r.stringList("authAllowedUsers", [], userName),
  };
  if (provider === "github" && auth.allowedOrganizations.length === 0 && auth.allowedUsers.length === 0) {
    r.fail(
      "authAllowedOrganizations",
      "GitHub sign-in needs at least one organization or one authAllowedUsers entry; otherwise anyone with a GitHub account could sign in",
    );
  }
  if (provider === "google" && auth.allowedDomains.length === 0 && auth.allowedUsers.length === 0) {
    r.fail(
      "authAllowedDomains",
      "Google sign-in needs at least one domain or one authAllowedUsers entry; otherwise anyone with a Google account could sign in",
    );
  }
  return auth;
}

function readAws(r: Reader, production: boolean): AwsConfig {
  const region = r.string("aws:region", "us-east-1", {
    pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d$/,
    expect: "an AWS region such as us-east-1",
  });
  const azCount = r.int("azCount", 3, 2, 3) as 2 | 3;
  const vpcCidr = r.string("vpcCidr", "10.0.0.0/16");
  const plan = planSubnets(vpcCidr, azCount);
  if (typeof plan === "string") r.fail("vpcCidr", plan);
  const cidrCheck = { pattern: /^[\d./]+$/, expect: "an IPv4 CIDR such as 203.0.113.0/24" };
  const apiAllowedCidrs = r.stringList("apiAllowedCidrs", [], cidrCheck);
  for (const c of apiAllowedCidrs) {
    const parsed = parseCidr(c);
    if (typeof parsed === "string") r.fail("apiAllowedCidrs", parsed);
    if (parsed.prefix === 0)
      r.fail(
        "apiAllowedCidrs",
        `"${c}" opens the Kubernetes API to the whole internet; list your office or VPN ranges`,
      );
  }
  const systemNodeInstanceType = r.string("systemNodeInstanceType", "t3.medium");
  instanceTypeCheck(r, "systemNodeInstanceType", systemNodeInstanceType, EC2_FAMILIES);
  const dbInstanceClass = r.string("dbInstanceClass", production ? "db.t4g.medium" : "db.t4g.micro");
  instanceTypeCheck(r, "dbInstanceClass", dbInstanceClass, RDS_FAMILIES, "db.");
  const acmeEmail = r.string("acmeEmail", undefined, {
    pattern: EMAIL,
    expect: "an e-mail address for Let's Encrypt notices",
  });
  return {
    region,
    vpcCidr,
    azCount,
    natGateways: r.oneOf("natGateways", ["single", "perAz"], production ? "perAz" : "single"),
    apiAllowedCidrs,
    clusterAdminArns: r.stringList("clusterAdminArns", [], {
      pattern: /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+$/,
      expect: "an IAM role or user ARN",
    }),
    systemNodeInstanceType,
    notebookInstanceTypes: instanceTypeList(r, "notebookInstanceTypes", [
      "m6i.large",
      "m5.large",
      "m6a.large",
    ]),
    sparkInstanceTypes: instanceTypeList(r, "sparkInstanceTypes", ["m6i.xlarge", "m5.xlarge", "m6a.xlarge"]),
    notebookMaxNodes: r.int("notebookMaxNodes", 10, 1, 1000),
    sparkMaxNodes: r.int("sparkMaxNodes", 10, 1, 1000),
    dbInstanceClass,
    dbAllocatedStorageGb: r.int("dbAllocatedStorageGb", 20, 20, 65536),
    dbBackupRetentionDays: r.int("dbBackupRetentionDays", production ? 14 : 7, production ? 14 : 7, 35),
    acmeEmail,
    auditLogRetentionDays: r.int("auditLogRetentionDays", production ? 365 : 90, 1, 3653),
    flowLogRetentionDays: r.int("flowLogRetentionDays", 30, 1, 3653),
  };
}

function readEdge(r: Reader): EdgeConfig {
  const kubeconfig = r.secret("kubeconfig", true)!;
  const airGapped = r.bool("airGapped", false);
  const registryMirror = r.string("registryMirror", "", {
    pattern: /^[a-z0-9.-]+(:\d{1,5})?$/,
    expect: "host[:port] of a registry mirror, e.g. registry.lab.local:5000",
  });
  if (airGapped && !registryMirror) {
    r.fail(
      "registryMirror",
      "is required when airGapped is true: images must come from the site's mirror (pulumi config set datavis:registryMirror registry.lab.local:5000)",
    );
  }
  const nodeModel = r.oneOf<EdgeNodeModel>(
    "edgeNodeModel",
    ["pi4-4gb", "pi4-8gb", "pi5-4gb", "pi5-8gb", "pi5-16gb", "custom"],
    "pi4-4gb",
  );
  const preset = nodeModel === "custom" ? undefined : EDGE_NODE_MODELS[nodeModel];
  return {
    kubeconfig,
    airGapped,
    registryMirror,
    chartsDir: r.string("chartsDir", "bundle/charts", {
      pattern: /^[^\0]{1,1024}$/,
      expect: "a folder path",
    }),
    nodeCount: r.int("edgeNodeCount", 3, 1, 1000),
    nodeModel,
    nodeCpu: r.int("edgeNodeCpu", preset?.cpu ?? 4, 1, 1024),
    nodeMemoryGi: r.int("edgeNodeMemoryGi", preset?.memoryGi ?? 4, 1, 16384),
    storageClass: r.string("storageClass", "local-path", {
      pattern: DNS_NAME_OR_LABEL,
      expect: "a StorageClass name",
    }),
    installIngress: r.bool("installIngress", false),
  };
}

const DNS_NAME_OR_LABEL = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Validates the raw config of one stack; throws ConfigError naming the first bad key. */
export function parseConfig(raw: RawConfig, stack: string, keysRead?: Set<string>): PlatformConfig {
  const r = new Reader(raw);
  r.checkUnknown();
  const target = r.oneOf<Target>("target", ["aws", "edge"]);
  const environment = r.oneOf<Environment>("environment", ["dev", "prod"], "dev");
  const production = environment === "prod";
  const cfg: PlatformConfig = {
    project: PROJECT,
    stack,
    target,
    environment,
    production,
    domain: r.string("domain", undefined, {
      pattern: DNS_NAME,
      expect: "a lowercase DNS name such as datavis.example.org",
    }),
    tenants: readTenants(r),
    admins: r.stringList("admins", [], {
      pattern: /^[^\s"'\\]{1,256}$/,
      expect: "a user name without spaces or quotes",
    }),
    auth: readAuth(r, target),
    maintenance: {
      enabled: r.bool("maintenanceMode", false),
      message: r.string(
        "maintenanceMessage",
        "The platform is in read-only maintenance: notebooks and dashboards stay readable; new servers and scheduled runs are paused.",
        { pattern: /^[^<>]{1,500}$/, expect: "plain text (no < or >), at most 500 characters" },
      ),
    },
    activityLogRetentionDays: r.int("activityLogRetentionDays", 90, 1, 3653),
    notebookStorageGi: r.int("notebookStorageGi", 10, 1, 16384),
    notebookBackupRetentionDays: r.int("notebookBackupRetentionDays", production ? 30 : 7, 1, 3653),
    cullIdleMinutes: r.int("cullIdleMinutes", 60, 5, 10080),
    singleUserImage: r.string("singleUserImage", "", {
      pattern: /^[a-z0-9.-]+(:\d{1,5})?\/[a-z0-9._/-]+:(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/,
      expect: "registry/path:tag with an exact tag (not latest), e.g. ghcr.io/my-org/singleuser:2026.01.05",
    }),
    activeUsers: r.int("activeUsers", 10, 0, 100000),
    scheduledRuns: readScheduledRuns(r),
  };
  if (target === "aws") cfg.aws = readAws(r, production);
  else cfg.edge = readEdge(r);
  r.used.forEach((k) => keysRead?.add(k));
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
