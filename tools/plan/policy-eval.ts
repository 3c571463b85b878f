/**
 * Evaluates the policy pack's rules (policies/rules.ts) over the resources a program run registered,
 * the way `pulumi preview --policy-pack policies` does, without the Pulumi engine.
 *
 * What a policy sees here mirrors what the engine sends the @pulumi/policy 1.21 analyzer:
 * - `validateResource` gets every registered resource (custom resources, components, remote components
 *   such as `eks:index:Cluster`, providers) with `props` = its registered inputs (secrets unwrapped), in
 *   the SDK's unknown-checking proxy: reading a value that is unknown during preview throws, and the
 *   violation becomes the SDK's advisory "can't run policy ... during preview".
 * - `opts` = the analyzer's resource options: `protect`, `parent`, and empty ignoreChanges/aliases/timeouts.
 *   The analyzer protocol has no `retainOnDelete`, so policies cannot see it, here or in the engine.
 * - `provider` = the explicit provider resource (type, name, urn, inputs), when there is one.
 * - `stackTags` = `datavis:environment` and `datavis:target` from the stack's config (real stacks set them
 *   with `pulumi stack tag set`; see policies/README.md).
 * - `validateStack` gets every resource with `parent` and `dependencies` linked as resource objects. The
 *   engine passes each resource's outputs; offline a custom resource's inputs stand in for them (providers
 *   echo inputs into outputs) and a component's props are empty (its registered outputs are not recorded).
 *   Property dependencies are not recorded offline: rules link resources through `dependencies`.
 * Differences that remain: the engine runs provider `Check` first (which may add defaults to inputs), and
 * resources inside remote components (e.g. the EKS cluster's launch templates) exist only in the engine.
 */
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { allPolicies } from "../../policies/rules";
import type { ProgramRun, RecordedResource } from "./offline";

// The SDK's own proxy (internal module of the exactly pinned @pulumi/policy 1.21.0), so unknown values
// behave as in the analyzer.
const sdkProxy: {
  unknownCheckingProxy<T>(v: T): T;
  UnknownValueError: new (...args: any[]) => Error;
  unknownStringValue: string;
} = require("@pulumi/policy/proxy");

export interface Violation {
  policy: string;
  level: "advisory" | "mandatory";
  /** Name of the offending resource; undefined for a stack-wide finding. */
  resource?: string;
  message: string;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;
type Level = "advisory" | "mandatory" | "disabled";

class NotApplicable extends Error {}

/** The pack's default enforcement level (index.ts sets none, so the SDK's default applies). */
const PACK_ENFORCEMENT_LEVEL = "advisory";

/** Stack tags the policies may read (production-only rules key off `datavis:environment`). */
export function stackTags(run: ProgramRun): ReadonlyMap<string, string> {
  const map = new Map([
    ["datavis:environment", run.config.environment],
    ["datavis:target", run.config.target],
  ]);
  // Read-only, as the SDK hands it to policies.
  return Object.freeze({
    entries: map.entries.bind(map),
    forEach: map.forEach.bind(map),
    get: map.get.bind(map),
    has: map.has.bind(map),
    keys: map.keys.bind(map),
    size: map.size,
    values: map.values.bind(map),
    [Symbol.iterator]: map[Symbol.iterator].bind(map),
  }) as ReadonlyMap<string, string>;
}

/** Puts the SDK's unknown sentinel back where the recorder saw an unknown value (`[unknown]` on display). */
function withUnknowns(value: any, display: any): any {
  if (display === "[unknown]" && value === undefined) return sdkProxy.unknownStringValue;
  if (Array.isArray(value) && Array.isArray(display)) return value.map((v, i) => withUnknowns(v, display[i]));
  if (value && typeof value === "object" && !Array.isArray(value) && display && typeof display === "object") {
    const out: Record<string, any> = {};
    for (const k of new Set([...Object.keys(value), ...Object.keys(display)]))
      out[k] = withUnknowns(value[k], display[k]);
    return out;
  }
  return value;
}

function propsOf(r: RecordedResource): Record<string, any> {
  return sdkProxy.unknownCheckingProxy(withUnknowns(r.inputs, r.displayInputs));
}

function pulumiTypeOf(cls: any): string | undefined {
  return cls?.__pulumiType;
}

function isTypeOf(type: string, cls: any): boolean {
  const t = pulumiTypeOf(cls);
  if (t) return t === type;
  return typeof cls?.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

/** The provider reference `urn::id` of a resource, resolved to the recorded provider resource. */
function providerOf(r: RecordedResource, byUrn: Map<string, RecordedResource>) {
  if (!r.provider) return undefined;
  const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
  const p = byUrn.get(urn);
  if (!p) return undefined;
  return { type: p.type, name: p.name, urn: p.urn, props: propsOf(p) };
}

function optionsOf(r: RecordedResource) {
  return {
    protect: r.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parentUrn ? { parent: r.parentUrn } : {}),
  };
}

function resourceArgs(
  r: RecordedResource,
  tags: ReadonlyMap<string, string>,
  byUrn: Map<string, RecordedResource>,
): ResourceValidationArgs {
  const props = propsOf(r);
  const provider = providerOf(r, byUrn);
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: optionsOf(r),
    stackTags: tags,
    isType: (cls: any) => isTypeOf(r.type, cls),
    asType: (cls: any) => (isTypeOf(r.type, cls) ? (props as any) : undefined),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
    ...(provider ? { provider } : {}),
  };
}

