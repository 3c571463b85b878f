import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { npmScriptsIn } from "../tools/ci/workflow-scripts";

const ROOT = path.resolve(__dirname, "..");
const DOC = fs.readFileSync(path.join(ROOT, "docs/fork.md"), "utf8");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** Fenced code blocks of the guide, with their language. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(/```(\w*)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang).map((m) => m[2]);
}

/** `vars.X` and `secrets.X` the workflows read (GitHub's own token aside). */
function workflowSettings(): Set<string> {
  const names = new Set<string>();
  const dir = path.join(ROOT, ".github/workflows");
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    for (const m of text.matchAll(/\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)/g))
      if (m[1] !== "GITHUB_TOKEN") names.add(m[1]);
  }
  return names;
}

describe("docs/fork.md, checked against the repository", () => {
  it("runs only npm scripts package.json defines", () => {
    const scripts = blocks("sh").flatMap(npmScriptsIn);
    expect(scripts).to.include.members(["plan", "test"]);
    expect(scripts.filter((s) => !(s in pkg.scripts))).to.deep.equal([]);
  });

  it("links only to files that exist", () => {
    const links = [...DOC.matchAll(/\]\((\.\.\/[^)#\s]+)\)/g)].map((m) => m[1]);
    expect(links.length).to.be.greaterThan(4);
    const missing = links.filter((l) => !fs.existsSync(path.resolve(ROOT, "docs", l)));
    expect(missing).to.deep.equal([]);
  });

  it("gives an IAM trust policy that parses and trusts only GitHub's OIDC provider for this repository", () => {
    const [policy] = blocks("json").map((b) => JSON.parse(b));
    const [statement] = policy.Statement;
    expect(statement.Action).to.equal("sts:AssumeRoleWithWebIdentity");
    expect(statement.Principal.Federated).to.match(/oidc-provider\/token\.actions\.githubusercontent\.com$/);
    expect(statement.Condition.StringEquals["token.actions.githubusercontent.com:aud"]).to.equal(
      "sts.amazonaws.com",
    );
    const subjects: string[] = statement.Condition.StringLike["token.actions.githubusercontent.com:sub"];
    expect(subjects.every((s) => s.startsWith("repo:<your-org>/<your-fork>:"))).to.equal(true);
    // Every GitHub environment the deploy workflow uses can assume it.
    const deploy = fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");
    for (const m of deploy.matchAll(/^\s+environment: (\w+)$/gm)) {
      expect(subjects).to.include(`repo:<your-org>/<your-fork>:environment:${m[1]}`);
    }
  });

  it("documents every repository variable and secret the workflows read, and no other", () => {
    const table = new Set(
      [...DOC.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (?:secret|variable) \|/gm)].map((m) => m[1]),
    );
    expect([...table].sort()).to.deep.equal([...workflowSettings()].sort());
  });

  it("names the runner label the deploy workflow and actionlint's configuration use", () => {
    const deploy = fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");
    const lint = fs.readFileSync(path.join(ROOT, ".github/actionlint.yaml"), "utf8");
    expect(deploy).to.contain('"datavis-edge"');
    expect(lint).to.contain("- datavis-edge");
    expect(DOC).to.contain("--labels datavis-edge");
  });
});
