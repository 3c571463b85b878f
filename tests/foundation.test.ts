import { expect } from "chai";
import { configError, runStack, ofType } from "./harness";

describe("foundation: stacks dispatch on target", () => {
  it("the dev stack targets AWS and registers an AWS provider in its region", async () => {
    const run = await runStack("dev");
    expect(run.config.target).to.equal("aws");
    const provider = ofType(run, "pulumi:providers:aws");
    expect(provider).to.have.lengthOf(1);
    expect(provider[0].inputs.region).to.equal("us-east-1");
  });

  it("the edge stack registers no AWS resource", async () => {
    const run = await runStack("edge");
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).to.be.empty;
    expect(ofType(run, "pulumi:providers:kubernetes")).to.have.lengthOf(1);
  });

  it("an unknown target is refused with the key, the value and what is allowed", async () => {
    const err = await configError("dev", { target: "gcp" });
    expect(err.key).to.equal("datavis:target");
    expect(err.message).to.contain('"gcp"').and.to.contain("aws, edge");
  });
});

describe("foundation: documentation matches the code", () => {
  it("the README's configuration table lists every key stacks/config.ts reads, as generated", async () => {
    const fs = await import("fs");
    const { configTable, readmeTable } = await import("../tools/docs/config-table");
    const readme = fs.readFileSync(`${__dirname}/../README.md`, "utf8");
    expect(readmeTable(readme), "run `npm run docs:config`").to.equal(configTable());
  });

  it("every key in CONFIG_KEYS is read by the program for some stack (no documented key is dead)", async () => {
    const { CONFIG_KEYS, parseConfig } = await import("../stacks/config");
    const { readRawConfig } = await import("../tools/plan/offline");
    const read = new Set<string>();
    for (const stack of ["dev", "prod", "edge"]) parseConfig(readRawConfig({ stack }), stack, read);
    expect(CONFIG_KEYS.map((k) => k.key).filter((k) => !read.has(k))).to.deep.equal([]);
  });
});

describe("foundation: the Pulumi project file", () => {
  it("Pulumi.yaml parses, runs stacks/ with TypeScript, and has a template for `pulumi new`", async () => {
    const yaml = await import("js-yaml");
    const fs = await import("fs");
    const doc = yaml.load(fs.readFileSync(`${__dirname}/../Pulumi.yaml`, "utf8")) as any;
    expect(doc.name).to.equal("datavis");
    expect(doc.runtime.name).to.equal("nodejs");
    expect(doc.runtime.options.typescript).to.equal(true);
    expect(doc.main).to.equal("stacks/");
    expect(doc.template.description).to.be.a("string");
    for (const key of ["datavis:target", "datavis:domain", "datavis:authProvider"]) {
      expect(doc.template.config[key].description, key).to.be.a("string");
    }
  });
});
