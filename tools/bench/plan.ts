/**
 * Benchmark (not a test): wall time of `npm run plan -- --stack <s> --json` for each stack, as a user runs
 * it (a fresh Node process each time, transpile-only), median and spread of several runs.
 *
 *   npm run bench:plan [-- --runs 7]
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function once(stack: string): { ms: number; resources: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    ["-r", "./tools/register.js", "tools/plan/plan.ts", "--stack", stack, "--json"],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`plan for ${stack} exited ${r.status}: ${r.stderr}`);
  return { ms, resources: JSON.parse(r.stdout).resources.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`plan wall time, ${runs} runs per stack (median, min-max), node ${process.version}`);
for (const stack of ["dev", "prod", "edge"]) {
  once(stack); // warm the file system cache
  const samples = Array.from({ length: runs }, () => once(stack));
  const ms = samples.map((s) => s.ms);
  console.log(
    `  ${stack.padEnd(5)} ${(median(ms) / 1000).toFixed(2)} s  (${(Math.min(...ms) / 1000).toFixed(2)}-${(Math.max(...ms) / 1000).toFixed(2)} s)  ${samples[0].resources} resources`,
  );
}
