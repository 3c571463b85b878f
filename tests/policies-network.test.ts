/**
 * Network rules of the policy pack: security groups, load balancers, flow logs, subnets, the VPC's default
 * security group, network ACLs, transit gateways and VPNs. Each rule trips on a program that violates it
 * and stays quiet on one that complies; fixtures register real @pulumi/aws and @pulumi/eks resources under
 * the mock runtime. EC2 instances and volumes: tests/policies-ec2.test.ts.
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
  it("a rule whose CIDR is unknown in preview does not hide SSH open to the internet elsewhere", async () => {
    const v = await violationsOf(
      "ec2-no-world-ingress",
      () => {
        const vpc = new aws.ec2.Vpc("net", { cidrBlock: "10.0.0.0/16" });
        const nodes = new aws.ec2.SecurityGroup("nodes", { vpcId: vpc.id });
        new aws.ec2.SecurityGroupRule("nodes-from-vpc", {
          type: "ingress",
          securityGroupId: nodes.id,
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: [vpc.cidrBlock],
        });
        new aws.vpc.SecurityGroupIngressRule("nodes-ssh", {
          securityGroupId: nodes.id,
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: "0.0.0.0/0",
        });
      },
      {},
      ["aws:ec2/vpc:Vpc"],
    );
    expect(v.map((x) => [x.level, x.message])).to.deep.equal([
      ["mandatory", "nodes-ssh admits tcp 22 from 0.0.0.0/0"],
    ]);
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

describe("policy pack: the VPC's default security group (FSBP EC2.2)", () => {
  it("a default security group with rules, or a rule added to it, is reported", async () => {
    const msgs = await reported("ec2-default-security-group-closed", () => {
      const sg = new aws.ec2.DefaultSecurityGroup("default", {
        vpcId: "vpc-1",
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      });
      new aws.vpc.SecurityGroupIngressRule("default-ssh", {
        securityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: "10.0.0.0/8",
      });
    });
    expect(msgs).to.deep.equal([
      "default security group default has 1 rule(s)",
      "default-ssh adds a rule to the default security group",
    ]);
  });
  it("an adopted default security group without rules passes", () =>
    quiet(
      "ec2-default-security-group-closed",
      () => new aws.ec2.DefaultSecurityGroup("default", { vpcId: "vpc-1" }),
    ));
});

describe("policy pack: network ACLs, transit gateways and VPNs (FSBP EC2.21, EC2.23, EC2.51, EC2.171)", () => {
  it("an ACL allowing SSH or RDP from the internet is reported, inline or as a separate rule", async () => {
    const msgs = await reported("ec2-nacl-no-admin-port-ingress", () => {
      new aws.ec2.NetworkAcl("public", {
        vpcId: "vpc-1",
        ingress: [
          {
            ruleNo: 100,
            action: "allow",
            protocol: "tcp",
            fromPort: 0,
            toPort: 65535,
            cidrBlock: "0.0.0.0/0",
          },
        ],
      });
      new aws.ec2.NetworkAclRule("rdp", {
        networkAclId: "acl-1",
        ruleNumber: 110,
        egress: false,
        protocol: "tcp",
        ruleAction: "allow",
        fromPort: 3389,
        toPort: 3389,
        ipv6CidrBlock: "::/0",
      });
    });
    expect(msgs).to.deep.equal([
      "allows ingress from the internet to port 22 and 3389",
      "allows ingress from the internet to port 3389",
    ]);
  });
  it("HTTPS from the internet, SSH from the VPC and a deny rule pass", () =>
    quiet("ec2-nacl-no-admin-port-ingress", () => {
      new aws.ec2.NetworkAcl("public", {
        vpcId: "vpc-1",
        ingress: [
          {
            ruleNo: 100,
            action: "allow",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlock: "0.0.0.0/0",
          },
          {
            ruleNo: 110,
            action: "allow",
            protocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrBlock: "10.0.0.0/16",
          },
          { ruleNo: 120, action: "deny", protocol: "-1", fromPort: 0, toPort: 0, cidrBlock: "0.0.0.0/0" },
        ],
      });
    }));

  it("a transit gateway accepting shared attachments automatically is reported", () =>
    reported(
      "ec2-transit-gateway-no-auto-accept",
      () => new aws.ec2transitgateway.TransitGateway("tgw", { autoAcceptSharedAttachments: "enable" }),
    ));
  it("a transit gateway that asks for approval passes", () =>
    quiet(
      "ec2-transit-gateway-no-auto-accept",
      () => new aws.ec2transitgateway.TransitGateway("tgw", { autoAcceptSharedAttachments: "disable" }),
    ));

  const clientVpn = (enabled: boolean) =>
    new aws.ec2clientvpn.Endpoint("vpn", {
      serverCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/s",
      clientCidrBlock: "10.100.0.0/22",
      authenticationOptions: [
        {
          type: "certificate-authentication",
          rootCertificateChainArn: "arn:aws:acm:us-east-1:123456789012:certificate/c",
        },
      ],
      connectionLogOptions: enabled
        ? { enabled: true, cloudwatchLogGroup: "/datavis/vpn" }
        : { enabled: false },
    });
  it("a Client VPN endpoint or Site-to-Site VPN without logs is reported", async () => {
    await reported("ec2-vpn-logging", () => clientVpn(false));
    const msgs = await reported(
      "ec2-vpn-logging",
      () =>
        new aws.ec2.VpnConnection("site", {
          customerGatewayId: "cgw-1",
          transitGatewayId: "tgw-1",
          type: "ipsec.1",
          tunnel1LogOptions: {
            cloudwatchLogOptions: {
              logEnabled: true,
              logGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:vpn",
            },
          },
        }),
    );
    expect(msgs).to.deep.equal(["tunnel2LogOptions do not log to CloudWatch"]);
  });
  it("a Client VPN endpoint logging connections passes", () =>
    quiet("ec2-vpn-logging", () => clientVpn(true)));
});
