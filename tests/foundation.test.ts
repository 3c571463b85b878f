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
