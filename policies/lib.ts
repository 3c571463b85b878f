/**
 * Helpers shared by the rules: stack tags, IAM policy documents, pod specs, image references.
 *
 * Everything here is pure and reads only what the engine hands a policy: a resource's registered inputs
 * (`validateResource`) or every resource's state (`validateStack`). During `pulumi preview` some of those
 * values are unknown; reading one throws the SDK's UnknownValueError, which the SDK turns into an
 * advisory "can't run policy during preview". `known()` lets a rule skip a value it can do without.
 */
import type {
  PolicyComplianceFramework,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

export type Rule = (ResourceValidationPolicy | StackValidationPolicy) & {
  framework: PolicyComplianceFramework;
};

/** Stack tag naming the environment (`dev` or `prod`); set with `pulumi stack tag set datavis:environment prod`. */
export const ENVIRONMENT_TAG = "datavis:environment";
/** Stack tag naming the target (`aws` or `edge`). */
export const TARGET_TAG = "datavis:target";

/** Production rules apply unless the stack says it is not production (a missing tag fails safe). */
export function isProduction(tags: ReadonlyMap<string, string>): boolean {
  const env = tags.get(ENVIRONMENT_TAG);
  return env === undefined || env === "prod" || env === "production";
}

/** Edge (arm64) rules apply on edge stacks, and on stacks that do not say their target (fails safe). */
export function isEdge(tags: ReadonlyMap<string, string>): boolean {
  const target = tags.get(TARGET_TAG);
  return target === undefined || target === "edge";
}

export function fsbp(reference: string, specification: string): PolicyComplianceFramework {
  return { name: "AWS Foundational Security Best Practices", version: "1.0.0", reference, specification };
}

export function cisK8s(reference: string, specification: string): PolicyComplianceFramework {
  return { name: "CIS Kubernetes Benchmark", version: "1.24+", reference, specification };
}

export function otherControl(
  name: string,
  reference: string,
  specification: string,
): PolicyComplianceFramework {
  return { name, version: "", reference, specification };
}

/**
 * The value `read()` returns, or `undefined` when it is unknown during preview. For values a rule can
 * reason without (e.g. a bucket's name when the relationship is also recorded as a dependency).
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return undefined;
    throw e;
  }
}

/**
 * Whether a value is set. A value still unknown during preview counts as set: it comes from another
 * resource's output (e.g. a KMS key's ARN) and will be known when the resource is created.
 */
export function present(read: () => unknown): boolean {
  try {
    const v = read();
    return v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return true;
    throw e;
  }
}

/** Plain property access that tolerates missing intermediate objects. */
export function get(obj: unknown, ...path: (string | number)[]): any {
  let cur: any = obj;
  for (const k of path) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = cur[k];
  }
  return cur;
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

// ---------------------------------------------------------------------------------------------------
// IAM policy documents

export interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Statements of a policy document given as JSON text or as an object; [] when it cannot be read. */
export function statements(doc: unknown): Statement[] {
  let d: any = doc;
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return [];
    }
  }
  if (!d || typeof d !== "object") return [];
  return asArray(d.Statement ?? d.statement ?? d.statements).filter((s) => s && typeof s === "object");
}

function actionsOf(s: Statement): string[] {
  return asArray(s.Action).map((a) => String(a).toLowerCase());
}

/** An Allow statement granting every action on every resource (`*` or `*:*` on `*`), or NotAction on `*`. */
export function isFullAdmin(s: Statement): boolean {
  if ((s.Effect ?? "Allow") !== "Allow") return false;
  const resources = asArray(s.Resource).map(String);
  if (!resources.includes("*")) return false;
  if (s.NotAction !== undefined) return true;
  return actionsOf(s).some((a) => a === "*" || a === "*:*");
}

/** Service-wide wildcard actions (`s3:*`, `iam:*`, `*`) an Allow statement grants. */
export function wildcardActions(s: Statement): string[] {
  if ((s.Effect ?? "Allow") !== "Allow") return [];
  return actionsOf(s).filter((a) => a === "*" || a === "*:*" || /^[a-z0-9-]+:\*$/.test(a));
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes workloads

const TEMPLATE_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "PodTemplate",
]);

/** The pod spec of a Kubernetes workload resource (`kubernetes:apps/v1:Deployment`, ...), if it has one. */
export function podSpecOf(type: string, props: any): any | undefined {
  if (!type.startsWith("kubernetes:")) return undefined;
  const kind = type.split(":")[2];
  if (kind === "Pod") return props?.spec;
  if (kind === "CronJob") return get(props, "spec", "jobTemplate", "spec", "template", "spec");
  if (kind === "PodTemplate") return get(props, "template", "spec");
  if (TEMPLATE_KINDS.has(kind)) return get(props, "spec", "template", "spec");
  return undefined;
}

export interface Container {
  name?: string;
  image?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, any>;
}

export function containersOf(spec: any): Container[] {
  return [
    ...asArray(spec?.initContainers),
    ...asArray(spec?.containers),
    ...asArray(spec?.ephemeralContainers),
  ].filter((c) => c && typeof c === "object");
}

/** Keys under which Helm charts commonly take extra container specs in their values. */
const VALUES_CONTAINER_KEYS = new Set([
  "containers",
  "initContainers",
  "extraContainers",
  "extraInitContainers",
  "sidecars",
  "sidecarContainers",
]);

