/**
 * The offline plan's command line (`npm run plan -- ...`, usage in plan.ts): stack, output format,
 * `--diff-against` and the `--config`/`--secret` overrides. A bad argument is a UsageError: one line, exit 2.
 */
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./offline";

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

export class UsageError extends Error {}

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
