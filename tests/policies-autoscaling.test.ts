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

describe("policy pack: Auto Scaling", () => {
  it("a group launching from a launch configuration is reported; one from a launch template is not", async () => {
    const msgs = await reported("autoscaling-launch-template", () => {
      const lc = new aws.ec2.LaunchConfiguration("lc", {
        imageId: "ami-1",
        instanceType: "t4g.nano",
        metadataOptions: { httpTokens: "required" },
      });
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
      new aws.autoscaling.Group("modern", {
        minSize: 1,
        maxSize: 1,
        launchTemplate: { id: lt.id, version: "$Latest" },
        vpcZoneIdentifiers: ["subnet-1", "subnet-2"],
      });
    });
  });

  it("a launch configuration allowing IMDSv1 or a public IP is reported; a hardened one is not", async () => {
    const msgs = await reported("autoscaling-launch-configuration-hardened", () => {
      new aws.ec2.LaunchConfiguration("open", {
        imageId: "ami-1",
        instanceType: "t4g.nano",
        associatePublicIpAddress: true,
      });
      new aws.ec2.LaunchConfiguration("hops", {
        imageId: "ami-1",
        instanceType: "t4g.nano",
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
      });
    });
    expect(msgs).to.deep.equal([
      "metadataOptions.httpTokens is not 'required'",
      "associatePublicIpAddress is true",
      "metadataOptions.httpPutResponseHopLimit is 2: containers could reach IMDS",
    ]);
    await quiet("autoscaling-launch-configuration-hardened", () => {
      new aws.ec2.LaunchConfiguration("closed", {
        imageId: "ami-1",
        instanceType: "t4g.nano",
        metadataOptions: { httpTokens: "required" },
      });
    });
  });

  it("a group behind a target group with EC2 health checks is reported; with ELB health checks it is not", async () => {
    await reported("autoscaling-elb-health-check", () => {
      const lt = template();
      new aws.autoscaling.Group("web", {
        minSize: 1,
        maxSize: 2,
        launchTemplate: { id: lt.id },
        targetGroupArns: ["arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1"],
        healthCheckType: "EC2",
        vpcZoneIdentifiers: ["subnet-1", "subnet-2"],
      });
    });
    await quiet("autoscaling-elb-health-check", () => {
      const lt = template();
      new aws.autoscaling.Group("web", {
        minSize: 1,
        maxSize: 2,
        launchTemplate: { id: lt.id },
        targetGroupArns: ["arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1"],
        healthCheckType: "ELB",
        vpcZoneIdentifiers: ["subnet-1", "subnet-2"],
      });
    });
  });

  it("a group in one subnet is reported (advisory) unless it is a NAT instance's, pinned to its ENI's zone", async () => {
    const msgs = await reported("autoscaling-multi-az", () => {
      const lt = template();
      new aws.autoscaling.Group("one-zone", {
        minSize: 1,
        maxSize: 1,
        launchTemplate: { id: lt.id },
        vpcZoneIdentifiers: ["subnet-1"],
      });
    });
    expect(msgs).to.deep.equal(["launches into one subnet or zone only"]);
    await quiet("autoscaling-multi-az", () => {
      const lt = template();
      new aws.autoscaling.Group("nat", {
        minSize: 1,
        maxSize: 1,
        launchTemplate: { id: lt.id },
        vpcZoneIdentifiers: ["subnet-1"],
        tags: [{ key: "datavis:role", value: "nat", propagateAtLaunch: true }],
      });
      new aws.autoscaling.Group("spread", {
        minSize: 1,
        maxSize: 3,
        launchTemplate: { id: lt.id },
        vpcZoneIdentifiers: ["subnet-1", "subnet-2"],
      });
    });
  });
});
