/**
 * The policy pack's offline evaluator (tools/plan/policy-eval.ts) is faithful to the Pulumi engine: the
 * options, stack tags, providers, unknown values, parents and dependencies a policy is handed.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { record } from "./fixtures/policies/record";

function probe(seen: any[]): ResourceValidationPolicy {
  return {
    name: "probe",
    description: "records its arguments",
    enforcementLevel: "advisory",
    validateResource: (args) => {
      seen.push({
        type: args.type,
        name: args.name,
        opts: args.opts,
        env: args.stackTags.get("datavis:environment"),
        target: args.stackTags.get("datavis:target"),
        provider: args.provider?.type,
      });
    },
  };
}

describe("policy evaluation offline mirrors the engine", () => {
  it("a policy gets the resource's options as the analyzer sends them: protect, parent, no retainOnDelete", async () => {
    const seen: any[] = [];
    const run = await record(() => {
      new aws.kms.Key("k", { enableKeyRotation: true }, { protect: true, retainOnDelete: true });
    });
    await evaluatePolicies(run, [probe(seen)]);
    const key = seen.find((s) => s.name === "k");
    expect(key.opts.protect).to.be.true;
    expect(key.opts).to.not.have.property("retainOnDelete");
  });

  it("stack tags carry datavis:environment and datavis:target", async () => {
    const seen: any[] = [];
    const run = await record(() => new aws.kms.Key("k", { enableKeyRotation: true }), {
      environment: "prod",
      target: "aws",
    });
    await evaluatePolicies(run, [probe(seen)]);
    expect(seen[0]).to.include({ env: "prod", target: "aws" });
  });

  it("a resource's explicit provider is handed to the policy", async () => {
    const seen: any[] = [];
    const run = await record(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      new k8s.core.v1.Namespace("ns", { metadata: { name: "ns" } }, { provider });
    });
    await evaluatePolicies(run, [probe(seen)]);
    expect(seen.find((s) => s.name === "ns").provider).to.equal("pulumi:providers:kubernetes");
  });

  it("reading a value unknown during preview gives the SDK's advisory 'can't run', not a verdict", async () => {
    const reads: ResourceValidationPolicy = {
      name: "reads-arn",
      description: "reads a KMS key ARN directly",
      enforcementLevel: "mandatory",
      validateResource: (args, report) => {
        if (args.type === "aws:eks/cluster:Cluster" && !args.props.encryptionConfig.provider.keyArn)
          report("no key");
      },
    };
    const run = await record(
      () => {
        const key = new aws.kms.Key("k", { enableKeyRotation: true });
        new aws.eks.Cluster("eks", {
          roleArn: "arn:aws:iam::123456789012:role/eks",
          vpcConfig: { subnetIds: ["subnet-1"] },
          encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
        });
      },
      {},
      ["aws:kms/key:Key"],
    );
    const v = await evaluatePolicies(run, [reads]);
    expect(v).to.have.lengthOf(1);
    expect(v[0].level).to.equal("advisory");
    expect(v[0].message).to.match(
      /can't run policy 'reads-arn' during preview: .*encryptionConfig\.provider\.keyArn/,
    );
  });

  it("stack policies see parents and dependencies as resources; disabled policies do not run", async () => {
    const run = await record(() => {
      const b = new aws.s3.Bucket("b", {});
      new aws.s3.BucketPublicAccessBlock("b", { bucket: b.id, blockPublicAcls: true });
    });
    let deps: string[] = [];
    const stack: StackValidationPolicy = {
      name: "deps",
      description: "records dependencies",
      enforcementLevel: "mandatory",
      validateStack: (args) => {
        deps = args.resources
          .filter((r) => r.type.includes("PublicAccessBlock"))
          .flatMap((r) => r.dependencies.map((d) => d.type));
      },
    };
    const disabled: StackValidationPolicy = {
      name: "off",
      description: "never runs",
      enforcementLevel: "disabled",
      validateStack: (_args, report) => report("ran"),
    };
    expect(await evaluatePolicies(run, [stack, disabled])).to.deep.equal([]);
    expect(deps).to.deep.equal(["aws:s3/bucket:Bucket"]);
  });
});
