/**
 * Offline plan (contract 2 in ../shared/DESIGN.md):
 *
 *   npm run plan -- --stack <dev|prod|edge> [--json | --format text|json|markdown]
 *                   [--diff-against <git-ref>] [--config key=value ...] [--secret key=value ...]
 *
 * Evaluates the program under the Pulumi mock runtime with Pulumi.<stack>.yaml and prints the resources
 * it would register, the policy verdicts and the estimates (text), the contract's JSON document (json),
 * or a report for a pull request (markdown.ts). `--diff-against` adds the diff against the plan of
 * another commit (diff.ts); without `--format markdown` it prints that diff as text. Exit: 0 plan made
 * with no mandatory violation, 1 mandatory violations, 2 invalid config or arguments (one line on stderr
 * naming the key), 3 the program itself failed.
 */
import { parseArgs, UsageError, type PlanArgs } from "./args";
import { ConfigError, REPO_ROOT, runOffline, type ProgramRun } from "./offline";
import { systemPoolFit } from "./estimates/system-pool";
import { evaluatePolicies, type Violation } from "./policy-eval";
import { estimate, type Estimates } from "./estimates";
import { DiffError, diffPlans, diffText, planOfRef, type PlanDiff, type PlanDoc } from "./diff";
import { planMarkdown } from "./markdown";
import { planText } from "./text";
import { versionGateForPlan } from "../versions/plan-gate";

// The command line and the text format live beside this file; the tests and tools read them from here.
export { FORMATS, parseArgs, type Format, type PlanArgs } from "./args";
export { planText } from "./text";

export interface PlanResult {
  run: ProgramRun;
  violations: Violation[];
  estimates: Estimates;
}

export async function makePlan(args: PlanArgs): Promise<PlanResult> {
  const run = await runOffline({
    stack: args.stack,
    overrides: args.overrides,
    secretOverrides: args.secretOverrides,
  });
  const violations = await evaluatePolicies(run);
  // The version gate and EKS support window (tools/versions/plan-gate.ts): violations and two estimates.
  const gate = versionGateForPlan(run);
  // AWS: the platform's pods against the system pool's minimum size (estimates/system-pool.ts).
  const pool = systemPoolFit(run);
  const poolViolations: Violation[] =
    pool && !pool.fits
      ? [
          {
            policy: "system-pool-capacity",
            level: "mandatory",
            resource: pool.nodeGroups.split(", ")[0],
            message:
              `the platform does not fit the system pool's minimum size: ${pool.summary}. Set ` +
              `systemNodeInstanceType to a larger type or raise the pool's size`,
          },
        ]
      : [];
  return {
    run,
    violations: [...violations, ...gate.violations, ...poolViolations],
    estimates: { ...estimate(run), ...gate.estimates, ...(pool ? { systemPool: pool } : {}) },
  };
}

/** The contract's JSON document. */
export function planJson(p: PlanResult): object {
  return {
    stack: p.run.stack,
    project: p.run.project,
    resources: p.run.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      inputs: r.displayInputs,
    })),
    violations: p.violations.map((v) => ({
      policy: v.policy,
      level: v.level,
      resource: v.resource ?? null,
      message: v.message,
    })),
    estimates: p.estimates,
  };
}

export async function main(argv: string[]): Promise<number> {
  let args: PlanArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // The JSON document owns stdout: anything the program logs goes to stderr.
  const log = console.log;
  console.log = (...a: unknown[]) => console.error(...a);
  let plan: PlanResult;
  try {
    plan = await makePlan(args);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: the program failed: ${(e as Error)?.message ?? e}\n`);
    return 3;
  } finally {
    console.log = log;
  }
  let diff: PlanDiff | undefined;
  if (args.diffAgainst !== undefined) {
    try {
      const base = planOfRef({
        repo: REPO_ROOT,
        ref: args.diffAgainst,
        stack: args.stack,
        configArgs: args.configArgs,
      });
      diff = diffPlans(base.doc, planJson(plan) as PlanDoc, args.diffAgainst, base.commit);
      diff.baseMissing = base.baseMissing;
    } catch (e) {
      if (!(e instanceof DiffError)) throw e;
      process.stderr.write(`error: ${e.message}\n`);
      return /no such commit/.test(e.message) ? 2 : 3;
    }
  }
  const out =
    args.format === "json"
      ? JSON.stringify(planJson(plan), null, 2)
      : args.format === "markdown"
        ? planMarkdown(plan, diff).trimEnd()
        : diff
          ? diffText(diff)
          : planText(plan);
  process.stdout.write(out + "\n");
  return plan.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // The SDK keeps gRPC handles open after a mock run; the plan is finished, so leave now.
      process.stdout.write("", () => process.exit(code));
    },
    (e) => {
      process.stderr.write(`error: ${(e as Error)?.stack ?? e}\n`);
      process.exit(3);
    },
  );
}
