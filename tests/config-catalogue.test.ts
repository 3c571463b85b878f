import { expect } from "chai";
import {
  EC2_FAMILIES,
  eniLimits,
  instanceArch,
  knownInstanceTypes,
  maxPods,
} from "../components/aws/catalogue";
import { parseConfig } from "../stacks/config";
import { readRawConfig } from "../tools/plan/offline";

describe("AWS catalogue", () => {
  it("max pods follow amazon-vpc-cni-k8s misc/eni-max-pods.txt (m6i.large 29, t3.medium 17, m5.24xlarge 737)", () => {
    expect(maxPods("m6i.large")).to.equal(29);
    expect(maxPods("t3.medium")).to.equal(17);
    expect(maxPods("m5.24xlarge")).to.equal(737);
    expect(eniLimits("m6i.large")).to.deep.equal({ enis: 3, ipv4PerEni: 10 });
  });

  it("a type that does not exist has no limits", () => {
    expect(maxPods("t3.24xlarge")).to.equal(undefined);
    expect(maxPods("x9.large")).to.equal(undefined);
  });

  it("every instance type the dev and prod stacks use is in the catalogue", () => {
    for (const stack of ["dev", "prod"]) {
      const aws = parseConfig(readRawConfig({ stack }), stack).aws!;
      for (const t of [aws.systemNodeInstanceType, ...aws.notebookInstanceTypes, ...aws.sparkInstanceTypes])
        expect(maxPods(t), `${stack}: ${t}`).to.be.a("number");
    }
  });

  it("every family the config accepts has types in the catalogue, all of the family's architecture", () => {
    const known = knownInstanceTypes();
    for (const family of EC2_FAMILIES) {
      const types = known.filter((t) => t.startsWith(`${family}.`));
      expect(types, family).not.to.be.empty;
      expect(new Set(types.map(instanceArch)).size, family).to.equal(1);
    }
    expect(instanceArch("m7g.large")).to.equal("arm64");
    expect(instanceArch("m7i.large")).to.equal("x86_64");
  });
});
