/**
 * The plan's estimates: monthly cost on AWS (aws-cost.ts), requested CPU/memory against capacity on edge
 * (edge-capacity.ts).
 */
import type { ProgramRun } from "../offline";

export type Estimates = Record<string, unknown>;

export function estimate(run: ProgramRun): Estimates {
  if (run.config.target === "aws") {
    const { awsCostEstimate } = require("./aws-cost") as typeof import("./aws-cost");
    return awsCostEstimate(run);
  }
  const { edgeCapacityEstimate } = require("./edge-capacity") as typeof import("./edge-capacity");
  const { etcdSnapshotSummary } = require("./etcd-snapshots") as typeof import("./etcd-snapshots");
  return { ...edgeCapacityEstimate(run), etcdSnapshots: etcdSnapshotSummary(run) };
}
