import { expect } from "chai";
import { makePlan, parseArgs, planJson, planText } from "../tools/plan/plan";
import { planCli } from "./harness";

describe("offline plan: the JSON contract", () => {
  for (const stack of ["dev", "prod", "edge"]) {
    it(`--stack ${stack} --json prints one JSON object with the contract's fields`, async () => {
      const doc = planJson(await makePlan(parseArgs(["--stack", stack, "--json"]))) as any;
      expect(Object.keys(doc)).to.deep.equal(["stack", "project", "resources", "violations", "estimates"]);
      expect(doc.stack).to.equal(stack);
      expect(doc.project).to.equal("datavis");
      expect(doc.resources.length).to.be.greaterThan(0);
      for (const r of doc.resources) {
        expect(Object.keys(r)).to.deep.equal(["type", "name", "parent", "inputs"]);
        expect(r.type).to.match(/^[a-z0-9-]+:[A-Za-z0-9./-]*:[A-Za-z0-9]+$/);
      }
      for (const v of doc.violations) {
        expect(Object.keys(v)).to.deep.equal(["policy", "level", "resource", "message"]);
        expect(v.level).to.be.oneOf(["advisory", "mandatory"]);
      }
      expect(doc.estimates).to.be.an("object");
    });
  }

  it("secrets are shown as [secret], never in clear", async () => {
    const doc = planJson(await makePlan(parseArgs(["--stack", "edge", "--json"])));
    const text = JSON.stringify(doc);
    expect(text).to.contain('"[secret]"');
    expect(text).not.to.contain("offline-placeholder-for-kubeconfig");
  });

  it("every resource's parent is another resource in the plan, or null for top-level ones", async () => {
    const doc = planJson(await makePlan(parseArgs(["--stack", "dev", "--json"]))) as any;
    const names = new Set(doc.resources.map((r: any) => r.name));
    for (const r of doc.resources)
      if (r.parent !== null) expect(names.has(r.parent), r.parent).to.equal(true);
  });

  it("the human output shows resources, policy verdicts and estimates, in that order", async () => {
    const text = planText(await makePlan(parseArgs(["--stack", "dev"])));
    const at = (s: string) => text.indexOf(s);
    expect(at("Plan for stack datavis/dev")).to.equal(0);
    expect(at("Resources:")).to.be.greaterThan(0);
    expect(at("Policies:")).to.be.greaterThan(at("Resources:"));
    expect(at("Estimates:")).to.be.greaterThan(at("Policies:"));
  });
});

describe("offline plan: the command line", () => {
  it("prints valid JSON on stdout alone and exits 0 for dev, with no cloud credentials", () => {
    const r = planCli(["--stack", "dev", "--json"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout).stack).to.equal("dev");
  });

  it("an invalid target exits 2 with one line on stderr naming target", () => {
    const r = planCli(["--stack", "dev", "--json", "--config", "target=gcp"]);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr.trim().split("\n")).to.have.lengthOf(1);
    expect(r.stderr).to.contain("datavis:target");
  });

  it("an unknown stack exits 2 and lists the stacks there are", () => {
    const r = planCli(["--stack", "staging"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain("dev, edge, prod");
  });

  it("--config accepts the key with its namespace, as pulumi config does", () => {
    const args = parseArgs(["--stack", "dev", "--config", "datavis:activeUsers=25", "--config", "azCount=2"]);
    expect(args.overrides).to.deep.equal({ "datavis:activeUsers": "25", azCount: "2" });
  });
});
