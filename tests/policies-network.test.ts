/**
 * Network and EC2 rules of the policy pack. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { violationsOf } from "./fixtures/policies/record";

describe("policy pack: network", () => {
  it("SSH from the internet is reported, inline or as a separate rule", async () => {
    const msgs = await reported("ec2-no-world-ingress", () => {
      new aws.ec2.SecurityGroup("nodes", {
        vpcId: "vpc-1",
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
      });
      const db = new aws.ec2.SecurityGroup("db", { vpcId: "vpc-1" });
      new aws.vpc.SecurityGroupIngressRule("db-pg", {
        securityGroupId: db.id,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv6: "::/0",
      });
      new aws.ec2.SecurityGroupRule("db-all", {
        type: "ingress",
        securityGroupId: db.id,
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      });
    });
    expect(msgs).to.have.lengthOf(3);
    expect(msgs[0]).to.equal("nodes admits tcp 22 from 0.0.0.0/0");
  });
  it("a load balancer may open only TCP 80/443 to the internet", async () => {
    const msgs = await reported("ec2-no-world-ingress", () => {
      new aws.ec2.SecurityGroup("lb", {
        vpcId: "vpc-1",
        tags: { "datavis:role": "load-balancer" },
        ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }],
      });
    });
    expect(msgs[0]).to.match(/load balancers may only open TCP 80\/443/);
  });
  it("HTTPS on a load balancer and private-range ingress elsewhere pass", () =>
    quiet("ec2-no-world-ingress", () => {
      const lb = new aws.ec2.SecurityGroup("lb", {
        vpcId: "vpc-1",
        tags: { "datavis:role": "load-balancer" },
        ingress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
          { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        ],
      });
      new aws.vpc.SecurityGroupIngressRule("lb-https6", {
        securityGroupId: lb.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv6: "::/0",
      });
      new aws.ec2.SecurityGroup("db", {
        vpcId: "vpc-1",
        ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }],
      });
    }));

  it("a VPC without a flow log is reported", () =>
    reported("vpc-flow-logs-enabled", () => new aws.ec2.Vpc("net", { cidrBlock: "10.0.0.0/16" })));
  it("a VPC with a flow log passes", () =>
    quiet("vpc-flow-logs-enabled", () => {
      const vpc = new aws.ec2.Vpc("net", { cidrBlock: "10.0.0.0/16" });
      new aws.ec2.FlowLog("net", {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: "arn:aws:logs:us-east-1:123456789012:log-group:flow",
        iamRoleArn: "arn:aws:iam::123456789012:role/flow",
      });
    }));

  it("a subnet that hands out public IPs is reported (advisory)", async () => {
    const v = await violationsOf(
      "ec2-subnet-no-auto-public-ip",
      () =>
        new aws.ec2.Subnet("public", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24", mapPublicIpOnLaunch: true }),
    );
    expect(v.map((x) => [x.level, x.message])).to.deep.equal([["advisory", "mapPublicIpOnLaunch is true"]]);
  });
  it("a subnet without automatic public IPs passes", () =>
    quiet(
      "ec2-subnet-no-auto-public-ip",
      () => new aws.ec2.Subnet("public", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" }),
    ));
});
