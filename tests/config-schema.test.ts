import { expect } from "chai";
import * as fs from "fs";
import yaml from "js-yaml";
import * as path from "path";
import Ajv from "ajv";
import { stackConfigSchema, templateSection, withTemplate } from "../stacks/config/docs";
import { CONFIG_KEYS, ConfigError, KEYS, parseConfig } from "../stacks/config";
import { readRawConfig } from "../tools/plan/offline";
import { SCHEMA_FILE, stackConfigSchemaText } from "../tools/docs/config-table";

const ROOT = path.join(__dirname, "..");
const STACKS = ["dev", "prod", "edge"];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Validates a stack file's document against the editor schema; returns ajv's errors (empty when valid). */
function editorErrors(doc: unknown): string[] {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(stackConfigSchema());
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const stackDoc = (stack: string) =>
  yaml.load(read(`Pulumi.${stack}.yaml`)) as { config: Record<string, unknown> };

describe("config schema: generated files match the schema", () => {
  it("Pulumi.yaml's template: prompts are the ones the schema declares (npm run docs:config)", () => {
    const pulumiYaml = read("Pulumi.yaml");
    expect(withTemplate(pulumiYaml), "run `npm run docs:config`").to.equal(pulumiYaml);
  });

  it("the template asks for every key a new AWS stack cannot do without", () => {
    const template = (yaml.load(templateSection()) as { template: { config: Record<string, unknown> } })
      .template;
    expect(Object.keys(template.config)).to.include.members([
      "datavis:target",
      "datavis:domain",
      "datavis:authProvider",
      "datavis:acmeEmail",
    ]);
  });

  it("schema/stack-config.schema.json is the schema's JSON Schema (npm run docs:config)", async () => {
    expect(fs.readFileSync(SCHEMA_FILE, "utf8"), "run `npm run docs:config`").to.equal(
      await stackConfigSchemaText(),
    );
  });

  for (const stack of STACKS) {
    it(`Pulumi.${stack}.yaml points editors at the schema with a yaml-language-server modeline`, () => {
      expect(read(`Pulumi.${stack}.yaml`).split("\n")[0]).to.equal(
        "# yaml-language-server: $schema=./schema/stack-config.schema.json",
      );
    });

    it(`Pulumi.${stack}.yaml is valid against the editor schema`, () => {
      expect(editorErrors(stackDoc(stack))).to.deep.equal([]);
    });
  }

  it("every documented key has exactly one schema entry", () => {
    const names = KEYS.map((k) => k.key);
    expect(new Set(names).size).to.equal(names.length);
    expect(CONFIG_KEYS.map((k) => k.key)).to.deep.equal(names.filter((k) => !k.includes(":")));
  });
});

describe("config schema: an editor flags what the program refuses", () => {
  const devWith = (changes: Record<string, unknown>) => {
    const doc = stackDoc("dev");
    Object.assign(doc.config, changes);
    return doc;
  };

  it("a misspelt datavis: key is flagged, another namespace's key is not", () => {
    expect(editorErrors(devWith({ "datavis:tenats": [] }))).not.to.be.empty;
    expect(editorErrors(devWith({ "aws:profile": "lab" }))).to.deep.equal([]);
  });

  it("a secret written in plain text is flagged", () => {
    expect(editorErrors(devWith({ "datavis:authClientSecret": "plain-text" }))).not.to.be.empty;
  });

  it("a number out of range is flagged", () => {
    expect(editorErrors(devWith({ "datavis:azCount": 4 }))).not.to.be.empty;
  });

  it("an instance type outside the catalogue is flagged", () => {
    expect(editorErrors(devWith({ "datavis:notebookInstanceTypes": ["x9.large"] }))).not.to.be.empty;
  });

  it("a tenant with an unknown field is flagged", () => {
    expect(editorErrors(devWith({ "datavis:tenants": [{ name: "a", gpu: 1 }] }))).not.to.be.empty;
  });

  it("an edge stack without its kubeconfig is flagged", () => {
    const doc = stackDoc("edge");
    delete doc.config["datavis:kubeconfig"];
    expect(editorErrors(doc).join("\n")).to.contain("datavis:kubeconfig");
  });
});

describe("config schema: a value with several mistakes reports the first in reading order", () => {
  const messageFor = (key: string, value: string): string => {
    try {
      parseConfig(readRawConfig({ stack: "dev", overrides: { [key]: value } }), "dev");
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    throw new Error(`no config error for ${key}=${value}`);
  };

  it("a tenant name used twice is reported before the same tenant's bad owners", () => {
    expect(messageFor("tenants", '[{"name":"a"},{"name":"a","owners":"me"}]')).to.contain(
      'tenants[1].name "a" is used twice',
    );
  });

  it("a tenant's unknown field is reported before its missing name", () => {
    expect(messageFor("tenants", '[{"gpu":1}]')).to.contain("tenants[0] has unknown field gpu");
  });

  it("a scheduled run's missing field is reported before its bad schedule", () => {
    expect(
      messageFor("scheduledRuns", '[{"name":"r","schedule":"bad","source":"","notebook":"n"}]'),
    ).to.contain("scheduledRuns[0].source is required");
  });

  it("a repeated instance type is reported before an unknown family", () => {
    expect(messageFor("notebookInstanceTypes", '["x9.large","x9.large"]')).to.contain("has duplicate items");
  });

  for (const value of ["{}", '"x"', "null"]) {
    it(`tenants written as ${value} is refused as not a list`, () => {
      expect(messageFor("tenants", value)).to.contain("must be a list of tenants");
    });
  }
});
