/**
 * Synthetic runs for the edge capacity tests (tests/edge-capacity*.test.ts): a run holding only the given
 * resources on edge config, and shorthands for pod specs and Helm releases.
 */
import { type ProgramRun, type RecordedResource } from "../harness";
import { parseConfig } from "../../stacks/config";

/** A run with only the given resources, on `edge` config with these overrides (no program evaluated). */
export function fakeRun(
  resources: { type: string; name: string; inputs: any }[],
  overrides: Record<string, string> = {},
) {
  const config = parseConfig(
    {
      values: { target: "edge", domain: "lab.example.org", kubeconfig: "kc", ...overrides },
      secretKeys: new Set(["kubeconfig"]),
    },
    "edge",
  );
  const recorded: RecordedResource[] = resources.map((r) => ({
    ...r,
    urn: `urn:${r.name}`,
    custom: true,
    remote: false,
    displayInputs: r.inputs,
    protect: false,
    retainOnDelete: false,
    dependencies: [],
  }));
  return { project: "datavis", stack: "edge", config, resources: recorded, outputs: {} } as ProgramRun;
}

export const res = (cpu: string, memory: string) => ({ requests: { cpu, memory } });
export const pod = (name: string, cpu: string, memory: string) => ({
  containers: [{ name, resources: res(cpu, memory) }],
});
export const release = (name: string, chart: string, values: any) => ({
  type: "kubernetes:helm.sh/v3:Release",
  name,
  inputs: { name, chart, values },
});
