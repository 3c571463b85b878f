/**
 * Evaluates the policy pack's rules (policies/rules.ts) over the resources a program run registered,
 * the way `pulumi preview --policy-pack policies` does, without the Pulumi engine.
 */
import type { ResourceValidationPolicy, StackValidationPolicy, ResourceValidationArgs } from "@pulumi/policy";
import { allPolicies } from "../policies/rules";
import type { ProgramRun, RecordedResource } from "./offline";

export interface Violation {
  policy: string;
  level: "advisory" | "mandatory";
  /** Name of the offending resource; undefined for a stack-wide finding. */
  resource?: string;
  message: string;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

class NotApplicable extends Error {}

/** Stack tags the policies may read (production-only rules key off `datavis:environment`). */
export function stackTags(run: ProgramRun): Map<string, string> {
  return new Map([
    ["datavis:environment", run.config.environment],
    ["datavis:target", run.config.target],
  ]);
}

function policyResource(
  r: RecordedResource,
  tags: Map<string, string>,
  config: object,
): ResourceValidationArgs & { parent?: any; dependencies: any[]; propertyDependencies: Record<string, any> } {
  return {
    type: r.type,
    props: r.inputs,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: r.protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: r.parentUrn,
      provider: r.provider,
      retainOnDelete: r.retainOnDelete,
    } as any,
    stackTags: tags,
    isType: (cls: any) => cls.__pulumiType === r.type,
    asType: (cls: any) => (cls.__pulumiType === r.type ? (r.inputs as any) : undefined),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
    dependencies: [],
    propertyDependencies: {},
  };
}

function levelOf(p: AnyPolicy): "advisory" | "mandatory" | "disabled" {
  const l = p.enforcementLevel ?? "advisory";
  return l === "remediate" ? "mandatory" : l;
}

/** Every violation of every enabled policy, in policy order. */
export async function evaluatePolicies(
  run: ProgramRun,
  policies: AnyPolicy[] = allPolicies,
): Promise<Violation[]> {
  const tags = stackTags(run);
  const out: Violation[] = [];
  const args = run.resources.map((r) => policyResource(r, tags, {}));
  for (const p of policies) {
    const level = levelOf(p);
    if (level === "disabled") continue;
    if ("validateResource" in p && p.validateResource) {
      const validators = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      for (const a of args) {
        for (const v of validators) {
          try {
            await v(a, (message: string) => out.push({ policy: p.name, level, resource: a.name, message }));
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    }
    if ("validateStack" in p && p.validateStack) {
      const resources = args.map((a) => ({ ...a, parent: undefined }));
      try {
        await p.validateStack(
          { resources, getConfig: <T extends object>() => ({}) as T, stackTags: tags } as any,
          (message: string, urn?: string) =>
            out.push({
              policy: p.name,
              level,
              resource: urn ? (run.resources.find((r) => r.urn === urn)?.name ?? urn) : undefined,
              message,
            }),
        );
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return out;
}
