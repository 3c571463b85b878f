/**
 * Auto Scaling rules of the policy pack (the NAT instance's group, and groups a fork adds). Each rule trips
 * on a program that violates it and stays quiet on one that complies; fixtures register real @pulumi/aws
 * resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";

const template = () =>
  new aws.ec2.LaunchTemplate("lt", {
    imageId: "ami-1",
    instanceType: "t4g.nano",
    metadataOptions: { httpTokens: "required" },
  });

/** A launch configuration of the fixtures' image and size; `args` holds what the case is about. */
const launchConfig = (name: string, args: Partial<aws.ec2.LaunchConfigurationArgs>) =>
  new aws.ec2.LaunchConfiguration(name, { imageId: "ami-1", instanceType: "t4g.nano", ...args });

/** One instance launching from `lt` into two subnets; `args` holds what the case is about. */
const group = (name: string, lt: aws.ec2.LaunchTemplate, args: Partial<aws.autoscaling.GroupArgs> = {}) =>
  new aws.autoscaling.Group(name, {
    minSize: 1,
    maxSize: 1,
    launchTemplate: { id: lt.id },
    vpcZoneIdentifiers: ["subnet-1", "subnet-2"],
    ...args,
  });

/** A group behind a target group, with the given health check type. */
const behindTargetGroup = (healthCheckType: string) => () => {
  group("web", template(), {
    maxSize: 2,
    targetGroupArns: ["arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1"],
    healthCheckType,
  });
};

describe("policy pack: Auto Scaling", () => {
  it("a group launching from a launch configuration is reported; one from a launch template is not", async () => {
    const msgs = await reported("autoscaling-launch-template", () => {
      const lc = launchConfig("lc", { metadataOptions: { httpTokens: "required" } });
      new aws.autoscaling.Group("legacy", {
        minSize: 1,
        maxSize: 1,
        launchConfiguration: lc.name,
        vpcZoneIdentifiers: ["subnet-1", "subnet-2"],
      });
    });
    expect(msgs).to.deep.equal(["launches from a launch configuration"]);
    await quiet("autoscaling-launch-template", () => {
      const lt = template();
      group("modern", lt, { launchTemplate: { id: lt.id, version: "$Latest" } });
    });
  });

  it("a launch configuration allowing IMDSv1 or a public IP is reported; a hardened one is not", async () => {
    const msgs = await reported("autoscaling-launch-configuration-hardened", () => {
      launchConfig("open", { associatePublicIpAddress: true });
      launchConfig("hops", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } });
    });
    expect(msgs).to.deep.equal([
      "metadataOptions.httpTokens is not 'required'",
      "associatePublicIpAddress is true",
      "metadataOptions.httpPutResponseHopLimit is 2: containers could reach IMDS",
    ]);
    await quiet("autoscaling-launch-configuration-hardened", () => {
      launchConfig("closed", { metadataOptions: { httpTokens: "required" } });
    });
  });

  it("a group behind a target group with EC2 health checks is reported; with ELB health checks it is not", async () => {
    await reported("autoscaling-elb-health-check", behindTargetGroup("EC2"));
    await quiet("autoscaling-elb-health-check", behindTargetGroup("ELB"));
  });

  it("a group in one subnet is reported (advisory) unless it is a NAT instance's, pinned to its ENI's zone", async () => {
    const msgs = await reported("autoscaling-multi-az", () => {
      group("one-zone", template(), { vpcZoneIdentifiers: ["subnet-1"] });
    });
    expect(msgs).to.deep.equal(["launches into one subnet or zone only"]);
    await quiet("autoscaling-multi-az", () => {
      const lt = template();
      group("nat", lt, {
        vpcZoneIdentifiers: ["subnet-1"],
        tags: [{ key: "datavis:role", value: "nat", propagateAtLaunch: true }],
      });
      group("spread", lt, { maxSize: 3 });
    });
  });
});
