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
import * as fs from "fs";
import * as path from "path";
import { ConfigError, REPO_ROOT, runOffline, type ProgramRun, type RecordedResource } from "./offline";
import { systemPoolFit } from "./estimates/system-pool";
import { evaluatePolicies, type Violation } from "./policy-eval";
import { estimate, type Estimates } from "./estimates";
import { tenancyPlanLines } from "../../components/platform/tenancy/names";
import { DiffError, diffPlans, diffText, planOfRef, type PlanDiff, type PlanDoc } from "./diff";
import { planMarkdown } from "./markdown";
import { versionGateForPlan } from "../versions/plan-gate";

export const FORMATS = ["text", "json", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

export interface PlanArgs {
  stack: string;
  /** `--json`, kept for the contract; the same as `--format json`. */
  json: boolean;
  format: Format;
  /** `--diff-against <git-ref>`: compare with the plan of this commit. */
  diffAgainst?: string;
  overrides: Record<string, string>;
  secretOverrides: string[];
  /** The `--config`/`--secret` arguments as given, passed on to the other commit's plan. */
  configArgs: string[];
}

const USAGE =
  "usage: npm run plan -- --stack <dev|prod|edge> [--json | --format text|json|markdown] [--diff-against <git-ref>] [--config key=value ...] [--secret key=value ...]";

class UsageError extends Error {}

export function parseArgs(argv: string[]): PlanArgs {
  const args: PlanArgs = {
    stack: "",
    json: false,
    format: "text",
    overrides: {},
    secretOverrides: [],
    configArgs: [],
  };
  const value = (i: number, flag: string): string => {
    if (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))
      throw new UsageError(`${flag} needs a value`);
    return argv[i + 1];
  };
  const setFormat = (f: string) => {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new UsageError(`--format ${JSON.stringify(f)}: use one of ${FORMATS.join(", ")}`);
    args.format = f as Format;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") args.json = true;
    else if (a.startsWith("--format=")) setFormat(a.slice("--format=".length));
    else if (a === "--format") setFormat(value(i++, a));
    else if (a.startsWith("--diff-against=")) args.diffAgainst = a.slice("--diff-against=".length);
    else if (a === "--diff-against") args.diffAgainst = value(i++, a);
    else if (a.startsWith("--stack=")) args.stack = a.slice("--stack=".length);
    else if (a === "--stack") {
      if (argv[i + 1] === undefined) throw new UsageError("--stack needs a value");
      args.stack = argv[++i];
    } else if (a === "--config" || a === "--secret" || a === "-c") {
      const kv = argv[++i];
      const eq = kv?.indexOf("=") ?? -1;
      if (!kv || eq <= 0) throw new UsageError(`${a} takes key=value, got ${JSON.stringify(kv ?? "")}`);
      const key = kv.slice(0, eq);
      args.overrides[key] = kv.slice(eq + 1);
      if (a === "--secret") args.secretOverrides.push(key);
      args.configArgs.push(a, kv);
    } else if (a === "--help" || a === "-h") {
      throw new UsageError(USAGE);
    } else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  if (args.json) {
    if (argv.some((a) => a === "--format" || a.startsWith("--format=")) && args.format !== "json")
      throw new UsageError(`--json and --format ${args.format} disagree: give one of them`);
    args.format = "json";
  }
  if (args.format === "json" && args.diffAgainst !== undefined)
    throw new UsageError(
      "--diff-against prints text or Markdown: use it without --json (or with --format markdown)",
    );
  if (args.diffAgainst === "") throw new UsageError("--diff-against needs a git ref, e.g. origin/main");
  if (!args.stack) throw new UsageError("--stack is required: npm run plan -- --stack <dev|prod|edge>");
  if (
    !/^[A-Za-z0-9_.-]+$/.test(args.stack) ||
    !fs.existsSync(path.join(REPO_ROOT, `Pulumi.${args.stack}.yaml`))
  ) {
    const stacks = fs
      .readdirSync(REPO_ROOT)
      .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
      .map((f) => f.split(".")[1]);
    throw new UsageError(
      `--stack ${JSON.stringify(args.stack)}: no Pulumi.${args.stack}.yaml; stacks: ${stacks.join(", ")}`,
    );
  }
  return args;
}

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
            resource: "cluster-system",
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

function summarize(r: RecordedResource): string {
  const i = r.displayInputs;
  if (r.type === "kubernetes:helm.sh/v3:Release")
    return ` chart=${i.chart}@${i.version} ns=${i.namespace ?? "default"}`;
  if (r.type.startsWith("kubernetes:") && i.metadata?.namespace) return ` ns=${i.metadata.namespace}`;
  return "";
}

export function planText(p: PlanResult): string {
  const lines: string[] = [];
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const r of p.run.resources) {
    const list = children.get(r.parentUrn) ?? [];
    list.push(r);
    children.set(r.parentUrn, list);
  }
  const walk = (parent: string | undefined, indent: string): void => {
    for (const r of children.get(parent) ?? []) {
      lines.push(
        `${indent}${r.custom ? "+" : "■"} ${r.type}  ${r.name}${r.protect ? "  [protected]" : ""}${summarize(r)}`,
      );
      walk(r.urn, indent + "    ");
    }
  };
  lines.push(
    `Plan for stack ${p.run.project}/${p.run.stack} (target ${p.run.config.target}, ${p.run.config.environment}), offline`,
  );
  lines.push("");
  walk(undefined, "  ");
  const custom = p.run.resources.filter((r) => r.custom).length;
  lines.push(
    "",
    `Resources: ${p.run.resources.length} (${custom} resources, ${p.run.resources.length - custom} components)`,
  );
  // Names only: offline, values the cloud computes (the ingress host name, endpoints) are the mocks' own.
  const outputs = Object.keys(p.run.outputs ?? {});
  if (outputs.length)
    lines.push(
      "",
      `Stack outputs (\`pulumi stack output <name>\` after \`pulumi up\`): ${outputs.join(", ")}`,
    );
  lines.push("", "Policies:");
  if (p.violations.length === 0) lines.push("  no violations");
  for (const v of p.violations)
    lines.push(`  [${v.level}] ${v.policy}${v.resource ? ` (${v.resource})` : ""}: ${v.message}`);
  const mandatory = p.violations.filter((v) => v.level === "mandatory").length;
  lines.push(`  ${mandatory} mandatory, ${p.violations.length - mandatory} advisory`);
  lines.push("", "Tenancy (where each tenant's users' servers run, and as whom):");
  lines.push(
    ...tenancyPlanLines(
      p.run.resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => ({ name: r.inputs.metadata?.name, annotations: r.inputs.metadata?.annotations })),
    ),
  );
  lines.push("", "Estimates:");
  lines.push(...formatEstimates(p.estimates, "  "));
  return lines.join("\n");
}

function formatEstimates(e: unknown, indent: string): string[] {
  if (e === null || typeof e !== "object") return [`${indent}${String(e)}`];
  const entries = Object.entries(e as Record<string, unknown>);
  if (entries.length === 0) return [`${indent}(none)`];
  const out: string[] = [];
  for (const [k, v] of entries) {
    if (v !== null && typeof v === "object") {
      out.push(`${indent}${k}:`);
      out.push(...formatEstimates(v, indent + "  "));
    } else out.push(`${indent}${k}: ${v}`);
  }
  return out;
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
