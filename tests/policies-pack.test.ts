/**
 * The policy pack as a whole: its package and the metadata every rule carries. The offline evaluator's
 * fidelity to the Pulumi engine: tests/policies-pack-engine.test.ts; the verdicts on the shipped dev, prod
 * and edge stacks: tests/policies-pack-stacks.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { ARM64_CHARTS, ARM64_IMAGES } from "../policies/arm64-images";
import { imageKey, parseImage } from "../policies/lib-images";
import { allPolicies, allRules } from "../policies/rules";
import { IMAGES } from "../components/versions";
import { POLICIES, read } from "./lib/policy-pack";

describe("policy pack: package and metadata", () => {
  it("is its own package pinning @pulumi/policy 1.21.0 and @pulumi/pulumi 3.270.0 exactly", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.dependencies).to.deep.equal({ "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.270.0" });
    expect(read("PulumiPolicy.yaml")).to.match(/^runtime: nodejs$/m);
    expect(fs.existsSync(path.join(POLICIES, "package-lock.json")), "policies/package-lock.json").to.be.true;
  });

  it("index.ts constructs the PolicyPack from allPolicies; rules.ts only declares them", () => {
    expect(read("index.ts")).to.match(/new PolicyPack\("datavis-platform", \{[\s\S]*policies: allPolicies/);
    const sources = fs.readdirSync(POLICIES).filter((f) => f.endsWith(".ts") && f !== "index.ts");
    expect(sources).to.include.members([
      "rules.ts",
      "aws.ts",
      "kubernetes.ts",
      "stack.ts",
      "lib.ts",
      "arm64-images.ts",
    ]);
    for (const f of sources) {
      const src = read(f);
      expect(src, f).to.not.match(/new PolicyPack\(/);
      // Runtime imports of @pulumi/policy would start the SDK's gRPC module; types only.
      expect(src, f).to.not.match(/^import (?!type )[^;]*from "@pulumi\/policy"/m);
    }
  });

  it("has at least 25 rules with unique names", () => {
    expect(allPolicies.length).to.be.at.least(25);
    const names = allPolicies.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
  });

  it("every rule says why, has an explicit enforcement level and names its control", () => {
    for (const r of allRules) {
      expect(r.description.length, r.name).to.be.greaterThan(60);
      expect(r.enforcementLevel, r.name).to.be.oneOf(["advisory", "mandatory"]);
      expect(r.framework.name, r.name).to.not.be.empty;
      expect(r.framework.reference, r.name).to.not.be.empty;
      expect(
        ("validateResource" in r && !!r.validateResource) || ("validateStack" in r && !!r.validateStack),
        r.name,
      ).to.be.true;
    }
  });

  it("README lists every rule with its control, and says where rules come from", () => {
    const readme = read("README.md");
    for (const r of allRules) {
      const row = readme.split("\n").find((l) => l.includes(`\`${r.name}\``));
      expect(row, `README row for ${r.name}`).to.exist;
      expect(row, r.name).to.include(r.framework.reference);
      expect(row, r.name).to.include(r.enforcementLevel!);
    }
    expect(readme).to.match(/@pulumi\/awsguard/);
  });

  it("every rule has a violating and a complying fixture in tests/policies*.test.ts", () => {
    const files = fs
      .readdirSync(__dirname)
      .filter((f) => /^policies(-[a-z0-9]+)?\.test\.ts$/.test(f) && !/-(pack|analyzer)\./.test(f));
    for (const r of allRules) {
      const uses = files.filter((f) =>
        fs.readFileSync(path.join(__dirname, f), "utf8").includes(`"${r.name}"`),
      );
      expect(uses, r.name).to.not.be.empty;
    }
  });

  it("no policy source file is over 300 lines (split by concern)", () => {
    for (const f of fs.readdirSync(POLICIES).filter((x) => x.endsWith(".ts"))) {
      const lines = read(f).split("\n").length;
      expect(lines, f).to.be.at.most(300);
    }
  });

  it("every image pinned in versions.ts is on the checked arm64 list, each entry saying how it was checked", () => {
    const listed = new Set(ARM64_IMAGES.map((i) => i.image));
    for (const [key, image] of Object.entries(IMAGES)) {
      expect(listed.has(imageKey(parseImage(image))), `IMAGES.${key} = ${image}`).to.be.true;
    }
    for (const e of [...ARM64_IMAGES, ...ARM64_CHARTS]) expect(e.verifiedBy.length).to.be.greaterThan(20);
  });
});
