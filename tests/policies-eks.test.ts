/**
 * EKS rules of the policy pack, and the enforcement of NetworkPolicies by the cluster's CNI. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import {
  awsEksCluster,
  compliantBucket,
  eksCluster,
  IRSA_TRUST,
  postgres,
  TLS_ONLY,
} from "./fixtures/policies/aws";
import { violationsOf } from "./fixtures/policies/record";

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
