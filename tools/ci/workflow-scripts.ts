/**
 * What the GitHub workflows and local actions under .github/ run through npm, so a test can hold them to
 * package.json: a workflow calling `npm run X` where X does not exist fails only on GitHub, after merge.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/** One `npm run X` / `npm test` found in a `run:` block. */
export interface NpmCall {
  /** File relative to the repository root. */
  file: string;
  /** The script name (`test` for `npm test`, `start` for `npm start`). */
  script: string;
}

/** Every `run:` string of a parsed workflow or composite action (jobs' steps and runs.steps). */
function runBlocks(doc: any): string[] {
  const steps: any[] = [];
  for (const job of Object.values<any>(doc?.jobs ?? {})) steps.push(...(job?.steps ?? []));
  steps.push(...(doc?.runs?.steps ?? []));
  return steps.map((s) => s?.run).filter((r): r is string => typeof r === "string");
}

/** The npm scripts a shell block calls: `npm run X`, `npm run-script X`, `npm test`, `npm start`. */
export function npmScriptsIn(shell: string): string[] {
  const out: string[] = [];
  // Options may stand between npm and the command (npm --prefix policies run x): skip -flags and their values.
  const re =
    /\bnpm((?:\s+--?[\w-]+(?:[= ](?!run\b|run-script\b|test\b|start\b)[^\s-][^\s]*)?)*)\s+(run-script|run|test|start)\b(?:\s+([\w:.-]+))?/g;
  for (const m of shell.matchAll(re)) {
    if (m[1].includes("--prefix")) continue; // another package's scripts (policies/), not the project's
    if (m[2] === "test" || m[2] === "start") out.push(m[2]);
    else if (m[3]) out.push(m[3]);
  }
  return out;
}

/** Every npm call of the workflows and local actions under `<root>/.github`. */
export function workflowNpmCalls(root: string): NpmCall[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(root, ".github", "workflows"));
  walk(path.join(root, ".github", "actions"));
  const calls: NpmCall[] = [];
  for (const f of files.sort()) {
    const doc = yaml.load(fs.readFileSync(f, "utf8"));
    for (const block of runBlocks(doc)) {
      for (const script of npmScriptsIn(block)) calls.push({ file: path.relative(root, f), script });
    }
  }
  return calls;
}

/** Calls whose script is not in package.json's `scripts` (`npm test` needs a `test` script too). */
export function missingScripts(calls: NpmCall[], scripts: Record<string, string>): NpmCall[] {
  return calls.filter((c) => !Object.prototype.hasOwnProperty.call(scripts, c.script));
}
