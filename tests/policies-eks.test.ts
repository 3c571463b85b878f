/**
 * EKS rules of the policy pack, and the enforcement of NetworkPolicies by the cluster's CNI. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { awsEksCluster, eksCluster } from "./fixtures/policies/aws";
import { syntheticRun, violationsOf, rule } from "./fixtures/policies/record";
import { evaluatePolicies } from "../tools/plan/policy-eval";

describe("policy pack: EKS", () => {
  it("a cluster without secrets encryption is reported (component and aws:eks resource)", async () => {
    await reported("eks-secrets-encryption", () => eksCluster({ encryptionConfigKeyArn: undefined }));
    await reported("eks-secrets-encryption", () => awsEksCluster({ encryptionConfig: undefined }));
  });
  it("a cluster encrypting secrets with a KMS key passes, even while the key's ARN is unknown", async () => {
    await quiet("eks-secrets-encryption", () => eksCluster());
    await quiet("eks-secrets-encryption", () => awsEksCluster());
    const unknownKey = await violationsOf("eks-secrets-encryption", () => eksCluster(), {}, [
      "aws:kms/key:Key",
    ]);
    expect(unknownKey).to.deep.equal([]);
  });

  it("a cluster without audit logs is reported, naming what is missing", async () => {
    const msgs = await reported("eks-control-plane-logging", () =>
      eksCluster({ enabledClusterLogTypes: ["api"] }),
    );
    expect(msgs[0]).to.equal("enabledClusterLogTypes lacks audit, authenticator");
    await reported("eks-control-plane-logging", () => awsEksCluster({ enabledClusterLogTypes: [] }));
  });
  it("a cluster logging api, audit and authenticator passes", async () => {
    await quiet("eks-control-plane-logging", () => eksCluster());
    await quiet("eks-control-plane-logging", () => awsEksCluster());
  });

  it("a public endpoint without CIDRs (open to 0.0.0.0/0) or with 0.0.0.0/0 is reported", async () => {
    const msgs = await reported("eks-endpoint-not-open-to-internet", () =>
      eksCluster({ publicAccessCidrs: undefined }),
    );
    expect(msgs[0]).to.match(/0\.0\.0\.0\/0/);
    await reported("eks-endpoint-not-open-to-internet", () =>
      awsEksCluster({
        vpcConfig: { subnetIds: ["subnet-1"], endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
      }),
    );
  });
  it("a private endpoint, or one public to listed CIDRs, passes", async () => {
    await quiet("eks-endpoint-not-open-to-internet", () => eksCluster());
    await quiet("eks-endpoint-not-open-to-internet", () => awsEksCluster());
  });

  it("node launch templates without IMDSv2, and node groups without a template, are reported", async () => {
    await reported(
      "eks-nodes-imdsv2",
      () => new aws.ec2.LaunchTemplate("nodes", { metadataOptions: { httpTokens: "optional" } }),
    );
    await reported(
      "eks-nodes-imdsv2",
      () =>
        new aws.eks.NodeGroup("nodes", {
          clusterName: "c",
          nodeRoleArn: "arn:aws:iam::123456789012:role/node",
          subnetIds: ["subnet-1"],
          scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 },
        }),
    );
    await reported("eks-nodes-imdsv2", () => eksCluster({ skipDefaultNodeGroup: false }));
  });
  it("nodes launched from a template requiring IMDSv2 pass", () =>
    quiet("eks-nodes-imdsv2", () => {
      const lt = new aws.ec2.LaunchTemplate("nodes", {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" },
      });
      new aws.eks.NodeGroup("nodes", {
        clusterName: "c",
        nodeRoleArn: "arn:aws:iam::123456789012:role/node",
        subnetIds: ["subnet-1"],
        scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 },
        launchTemplate: { id: lt.id, version: pulumi.interpolate`${lt.latestVersion}` },
      });
      eksCluster({ skipDefaultNodeGroup: true });
    }));
});

describe("policy pack: EKS version (FSBP EKS.2)", () => {
  it("a cluster on a minor older than standard support is reported (component and aws:eks resource)", async () => {
    const msgs = await reported("eks-supported-kubernetes-version", () => eksCluster({ version: "1.29" }));
    expect(msgs[0]).to.match(/version 1\.29 is older than 1\.34/);
    await reported("eks-supported-kubernetes-version", () => awsEksCluster({ version: "1.33" }));
  });
  it("a cluster on a supported minor, or on EKS's newest (version unset), passes", async () => {
    await quiet("eks-supported-kubernetes-version", () => eksCluster({ version: "1.36" }));
    await quiet("eks-supported-kubernetes-version", () => awsEksCluster({ version: "1.34" }));
    await quiet("eks-supported-kubernetes-version", () => eksCluster());
  });
});

const VPC_CNI_ADDON = { clusterName: "datavis-dev", addonName: "vpc-cni" };

describe("policy pack: NetworkPolicies are enforced by the cluster's CNI (CIS 5.3.1; issue 13 item 3)", () => {
  it("an @pulumi/eks cluster on the VPC CNI add-on it makes, without enableNetworkPolicy, is reported", async () => {
    const msgs = await reported("k8s-network-policies-enforced", () => eksCluster());
    expect(msgs[0]).to.match(
      /does not enforce NetworkPolicies.*set vpcCniOptions\.enableNetworkPolicy: true/,
    );
    await reported("k8s-network-policies-enforced", () =>
      eksCluster({ vpcCniOptions: { enableNetworkPolicy: false } }),
    );
  });
  it("configurationValues turning the agent off wins over the option, as in pulumi-eks", () =>
    reported("k8s-network-policies-enforced", () =>
      eksCluster({
        vpcCniOptions: { enableNetworkPolicy: true, configurationValues: { enableNetworkPolicy: "false" } },
      }),
    ));
  it("a vpc-cni add-on managed by the program without the network policy agent is reported", async () => {
    await reported("k8s-network-policies-enforced", () => new aws.eks.Addon("vpc-cni", VPC_CNI_ADDON));
    await reported(
      "k8s-network-policies-enforced",
      () =>
        new aws.eks.Addon("vpc-cni", {
          ...VPC_CNI_ADDON,
          configurationValues: JSON.stringify({ enableNetworkPolicy: "false" }),
        }),
    );
  });
  it("a cluster asking for enforcement passes, by the option or by configurationValues", async () => {
    await quiet("k8s-network-policies-enforced", () =>
      eksCluster({ vpcCniOptions: { enableNetworkPolicy: true } }),
    );
    await quiet("k8s-network-policies-enforced", () =>
      eksCluster({ vpcCniOptions: { configurationValues: { enableNetworkPolicy: "true" } } }),
    );
  });
  it("a cluster on the default CNI with a program-managed vpc-cni add-on that enforces passes", () =>
    quiet("k8s-network-policies-enforced", () => {
      eksCluster({ useDefaultVpcCni: true });
      new aws.eks.Addon("vpc-cni", {
        ...VPC_CNI_ADDON,
        configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
      });
    }));
  it("the pulumi-eks VpcCniAddon component (as the engine sees it inside the cluster) is judged too", async () => {
    const run = (inputs: Record<string, unknown>) =>
      syntheticRun([{ type: "eks:index:VpcCniAddon", name: "cni", custom: false, remote: true, inputs }]);
    const r = [rule("k8s-network-policies-enforced")];
    expect(await evaluatePolicies(run({ clusterName: "c" }), r)).to.have.lengthOf(1);
    expect(await evaluatePolicies(run({ clusterName: "c", enableNetworkPolicy: true }), r)).to.deep.equal([]);
  });
});
