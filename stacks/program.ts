/**
 * The program: validated config in, the target's stack out. Split from index.ts so the test harness and
 * the offline plan run exactly what `pulumi up` runs.
 */
import type { PlatformConfig } from "./config";

export type StackOutputs = Record<string, unknown>;

/** Runs the stack function of `cfg.target`; each target's module is loaded only when it is used. */
export async function runStack(cfg: PlatformConfig): Promise<StackOutputs> {
  switch (cfg.target) {
    case "aws":
      return (await import("./aws")).awsStack(cfg);
    case "edge":
      return (await import("./edge")).edgeStack(cfg);
  }
}
