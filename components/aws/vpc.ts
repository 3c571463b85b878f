/**
 * Network: one VPC across 2-3 availability zones with public (load balancers, NAT), private (nodes and
 * pods) and database (RDS only, no route out) subnets; NAT gateways (one, or one per AZ) or one NAT
 * instance (./nat-instance.ts); an S3 gateway endpoint so bucket traffic skips NAT; VPC flow logs to
 * CloudWatch (./flow-logs.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EKS_UNSUPPORTED_ZONE_IDS } from "./catalogue";
import { planSubnets } from "./cidr";
import { vpcFlowLogs } from "./flow-logs";
import { NAT_INSTANCE_DEFAULTS, NatInstance } from "./nat-instance";
import type { NatIngress } from "./nat-scripts";

export interface VpcArgs {
  /** VPC range, /16 to /20 (checked by planSubnets). */
  cidr: string;
  /** Availability zones to spread over (2 or 3). */
  azCount: 2 | 3;
  /** `single`: one NAT gateway in the first AZ (cheap; that AZ's outage cuts egress). `perAz`: one per AZ. */
  natGateways: "single" | "perAz";
  /**
   * `gateway`: NAT gateways as `natGateways` says. `instance`: one NAT instance in the first public subnet
   * for every zone (about $7 a month instead of $36.50; one zone, minutes of outage on replacement).
   */
  natMode?: "gateway" | "instance";
  /** EC2 type of the NAT instance (`natMode: instance`). */
  natInstanceType?: string;
  /** With `natMode: instance`: let the NAT instance carry the cluster's ingress too (nat-scripts.ts). */
  natIngress?: NatIngress;
  /** Days VPC flow logs stay in CloudWatch. */
  flowLogRetentionDays: number;
  /** Cluster name, for the subnet tags EKS and its load balancers look for. */
  clusterName: string;
  /** Keep the flow log group if the stack is destroyed (prod). */
  protect: boolean;
}

export const VPC_DEFAULTS: Pick<VpcArgs, "cidr" | "azCount" | "natGateways" | "flowLogRetentionDays"> = {
  cidr: "10.0.0.0/16",
  azCount: 3,
  natGateways: "single",
  flowLogRetentionDays: 30,
};

