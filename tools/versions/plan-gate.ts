/**
 * What the offline plan adds from the version gate (one call in the plan: `versionGateForPlan(run)`):
 *
 * - every conflict of `npm run versions -- --check` as a mandatory `version-gate` violation;
 * - on AWS, `eks-standard-support`: advisory within 90 days of the pinned EKS version's end of standard
 *   support (naming the date), mandatory once past it;
 * - under estimates, `versions` (the cluster version this stack runs and the gate's verdict) and
 *   `spawnLatency` (the image pre-puller and user placeholders as the hub release receives them).
 *
 * "Today" comes from the argument, else DATAVIS_TODAY (YYYY-MM-DD, for tests and reproducible plans),
 * else the clock.
 */
import { checkMatrix, eksSupportVerdict, pinnedMatrix } from "../../components/versions/gate";
import type { Violation } from "../plan/policy-eval";

/** The part of a recorded program run this module reads (tools/plan/offline.ts ProgramRun). */
export interface GateRun {
  config: { target: string };
  resources: { type: string; name: string; inputs: Record<string, any> }[];
}

export function planToday(env: NodeJS.ProcessEnv = process.env): Date {
  const t = env.DATAVIS_TODAY;
  if (t) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t) || Number.isNaN(Date.parse(`${t}T00:00:00Z`)))
      throw new Error(`DATAVIS_TODAY "${t}" is not a date like 2027-05-04`);
    return new Date(`${t}T00:00:00Z`);
  }
  return new Date();
}

/** The pre-puller and placeholder settings the hub release receives, for the plan to show. */
export function spawnLatencySummary(run: GateRun): Record<string, unknown> {
  const hub = run.resources.find(
    (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "jupyterhub",
  );
  if (!hub) return { hub: "not deployed" };
  const v = hub.inputs.values ?? {};
  const placeholder = v.scheduling?.userPlaceholder ?? {};
  const on = placeholder.enabled === true && (placeholder.replicas ?? 0) > 0;
  const res = placeholder.resources?.requests;
  return {
    imagePrePuller:
      v.prePuller?.continuous?.enabled === true ? "continuous (daemonset on every notebook node)" : "off",
    userPlaceholders: on
      ? `${placeholder.replicas} x ${res ? `${res.cpu} CPU, ${res.memory}` : "the default profile"} (evicted by real users, keep nodes warm)`
      : "off",
    podPriority: v.scheduling?.podPriority?.enabled === true ? "on" : "off",
  };
}

export function versionGateForPlan(
  run: GateRun,
  today: Date = planToday(),
): { violations: Violation[]; estimates: Record<string, unknown> } {
  const matrix = pinnedMatrix();
  const violations: Violation[] = checkMatrix(matrix).map((c) => ({
    policy: "version-gate",
    level: "mandatory",
    message: `${c.message} (npm run versions -- --check)`,
  }));
  const aws = run.config.target === "aws";
  let support = "";
  if (aws) {
    const verdict = eksSupportVerdict(matrix.eks, today);
    support = verdict.message;
    if (verdict.level !== "ok")
      violations.push({
        policy: "eks-standard-support",
        level: verdict.level === "past" ? "mandatory" : "advisory",
        message: verdict.message,
      });
  }
  return {
    violations,
    estimates: {
      versions: {
        cluster: aws ? `EKS ${matrix.eks.version}` : `k3s ${matrix.k3s}`,
        ...(aws ? { support } : {}),
        gate: violations.some((v) => v.policy === "version-gate")
          ? "conflicts (see policies)"
          : "no conflicts",
      },
      spawnLatency: spawnLatencySummary(run),
    },
  };
}
