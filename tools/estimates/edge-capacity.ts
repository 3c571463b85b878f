/** Requested CPU/memory of everything the platform runs on edge, against the nodes' capacity. */
import type { ProgramRun } from "../offline";

export function edgeCapacityEstimate(_run: ProgramRun): Record<string, unknown> {
  return {};
}
