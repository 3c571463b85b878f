import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffPlans, valueChanges, type PlanDoc } from "../tools/plan/diff";
import { componentDiagram, planMarkdown } from "../tools/plan/markdown";
import { makePlan, parseArgs, planJson } from "../tools/plan/plan";

const REPO = path.resolve(__dirname, "..");

function sh(cwd: string, cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** `npm run plan -- <args>` in `cwd`, as a reviewer runs it there. */
function plan(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/plan/plan.ts", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", PULUMI_ACCESS_TOKEN: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("plan diff against real commits (a temporary clone of this repository)", function () {
  // Four plans of dev in fresh processes, each a git worktree: slow on a loaded machine, and bounded by
  // the work (no loop, no retry), so this suite has no wall-clock timeout that load could trip.
  this.timeout(0);
  let clone = "";
  let tmp = "";

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datavis-plan-diff-"));
    clone = path.join(tmp, "repo");
    sh(tmp, "git", ["clone", "--quiet", "--no-hardlinks", REPO, clone]);
    fs.symlinkSync(fs.realpathSync(path.join(REPO, "node_modules")), path.join(clone, "node_modules"));
    const git = (...a: string[]) =>
      sh(clone, "git", ["-c", "user.name=test", "-c", "user.email=test@example.org", ...a]);
    // The code under test is this working tree's, committed or not: its files go over the clone's HEAD.
    const files = sh(REPO, "git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
      .split("\0")
      .filter((f) => f && fs.lstatSync(path.join(REPO, f), { throwIfNoEntry: false })?.isFile());
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
      fs.copyFileSync(path.join(REPO, f), path.join(clone, f));
    }
    git("add", "--", ...files);
    git("commit", "--quiet", "--allow-empty", "-m", "the working tree under test");
    // Commit 1: a new class as a tenant in the dev stack.
    fs.appendFileSync(
      path.join(clone, "Pulumi.dev.yaml"),
      [
        "    - name: geo-202",
        "      cpu: 4",
        "      memoryGi: 16",
        "      storageGi: 100",
        "      owners:",
        "        - geo-instructor",
        "",
      ].join("\n"),
    );
    git("commit", "--quiet", "-am", "dev: tenant geo-202");
    // Commit 2: a change the plan does not read.
    fs.appendFileSync(path.join(clone, "README.md"), "\nA line for the reviewers.\n");
    git("commit", "--quiet", "-am", "README: a line");
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the commit that adds a tenant: its namespace, quota, limits, network policies and owner binding are added", () => {
    const r = plan(clone, ["--stack", "dev", "--diff-against", "HEAD~2"]);
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).to.match(
      // With tenancy a class also brings its notebook pieces, database login, Pod Identity associations
      // (notebooks, Spark, home-backup copiers) and the backup controller's Role, account and script there,
      // and changes the hub's values, the tenants' database Job and the backup CronJob's tenant list; and the
      // notebook extras' lock ConfigMap (the default image installs them at start).
      /^Diff against HEAD~2 \([0-9a-f]{12}\): 33 to add, 0 to remove, 4 to change, \d+ unchanged$/,
    );
    for (const added of [
      "+ kubernetes:core/v1:Namespace  tenant-geo-202  (in tenants)",
      "+ kubernetes:core/v1:ResourceQuota  tenant-geo-202-quota  (in tenants)",
      "+ kubernetes:core/v1:LimitRange  tenant-geo-202-limits  (in tenants)",
      "+ kubernetes:networking.k8s.io/v1:NetworkPolicy  tenant-geo-202-default-deny  (in tenants)",
      "+ kubernetes:networking.k8s.io/v1:NetworkPolicy  tenant-geo-202-allow  (in tenants)",
      "+ kubernetes:rbac.authorization.k8s.io/v1:RoleBinding  tenant-geo-202-owners  (in tenants)",
    ])
      expect(
        lines.map((l) => l.trim()),
        added,
      ).to.include(added);
    expect(r.stdout).not.to.match(/^\s+- /m);
  });

  it("the commit that adds a tenant: the changed input is shown by path with its old and new value", () => {
    const r = plan(clone, ["--stack", "dev", "--diff-against", "HEAD~2"]);
    expect(r.stdout).to.contain("~ kubernetes:helm.sh/v3:Release  spark-operator  (in spark)");
    expect(r.stdout).to.contain('values.spark.jobNamespaces[2]: (absent) → "tenant-geo-202"');
  });

  it("the commit that changes nothing the plan reads: no changes", () => {
    const r = plan(clone, ["--stack", "dev", "--diff-against", "HEAD~1"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(
      /^No changes against HEAD~1 \([0-9a-f]{12}\): the same \d+ resources with the same inputs$/,
    );
  });

  it("--format markdown: the report with the component diagram, the cost table, the verdicts and the diff", () => {
    const r = plan(clone, ["--stack", "dev", "--format", "markdown", "--diff-against", "HEAD~2"]);
    expect(r.status, r.stderr).to.equal(0);
    const md = r.stdout;
    const at = (s: string) => md.indexOf(s);
    expect(at("# Plan of `datavis/dev` (target aws, dev)")).to.equal(0);
    expect(at("## Diff")).to.be.greaterThan(0);
    expect(md).to.contain("| ➕ add | `kubernetes:core/v1:Namespace` | tenant-geo-202 | tenants |");
    expect(md).to.contain('| `values.spark.jobNamespaces[2]` | `(absent)` | `"tenant-geo-202"` |');
    expect(at("```mermaid")).to.be.greaterThan(at("## Components"));
    expect(at("## Cost estimate")).to.be.greaterThan(at("```mermaid"));
    expect(md).to.match(/\| \*\*total\*\* \| \*\*\$\d+\.\d\d\*\* \| \*\*\$\d+\.\d\d\*\* \|/);
    expect(at("## Policy verdicts")).to.be.greaterThan(at("## Cost estimate"));
  });

  it("a ref that names no commit exits 2 with one line naming it", () => {
    const r = plan(clone, ["--stack", "dev", "--diff-against", "no-such-branch"]);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr.trim().split("\n")).to.have.lengthOf(1);
    expect(r.stderr).to.contain('--diff-against "no-such-branch"');
  });

  it("leaves no worktree behind", () => {
    expect(sh(clone, "git", ["worktree", "list"]).trim().split("\n")).to.have.lengthOf(1);
  });
});