export interface Found<T> {
  /** Dotted path inside the values, for messages. */
  path: string;
  value: T;
}

/** Visits every object and array element of `root`, with its dotted path and the key it sits under. */
export function walk(root: unknown, visit: (value: any, path: string, key: string) => void): void {
  const seen = new Set<unknown>();
  const go = (v: any, path: string, key: string): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        visit(x, `${path}[${i}]`, key);
        go(x, `${path}[${i}]`, key);
      });
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      visit(x, p, k);
      go(x, p, k);
    }
  };
  go(root, "", "");
}

/** Container specs inside Helm values (charts' `extraContainers`, `initContainers`, `sidecars`, ...). */
export function containersInValues(values: unknown): Found<Container>[] {
  const out: Found<Container>[] = [];
  walk(values, (v, path, key) => {
    if (
      VALUES_CONTAINER_KEYS.has(key) &&
      v &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      typeof v.name === "string" &&
      typeof v.image === "string"
    ) {
      out.push({ path, value: v });
    }
  });
  return out;
}

/** Objects inside Helm values that Kubernetes reads as a pod or container securityContext. */
export function securityContextsInValues(values: unknown): Found<Record<string, any>>[] {
  const out: Found<Record<string, any>>[] = [];
  walk(values, (v, path, key) => {
    if (/securityContext$/i.test(key) && v && typeof v === "object" && !Array.isArray(v))
      out.push({ path, value: v });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Image references

export interface ImageRef {
  /** As written. */
  ref: string;
  registry: string;
  /** Repository path without registry, `library/` added for Docker Hub official images. */
  path: string;
  tag?: string;
  digest?: string;
}

function looksLikeRegistry(segment: string): boolean {
  return segment.includes(".") || segment.includes(":") || segment === "localhost";
}

export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && looksLikeRegistry(parts[0])) registry = parts.shift()!;
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  let path = parts.join("/");
  if (registry === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return { ref, registry, path, tag, digest };
}

/** `path[:tag]` without the registry: the same image whether pulled upstream or from a site's mirror. */
export function imageKey(img: ImageRef, withTag = true): string {
  const p = img.path.replace(/^library\//, "");
  return withTag && img.tag ? `${p}:${img.tag}` : p;
}

const IMAGE_STRING = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
const IMAGE_KEY = /^(image|imageName|[a-z]+Image)$/;

/**
 * Image references anywhere in a resource's spec or a release's values: `image: "repo:tag"` strings,
 * `{registry, repository, tag}` objects (most charts) and `{name, tag}` objects (zero-to-jupyterhub).
 * `explicitTag` is false where the chart fills the tag in from its own appVersion.
 */
export function imagesIn(root: unknown): Found<{ image: string; explicitTag: boolean }>[] {
  const out: Found<{ image: string; explicitTag: boolean }>[] = [];
  walk(root, (v, path, key) => {
    if (
      typeof v === "string" &&
      IMAGE_KEY.test(key) &&
      IMAGE_STRING.test(v) &&
      !/^(Always|IfNotPresent|Never)$/.test(v)
    ) {
      out.push({ path, value: { image: v, explicitTag: true } });
      return;
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) return;
    const tag = v.tag === undefined || v.tag === null || v.tag === "" ? undefined : String(v.tag);
    const digest = typeof v.digest === "string" && v.digest ? v.digest : undefined;
    if (typeof v.repository === "string" && v.repository && (IMAGE_KEY.test(key) || tag !== undefined)) {
      const base =
        typeof v.registry === "string" && v.registry ? `${v.registry}/${v.repository}` : v.repository;
      out.push({
        path,
        value: {
          image: `${base}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`,
          explicitTag: !!(tag || digest),
        },
      });
    } else if (IMAGE_KEY.test(key) && typeof v.name === "string" && v.name && IMAGE_STRING.test(v.name)) {
      out.push({
        path,
        value: { image: `${v.name}${tag ? `:${tag}` : ""}`, explicitTag: tag !== undefined },
      });
    }
  });
  return out;
}

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  const img = parseImage(image);
  if (img.digest) return undefined;
  if (!img.tag) return `image "${image}" has no tag (it would pull "latest")`;
  if (img.tag.toLowerCase() === "latest") return `image "${image}" uses the moving tag "latest"`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Stack relationships

/** Resources of `types` that `r` depends on (e.g. the bucket a BucketPolicy is attached to). */
export function dependenciesOfType(r: PolicyResource, types: ReadonlySet<string>): PolicyResource[] {
  return (r.dependencies ?? []).filter((d) => d && types.has(d.type));
}

/**
 * The resources of `childTypes` attached to `owner`: they depend on it (the usual `bucket: bucket.id`),
 * or they name it by `key` (e.g. `bucket: "my-bucket"`) and the owner's name is known.
 */
export function attachedTo(
  owner: PolicyResource,
  all: PolicyResource[],
  childTypes: ReadonlySet<string>,
  key: string,
  ownerNames: (string | undefined)[],
): PolicyResource[] {
  const names = new Set(ownerNames.filter((n): n is string => typeof n === "string" && n !== ""));
  return all.filter((r) => {
    if (!childTypes.has(r.type)) return false;
    if ((r.dependencies ?? []).some((d) => d && d.urn === owner.urn)) return true;
    const ref = known(() => r.props[key]);
    return typeof ref === "string" && names.has(ref);
  });
}
