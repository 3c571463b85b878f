import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { missingScripts, npmScriptsIn, workflowNpmCalls } from "../tools/ci/workflow-scripts";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

function githubFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(ROOT, ".github"));
  return out;
}

describe("GitHub workflows (.github/)", () => {
  it("call only npm scripts that package.json defines", () => {
    const calls = workflowNpmCalls(ROOT);
    // The workflows do call scripts (a parser that found none would pass anything).
    expect(calls.map((c) => c.script)).to.include.members(["typecheck", "lint", "test:unit", "plan"]);
    expect(missingScripts(calls, pkg.scripts)).to.deep.equal([]);
  });

  it("report a workflow step that calls a script package.json lacks", () => {
    const calls = npmScriptsIn("npm ci\nnpm run typecheck && npm run test:e2e -- --grep x\nnpm test").map(
      (script) => ({
        file: "x.yml",
        script,
      }),
    );
    expect(missingScripts(calls, { typecheck: "tsc", test: "mocha" })).to.deep.equal([
      { file: "x.yml", script: "test:e2e" },
    ]);
  });

  it("pin every action of another repository to a full commit SHA with its version in a comment", () => {
    const uses: string[] = [];
    for (const f of githubFiles()) {
      for (const line of fs.readFileSync(f, "utf8").split("\n")) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (m && !m[1].startsWith("./")) uses.push(`${path.relative(ROOT, f)}: ${m[1]}${m[2]}`);
      }
    }
    expect(uses.length).to.be.greaterThan(5);
    const unpinned = uses.filter((u) => !/: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(u));
    expect(unpinned).to.deep.equal([]);
  });

  it("test on every Node.js line package.json's engines declares (22 and 24)", () => {
    const pr = yaml.load(
      fs.readFileSync(path.join(ROOT, ".github/workflows/pull-request.yml"), "utf8"),
    ) as any;
    const lines: string[] = pr.jobs.test.strategy.matrix.node;
    const declared = [...String(pkg.engines.node).matchAll(/\^(\d+)\./g)].map((m) => m[1]);
    expect(declared).to.deep.equal(["22", "24"]);
    expect(lines).to.deep.equal(declared);
  });

  it("never run pull-request code with this repository's secrets (no pull_request_target)", () => {
    for (const f of githubFiles().filter((p) => p.includes(`${path.sep}workflows${path.sep}`))) {
      const on = (yaml.load(fs.readFileSync(f, "utf8")) as any).on;
      const events = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
      expect(events, path.relative(ROOT, f)).to.not.include("pull_request_target");
    }
  });
});
