/**
 * EC2 rules of the policy pack: encrypted volumes, no public IPs on instances, templates and node groups,
 * no traffic forwarding but by the NAT instance. Each rule trips on a program that violates it and stays
 * quiet on one that complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock
 * runtime.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { eksCluster } from "./fixtures/policies/aws";
import { rule, syntheticRun } from "./fixtures/policies/record";
import { evaluatePolicies } from "../tools/plan/policy-eval";

describe("policy pack: EC2 instances and volumes (FSBP EC2.3, EC2.7, EC2.9, EC2.25, EC2.173, EC2.180, EC2.181)", () => {
  it("unencrypted volumes are reported: volume, launch template, instance, Spot Fleet, StorageClass, account default", async () => {
    const msgs = await reported("ec2-ebs-encrypted", () => {
      new aws.ebs.Volume("data", { availabilityZone: "us-east-1a", size: 10 });
      new aws.ec2.LaunchTemplate("nodes", {
        metadataOptions: { httpTokens: "required" },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 20, volumeType: "gp3" } }],
      });
      new aws.ec2.Instance("bastion", {
        ami: "ami-1",
        instanceType: "t4g.nano",
        rootBlockDevice: { volumeSize: 8 },
      });
      new aws.ec2.SpotFleetRequest("fleet", {
        iamFleetRole: "arn:aws:iam::123456789012:role/fleet",
        targetCapacity: 1,
        launchSpecifications: [
          {
            ami: "ami-1",
            instanceType: "m7g.large",
            rootBlockDevices: [{ volumeSize: 20, encrypted: false }],
          },
        ],
      });
      new k8s.storage.v1.StorageClass("gp3", { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } });
      new aws.ebs.EncryptionByDefault("account", { enabled: false });
    });
    expect(msgs).to.have.lengthOf(6);
    expect(msgs.join("\n"))
      .to.match(/block device \/dev\/xvda is not encrypted/)
      .and.match(/makes unencrypted EBS volumes/);
  });
  it("encrypted volumes everywhere pass", () =>
    quiet("ec2-ebs-encrypted", () => {
      new aws.ebs.Volume("data", { availabilityZone: "us-east-1a", size: 10, encrypted: true });
      new aws.ec2.LaunchTemplate("nodes", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 20, encrypted: "true" } }],
      });
      new aws.ec2.Instance("bastion", {
        ami: "ami-1",
        instanceType: "t4g.nano",
        rootBlockDevice: { encrypted: true },
      });
      new k8s.storage.v1.StorageClass("gp3", {
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
      });
      new aws.ebs.EncryptionByDefault("account", { enabled: true });
    }));

  it("public IPs on an instance, a launch template's interface or a pulumi-eks node group are reported", async () => {
    const msgs = await reported("ec2-no-public-ip", () => {
      new aws.ec2.Instance("bastion", {
        ami: "ami-1",
        instanceType: "t4g.nano",
        associatePublicIpAddress: true,
      });
      new aws.ec2.LaunchTemplate("nodes", { networkInterfaces: [{ associatePublicIpAddress: "true" }] });
    });
    expect(msgs).to.have.members([
      "associatePublicIpAddress is true",
      "networkInterfaces[0] assigns a public IP",
    ]);
    const run = (inputs: Record<string, unknown>) =>
      syntheticRun([{ type: "eks:index:NodeGroupV2", name: "ng", custom: false, remote: true, inputs }]);
    const r = [rule("ec2-no-public-ip")];
    expect((await evaluatePolicies(run({ cluster: "c" }), r)).map((v) => v.message)).to.deep.equal([
      "nodeAssociatePublicIpAddress is not false (pulumi-eks defaults it to true)",
    ]);
    expect(
      await evaluatePolicies(run({ cluster: "c", nodeAssociatePublicIpAddress: false }), r),
    ).to.deep.equal([]);
  });
  it("private instances, templates and an eks cluster without its default node group pass", () =>
    quiet("ec2-no-public-ip", () => {
      new aws.ec2.Instance("worker", {
        ami: "ami-1",
        instanceType: "t4g.nano",
        associatePublicIpAddress: false,
      });
      new aws.ec2.LaunchTemplate("nodes", { networkInterfaces: [{ associatePublicIpAddress: "false" }] });
      eksCluster();
    }));

  it("an interface or instance that forwards traffic is reported unless it is a NAT instance", () =>
    reported(
      "ec2-source-dest-check",
      () => new aws.ec2.NetworkInterface("eni", { subnetId: "subnet-1", sourceDestCheck: false }),
    ));
  it("a NAT instance tagged datavis:role=nat may forward; other instances keep the check", () =>
    quiet("ec2-source-dest-check", () => {
      new aws.ec2.Instance("nat", {
        ami: "ami-1",
        instanceType: "t4g.nano",
        sourceDestCheck: false,
        tags: { "datavis:role": "nat" },
      });
      new aws.ec2.Instance("worker", { ami: "ami-1", instanceType: "t4g.nano" });
    }));
});