/** Every resource as `validateStack` sees it, with parents and dependencies linked. */
function stackResources(run: ProgramRun, byUrn: Map<string, RecordedResource>): PolicyResource[] {
  const out = new Map<string, PolicyResource>();
  for (const r of run.resources) {
    const props = r.custom ? propsOf(r) : sdkProxy.unknownCheckingProxy({});
    const provider = providerOf(r, byUrn);
    out.set(r.urn, {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: any) => isTypeOf(r.type, cls),
      asType: (cls: any) => (isTypeOf(r.type, cls) ? (props as any) : undefined),
      ...(provider ? { provider } : {}),
    });
  }
  for (const r of run.resources) {
    const res = out.get(r.urn)!;
    if (r.parentUrn && out.has(r.parentUrn)) res.parent = out.get(r.parentUrn);
    res.dependencies = r.dependencies.map((u) => out.get(u)).filter((d): d is PolicyResource => !!d);
  }
  return [...out.values()];
}

function levelOf(p: AnyPolicy): Level {
  const l = p.enforcementLevel || PACK_ENFORCEMENT_LEVEL;
  return l === "remediate" ? "mandatory" : l;
}

/** The text of a reported violation: a string, or the SDK's object form. */
function messageOf(p: AnyPolicy, message: unknown): string {
  if (message && typeof message === "object") {
    const m = message as { message?: string; description?: string };
    return m.message || m.description || p.description;
  }
  return typeof message === "string" && message ? message : p.description;
}

/** Every violation of every enabled policy, in policy order. */
export async function evaluatePolicies(
  run: ProgramRun,
  policies: AnyPolicy[] = allPolicies,
): Promise<Violation[]> {
  const tags = stackTags(run);
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const out: Violation[] = [];
  const cantRun = (p: AnyPolicy, e: Error, resource?: string) =>
    out.push({
      policy: p.name,
      level: "advisory",
      resource,
      message: `can't run policy '${p.name}' during preview: ${e.message}`,
    });
  let stack: PolicyResource[] | undefined;
  for (const p of policies) {
    const level = levelOf(p);
    if (level === "disabled") continue;
    if ("validateResource" in p && p.validateResource) {
      const validators = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      const onlyType = validators.length === 1 ? pulumiTypeOf(validators[0]) : undefined;
      for (const r of run.resources) {
        if (onlyType && r.type !== onlyType) continue;
        for (const v of validators) {
          const args = resourceArgs(r, tags, byUrn);
          try {
            await v(args, (message: any) =>
              out.push({ policy: p.name, level, resource: r.name, message: messageOf(p, message) }),
            );
          } catch (e) {
            if (e instanceof sdkProxy.UnknownValueError) cantRun(p, e, r.name);
            else if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    }
    if ("validateStack" in p && p.validateStack) {
      const onlyType = pulumiTypeOf(p.validateStack);
      if (onlyType && !run.resources.some((r) => r.type === onlyType)) continue;
      stack ??= stackResources(run, byUrn);
      try {
        await p.validateStack(
          {
            resources: stack,
            getConfig: <T extends object>() => ({}) as T,
            stackTags: tags,
            notApplicable: (reason?: string): never => {
              throw new NotApplicable(reason);
            },
          },
          (message: any, urn?: string) =>
            out.push({
              policy: p.name,
              level,
              resource: urn ? (byUrn.get(urn)?.name ?? urn) : undefined,
              message: messageOf(p, message),
            }),
        );
      } catch (e) {
        if (e instanceof sdkProxy.UnknownValueError) cantRun(p, e);
        else if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return out;
}
