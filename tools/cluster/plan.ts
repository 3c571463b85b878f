/**
 * The plan, as the cluster suite reads it: through the stable interface `npm run plan -- --stack X --json`
 * (README's contract), turned into the Kubernetes manifests the program would apply.
 */
import { spawnSync } from "child_process";
import * as path from "path";

export interface PlanResource {
  type: string;
  name: string;
  parent?: string;
  inputs: Record<string, any>;
}

export interface Plan {
  stack: string;
  project: string;
  resources: PlanResource[];
  violations: { policy: string; level: string; resource: string; message: string }[];
  estimates: Record<string, any>;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Runs the offline plan of `stack` (with `--config key=value` overrides); exit 1 (policy violations) still plans. */
export function loadPlan(stack: string, config: string[] = []): Plan {
  // Through npm, so that the suite follows the script wherever tools/ moves the plan.
  const args = ["run", "-s", "plan", "--", "--stack", stack, "--json"];
  for (const c of config) args.push("--config", c);
  const r = spawnSync("npm", args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`npm run plan -- --stack ${stack} --json exited ${r.status}: ${(r.stderr ?? "").trim()}`);
  return JSON.parse(r.stdout) as Plan;
}

/** Pulumi Kubernetes types that are not one object (releases, charts, YAML groups, lists). */
const NOT_AN_OBJECT = /^kubernetes:(helm\.sh|yaml|kustomize)\/|List$/;

/** `kubernetes:apps/v1:Deployment` -> apps/v1 Deployment; `...:ClusterPatch` -> Cluster, patch. */
export function kindOf(type: string): { apiVersion: string; kind: string; patch: boolean } | undefined {
  const m = /^kubernetes:([^:]+\/[^:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m || NOT_AN_OBJECT.test(type)) return undefined;
  const apiVersion = m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1];
  const patch = m[2].endsWith("Patch") && m[2] !== "Patch";
  return { apiVersion, kind: patch ? m[2].slice(0, -"Patch".length) : m[2], patch };
}

/** A harmless stand-in for each value the plan shows as "[secret]" (a whole map becomes one key). */
export function unsecret(v: any): any {
  if (v === "[secret]") return "not-a-real-secret";
  if (Array.isArray(v)) return v.map(unsecret);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined && x !== null)
        .map(([k, x]) => [k, k === "stringData" || k === "data" ? secretMap(x) : unsecret(x)]),
    );
  return v;
}
function secretMap(x: any): any {
  if (x === "[secret]") return { value: "not-a-real-secret" };
  if (x && typeof x === "object" && !Array.isArray(x))
    return Object.fromEntries(
      Object.entries(x).map(([k, y]) => [k, y === "[secret]" ? "bm90LWEtc2VjcmV0" : y]),
    );
  return unsecret(x);
}

/** Keys the API server requires of a Secret's data, by type (pkg/apis/core/validation ValidateSecret). */
const SECRET_TYPE_KEYS: Record<string, Record<string, string>> = {
  "kubernetes.io/basic-auth": { username: "not-a-real-user", password: "not-a-real-secret" },
  "kubernetes.io/ssh-auth": { "ssh-privatekey": "not-a-real-key" },
  "kubernetes.io/tls": { "tls.crt": "not-a-real-cert", "tls.key": "not-a-real-key" },
  "kubernetes.io/dockerconfigjson": { ".dockerconfigjson": '{"auths":{}}' },
};

/** A Secret whose whole stringData is "[secret]" gets the keys its type requires (harmless values). */
function unsecretSecret(inputs: Record<string, any>): Record<string, any> {
  if (inputs.stringData !== "[secret]") return inputs;
  const keys = SECRET_TYPE_KEYS[String(inputs.type ?? "")] ?? { value: "not-a-real-secret" };
  return { ...inputs, stringData: keys };
}

export interface Manifest {
  /** `<type> <pulumi name>` */
  source: string;
  object: Record<string, any>;
}

function deepMerge(a: any, b: any): any {
  if (Array.isArray(b) || !b || typeof b !== "object" || !a || typeof a !== "object" || Array.isArray(a))
    return b;
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in a ? deepMerge(a[k], v) : v;
  return out;
}

/**
 * Every raw Kubernetes object the plan registers, with secrets replaced; server-side apply patches
 * (`...Patch`) are merged into the object they patch (the patch alone is a partial object).
 */
export function manifests(plan: Plan): Manifest[] {
  const out: Manifest[] = [];
  const patches: { kind: string; object: any; source: string }[] = [];
  for (const r of plan.resources) {
    const k = kindOf(r.type);
    if (!k) continue;
    const rest: Record<string, any> = unsecret(k.kind === "Secret" ? unsecretSecret(r.inputs) : r.inputs);
    delete rest.apiVersion;
    delete rest.kind;
    const object: Record<string, any> = { apiVersion: k.apiVersion, kind: k.kind, ...rest };
    // Pulumi auto-names an object without metadata.name: `<resource name>-<random suffix>`.
    if (!k.patch && !object.metadata?.name)
      object.metadata = {
        ...(object.metadata ?? {}),
        name: `${r.name.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}-0a1b2c3d`,
      };
    if (k.patch) patches.push({ kind: k.kind, object, source: `${r.type} ${r.name}` });
    else out.push({ source: `${r.type} ${r.name}`, object });
  }
  for (const p of patches) {
    const m = out.find(
      (o) =>
        o.object.kind === p.kind &&
        o.object.metadata?.name === p.object.metadata?.name &&
        (o.object.metadata?.namespace ?? "") === (p.object.metadata?.namespace ?? ""),
    );
    if (m) m.object = deepMerge(m.object, { ...p.object, apiVersion: m.object.apiVersion });
    else out.push({ source: p.source, object: p.object }); // patches an object created elsewhere
  }
  return out;
}

export function releases(plan: Plan): PlanResource[] {
  return plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
}

/** Namespaces the plan creates, and the ones its Helm releases install into. */
export function namespaces(plan: Plan): string[] {
  const ns = new Set<string>();
  for (const m of manifests(plan)) if (m.object.kind === "Namespace") ns.add(m.object.metadata.name);
  for (const r of releases(plan)) if (r.inputs.namespace) ns.add(String(r.inputs.namespace));
  return [...ns];
}
