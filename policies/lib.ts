/**
 * Helpers shared by the rules: stack tags, control references, reading values, relating resources.
 *
 * IAM documents are in lib-iam.ts, pod specs in lib-k8s.ts, image references in lib-images.ts.
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

/** Whether `e` is the SDK's error for reading a value that is unknown during preview. */
export function isUnknownValue(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/**
 * Runs `visit` on each item; an item whose values are unknown during preview (e.g. a rule's CIDR taken
 * from the VPC) is skipped and judged at `pulumi up`, instead of aborting the whole stack rule and
 * hiding every other finding behind the SDK's "can't run policy".
 */
export function eachKnown<T>(items: Iterable<T>, visit: (item: T) => void): void {
  for (const item of items) {
    try {
      visit(item);
    } catch (e) {
      if (!isUnknownValue(e)) throw e;
    }
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

/** A stack rule with its control (the type checker keeps `framework` required). */
export function stackPolicy(p: StackValidationPolicy & Pick<Rule, "framework">): Rule {
  return p;
}

/** A resource rule with its control. */
export function resourcePolicy(p: ResourceValidationPolicy & Pick<Rule, "framework">): Rule {
  return p;
}

/** Resources of `type` in the stack. */
export function ofType(all: PolicyResource[], ...types: string[]): PolicyResource[] {
  return all.filter((r) => types.includes(r.type));
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

/** Source ranges meaning "the whole internet". */
export const WORLD: ReadonlySet<string> = new Set(["0.0.0.0/0", "::/0"]);
