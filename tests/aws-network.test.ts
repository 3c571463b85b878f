import { expect } from "chai";
import { ofType, one, runStack } from "./harness";

/** One extra evaluation shared by the AWS tests: two AZs and no public API endpoint. */
const SMALL_PRIVATE = { azCount: "2", apiAllowedCidrs: "[]" };

const NAT = "aws:ec2/natGateway:NatGateway";
const SUBNET = "aws:ec2/subnet:Subnet";

function subnetsByTier(run: Awaited<ReturnType<typeof runStack>>): Record<string, string[]> {
  const tiers: Record<string, string[]> = { public: [], private: [], database: [] };
  for (const s of ofType(run, SUBNET)) tiers[s.name.split("-")[1]].push(s.inputs.cidrBlock);
  return tiers;
}

describe("aws network (dev)", () => {
  it("natMode gateway with natGateways single: one NAT gateway shared by every private route table", async () => {
    const run = await runStack("dev", { natMode: "gateway" });
    expect(ofType(run, NAT)).to.have.lengthOf(1);
    const routes = ofType(run, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("-private-"));
    expect(routes).to.have.lengthOf(3);
    const natIds = new Set(routes.map((r) => r.inputs.routes[0].natGatewayId));
    expect(natIds.size).to.equal(1);
  });

  it("the VPC spans three AZs with public, private and database subnets that do not overlap", async () => {
    const tiers = subnetsByTier(await runStack("dev"));
    expect(tiers.public).to.have.lengthOf(3);
    expect(tiers.private).to.have.lengthOf(3);
    expect(tiers.database).to.have.lengthOf(3);
    const all = [...tiers.public, ...tiers.private, ...tiers.database];
    expect(new Set(all).size).to.equal(9);
    expect(tiers.private[0]).to.equal("10.0.0.0/18");
  });

  it("azCount 2 lays out two subnets per tier", async () => {
    const tiers = subnetsByTier(await runStack("dev", SMALL_PRIVATE));
    expect(tiers.public).to.have.lengthOf(2);
    expect(tiers.private).to.have.lengthOf(2);
    expect(tiers.database).to.have.lengthOf(2);
  });

  it("database subnets have no route out of the VPC", async () => {
    const run = await runStack("dev");
    const rt = one(run, "aws:ec2/routeTable:RouteTable", "network-database");
    expect(rt.inputs.routes ?? []).to.be.empty;
    const assoc = ofType(run, "aws:ec2/routeTableAssociation:RouteTableAssociation").filter((a) =>
      a.name.includes("-database-"),
    );
    expect(assoc).to.have.lengthOf(3);
  });

  it("no subnet hands out public IP addresses to what it launches", async () => {
    const run = await runStack("dev");
    for (const s of ofType(run, SUBNET)) expect(s.inputs.mapPublicIpOnLaunch, s.name).to.equal(false);
  });

  it("S3 traffic skips the NAT through a gateway endpoint on the private route tables", async () => {
    const run = await runStack("dev");
    const ep = one(run, "aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(ep.inputs.vpcEndpointType).to.equal("Gateway");
    expect(ep.inputs.serviceName).to.equal("com.amazonaws.us-east-1.s3");
    expect(ep.inputs.routeTableIds).to.have.lengthOf(3);
  });

  it("flow logs record all traffic into a log group kept for flowLogRetentionDays", async () => {
    const run = await runStack("dev");
    const fl = one(run, "aws:ec2/flowLog:FlowLog");
    expect(fl.inputs.trafficType).to.equal("ALL");
    const group = one(run, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs");
    expect(group.inputs.retentionInDays).to.equal(30);
    expect(fl.inputs.logDestination).to.contain("vpc-flow-logs");
  });

  it("the default security group is stripped of its allow-all rules", async () => {
    const run = await runStack("dev");
    const sg = one(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(sg.inputs.ingress ?? []).to.be.empty;
    expect(sg.inputs.egress ?? []).to.be.empty;
  });
});

describe("aws network (prod)", () => {
  it("prod has one NAT gateway per AZ and each private subnet routes through its own", async () => {
    const run = await runStack("prod");
    expect(ofType(run, NAT)).to.have.lengthOf(3);
    const routes = ofType(run, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("-private-"));
    expect(new Set(routes.map((r) => r.inputs.routes[0].natGatewayId)).size).to.equal(3);
  });

  it("prod keeps its flow logs when the stack is destroyed", async () => {
    const run = await runStack("prod");
    const group = one(run, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs");
    expect(group.protect).to.equal(true);
  });
});