describe("plan diff: what it compares and shows", () => {
  it("--format takes text, json or markdown; --json is --format json; --diff-against needs a non-JSON format", () => {
    expect(parseArgs(["--stack", "dev", "--format", "markdown"]).format).to.equal("markdown");
    expect(parseArgs(["--stack", "dev", "--json"]).format).to.equal("json");
    expect(parseArgs(["--stack", "dev", "--diff-against=main"]).diffAgainst).to.equal("main");
    expect(() => parseArgs(["--stack", "dev", "--format", "html"])).to.throw(/text, json, markdown/);
    expect(() => parseArgs(["--stack", "dev", "--json", "--diff-against", "main"])).to.throw(
      /without --json/,
    );
    expect(() => parseArgs(["--stack", "dev", "--diff-against"])).to.throw(/needs a value/);
  });

  it("names a changed input by its path, quoting keys that are not identifiers", () => {
    const changes = valueChanges(
      { metadata: { labels: { "app.kubernetes.io/name": "a", tier: "x" } }, ports: [80] },
      { metadata: { labels: { "app.kubernetes.io/name": "b", tier: "x" } }, ports: [80, 443] },
    );
    expect(changes).to.deep.equal([
      { path: 'metadata.labels["app.kubernetes.io/name"]', old: "a", new: "b" },
      { path: "ports[1]", old: undefined, new: 443 },
    ]);
  });

  it("object key order is not a change", () => {
    expect(valueChanges({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).to.deep.equal([]);
  });

  it("a secret that changes is never shown in clear", async () => {
    const base = planJson(await makePlan(parseArgs(["--stack", "edge", "--json"]))) as PlanDoc;
    const head = planJson(
      await makePlan(
        parseArgs(["--stack", "edge", "--json", "--secret", "kubeconfig=apiVersion: v1 # new-secret-text"]),
      ),
    ) as PlanDoc;
    const text = JSON.stringify(diffPlans(base, head, "base", "0".repeat(40)));
    expect(text).not.to.contain("new-secret-text");
    expect(text).not.to.contain("offline-placeholder");
  });

  it("the edge report shows the capacity table instead of a cost table", async () => {
    const p = await makePlan(parseArgs(["--stack", "edge", "--format", "markdown"]));
    const md = planMarkdown(p);
    expect(md).to.contain("## Capacity estimate");
    expect(md).to.contain("| platform requests |");
    expect(md).not.to.contain("## Cost estimate");
    expect(md).not.to.contain("## Diff");
  });

  it("the component diagram draws components only, grouping many siblings of one type", async () => {
    const p = await makePlan(parseArgs(["--stack", "dev"]));
    const diagram = componentDiagram(p.run.resources);
    const nodes = diagram.split("\n").filter((l) => /^ {2}c\d+\[/.test(l));
    const components = p.run.resources.filter((r) => !r.custom).length;
    expect(nodes.length).to.be.greaterThan(10).and.at.most(components);
    expect(diagram).to.contain("IrsaRole × 5");
    expect(diagram).not.to.contain("kubernetes:");
  });
});