export class Vpc extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly databaseSubnetIds: pulumi.Output<string>[];
  readonly natGatewayCount: number;
  /** With `natIngress`: the NAT instance's Elastic IP, where the ingress is reached. */
  readonly ingressAddress?: pulumi.Output<string>;
  /** With `natIngress`: the group of the forwarded ports, which the system nodes admit them from. */
  readonly ingressSecurityGroupId?: pulumi.Output<string>;

  constructor(name: string, args: VpcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:Vpc", name, {}, opts);
    const plan = planSubnets(args.cidr, args.azCount);
    if (typeof plan === "string") throw new Error(`vpc ${name}: ${plan}`);
    const p = { parent: this };

    // Zones by ID, not by name: a name maps to a different physical zone in every account, and some zone
    // IDs cannot host an EKS control plane. Local Zones and Wavelength zones are left out.
    const zoneIds = aws.getAvailabilityZonesOutput(
      {
        state: "available",
        excludeZoneIds: EKS_UNSUPPORTED_ZONE_IDS,
        filters: [{ name: "zone-type", values: ["availability-zone"] }],
      },
      p,
    ).zoneIds;
    const az = (i: number) =>
      zoneIds.apply((ids) => {
        if (ids.length < args.azCount)
          throw new Error(
            `vpc ${name}: the region offers ${ids.length} EKS-capable zones, azCount asks ${args.azCount}`,
          );
        return ids[i];
      });

    const vpc = new aws.ec2.Vpc(
      name,
      {
        cidrBlock: args.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: name },
      },
      p,
    );
    // The default security group of a VPC admits everything from itself; strip its rules so nothing
    // that forgets to name a security group is silently open.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg-locked`,
      { vpcId: vpc.id, tags: { Name: `${name}-default-unused` } },
      p,
    );

    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: `${name}-igw` } },
      p,
    );
    const publicRt = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: { Name: `${name}-public` },
      },
      p,
    );

    const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;
    const publicSubnets = plan.public.map(
      (cidr, i) =>
        new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZoneId: az(i),
            // Nothing launched here gets a public address by default: only NAT gateways (with EIPs) and
            // load balancers live in these subnets.
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1", [clusterTag]: "shared" },
          },
          p,
        ),
    );
    publicSubnets.forEach(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-${i}`,
          { subnetId: s.id, routeTableId: publicRt.id },
          p,
        ),
    );

    const natInstance =
      args.natMode === "instance"
        ? new NatInstance(
            `${name}-nat`,
            {
              vpcId: vpc.id,
              vpcCidr: args.cidr,
              subnetId: publicSubnets[0].id,
              instanceType: args.natInstanceType ?? NAT_INSTANCE_DEFAULTS.instanceType,
              namePrefix: name,
              ingress: args.natIngress,
            },
            { parent: this, dependsOn: [igw] },
          )
        : undefined;
    if (natInstance && args.natIngress) {
      this.ingressAddress = natInstance.publicIp;
      this.ingressSecurityGroupId = natInstance.ingressSecurityGroupId;
    }
    this.natGatewayCount = natInstance ? 0 : args.natGateways === "perAz" ? args.azCount : 1;
    const nats = Array.from({ length: this.natGatewayCount }, (_, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: "vpc", tags: { Name: `${name}-nat-${i}` } },
        p,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: { Name: `${name}-nat-${i}` } },
        { parent: this, dependsOn: [igw] },
      );
    });

    const privateRts = plan.private.map(
      (_, i) =>
        new aws.ec2.RouteTable(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            routes: [
              natInstance
                ? { cidrBlock: "0.0.0.0/0", networkInterfaceId: natInstance.networkInterfaceId }
                : { cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id },
            ],
            tags: { Name: `${name}-private-${i}` },
          },
          p,
        ),
    );
    const privateSubnets = plan.private.map(
      (cidr, i) =>
        new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZoneId: az(i),
            mapPublicIpOnLaunch: false,
            tags: {
              Name: `${name}-private-${i}`,
              "kubernetes.io/role/internal-elb": "1",
              [clusterTag]: "shared",
            },
          },
          p,
        ),
    );
    privateSubnets.forEach(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-private-${i}`,
          { subnetId: s.id, routeTableId: privateRts[i].id },
          p,
        ),
    );

    // Database subnets: a route table with only the local route (no internet, no NAT).
    const databaseRt = new aws.ec2.RouteTable(
      `${name}-database`,
      { vpcId: vpc.id, tags: { Name: `${name}-database` } },
      p,
    );
    const databaseSubnets = plan.database.map(
      (cidr, i) =>
        new aws.ec2.Subnet(
          `${name}-database-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZoneId: az(i),
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-database-${i}` },
          },
          p,
        ),
    );
    databaseSubnets.forEach(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-database-${i}`,
          { subnetId: s.id, routeTableId: databaseRt.id },
          p,
        ),
    );

    // S3 traffic (notebooks, datasets, Spark) goes through a free gateway endpoint instead of paid NAT.
    const region = aws.getRegionOutput({}, p).region;
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRts.map((rt) => rt.id),
        tags: { Name: `${name}-s3` },
      },
      p,
    );

    // Flow logs: every accepted and rejected connection, for incident response (./flow-logs.ts).
    vpcFlowLogs(this, name, {
      vpcId: vpc.id,
      clusterName: args.clusterName,
      flowLogRetentionDays: args.flowLogRetentionDays,
      protect: args.protect,
    });

    this.vpcId = vpc.id;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.databaseSubnetIds = databaseSubnets.map((s) => s.id);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      databaseSubnetIds: this.databaseSubnetIds,
    });
  }
}
