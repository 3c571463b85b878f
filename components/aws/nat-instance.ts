/**
 * A NAT instance: the cheap alternative to a NAT gateway for a dev VPC (about $7 a month with its address
 * and disk instead of $36.50). One small instance in an Auto Scaling group of one, in one public subnet,
 * whose primary network interface is a fixed ENI created here: private route tables point at that ENI, so
 * they keep pointing at the NAT when the group replaces the instance (a replacement boots on the same
 * ENI, with the same private address and Elastic IP).
 *
 * Trade-off (docs/aws.md, "NAT instance"): one zone, one instance; while the group replaces it (a failed
 * health check, a retired host) the private subnets have no way out for a few minutes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceArch } from "./catalogue";
import { natUserData, type NatIngress } from "./nat-scripts";

export interface NatInstanceArgs {
  vpcId: pulumi.Input<string>;
  /** VPC range: the only source the NAT admits and forwards. */
  vpcCidr: string;
  /** Public subnet (routed to the internet gateway) the ENI and the instance live in. */
  subnetId: pulumi.Input<string>;
  /** EC2 type; the AMI follows its architecture. */
  instanceType: string;
  /** Name prefix of the AWS resources (tags). */
  namePrefix: string;
  /**
   * Also carry the cluster's ingress (`ingressMode: natInstance`): its Elastic IP takes the ports and
   * forwards them to a system node. Unset: a NAT and nothing else.
   */
  ingress?: NatIngress;
}

export const NAT_INSTANCE_DEFAULTS = {
  instanceType: "t4g.nano",
  /** The root volume of the Amazon Linux 2023 AMI (its snapshot is 8 GiB; smaller fails to launch). */
  rootGb: 8,
};

/** Tag the policy pack reads to allow forwarding (source/destination check off) on this ENI. */
export const NAT_ROLE_TAG = { "datavis:role": "nat" };

/**
 * Public SSM parameter AWS keeps pointing at the newest Amazon Linux 2023 AMI of an architecture (EC2 user
 * guide, "Query for the latest Amazon Linux AMI IDs using Systems Manager Parameter Store").
 */
export function al2023AmiParameter(instanceType: string): string {
  const arch = instanceArch(instanceType) === "arm64" ? "arm64" : "x86_64";
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

export class NatInstance extends pulumi.ComponentResource {
  /** The fixed ENI the private route tables send 0.0.0.0/0 to. */
  readonly networkInterfaceId: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  /** With `ingress`: the group of the ingress ports, which the system nodes admit those ports from. */
  readonly ingressSecurityGroupId?: pulumi.Output<string>;

  constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:NatInstance", name, {}, opts);
    const p = { parent: this };
    const tagged = (suffix: string) => ({ Name: `${args.namePrefix}-${suffix}`, ...NAT_ROLE_TAG });

    // In: anything from the VPC (what it forwards). Out: anything (the internet, through the IGW).
    const sg = new aws.ec2.SecurityGroup(
      name,
      {
        vpcId: args.vpcId,
        description: "NAT instance: forwards traffic from the VPC to the internet",
        ingress: [
          {
            description: "traffic to forward",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: [args.vpcCidr],
          },
        ],
        egress: [
          {
            description: "to the internet",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: tagged("nat"),
      },
      p,
    );
    // With ingress: the ports open to the internet, in a group of their own tagged as a load balancer's
    // (the policy pack admits TCP 80/443 from anywhere on such groups only).
    const ingressSg = args.ingress
      ? new aws.ec2.SecurityGroup(
          `${name}-ingress`,
          {
            vpcId: args.vpcId,
            description: "NAT instance as the ingress: the ports it forwards to the cluster",
            ingress: args.ingress.ports.map((port) => ({
              description: `ingress ${port}`,
              protocol: "tcp",
              fromPort: port,
              toPort: port,
              cidrBlocks: ["0.0.0.0/0"],
            })),
            tags: { Name: `${args.namePrefix}-nat-ingress`, "datavis:role": "load-balancer" },
          },
          p,
        )
      : undefined;
    // The ENI outlives every instance: created here, attached by the launch template, never deleted with
    // an instance. Source/destination check off: it sends and receives other hosts' packets.
    const eni = new aws.ec2.NetworkInterface(
      name,
      {
        subnetId: args.subnetId,
        securityGroups: ingressSg ? [sg.id, ingressSg.id] : [sg.id],
        sourceDestCheck: false,
        description: "NAT instance primary interface (fixed across instance replacement)",
        tags: tagged("nat"),
      },
      p,
    );
    const eip = new aws.ec2.Eip(name, { domain: "vpc", networkInterface: eni.id, tags: tagged("nat") }, p);

    // No SSH key: operators reach the instance with Session Manager (aws ssm start-session).
    const role = new aws.iam.Role(
      name,
      {
        description: `${args.namePrefix} NAT instance (Session Manager only)`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      p,
    );
    new aws.iam.RolePolicyAttachment(
      name,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      p,
    );
    // With ingress: the target script finds the system nodes (DescribeInstances has no resource scope).
    if (args.ingress)
      new aws.iam.RolePolicy(
        `${name}-ingress`,
        {
          role: role.name,
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" }],
          }),
        },
        p,
      );
    const profile = new aws.iam.InstanceProfile(name, { role: role.name }, p);

    // Resolved when `pulumi up` runs: a newer AMI shows in the preview as a new launch template version,
    // which the next instance boots (docs/aws.md says how to roll it at once).
    const ami = aws.ssm.getParameterOutput({ name: al2023AmiParameter(args.instanceType) }, p).value;
    const template = new aws.ec2.LaunchTemplate(
      name,
      {
        description: `${args.namePrefix} NAT instance`,
        imageId: ami,
        instanceType: args.instanceType,
        iamInstanceProfile: { arn: profile.arn },
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        // The fixed ENI as the primary interface; security groups live on it (a template that names an
        // interface may not name groups too).
        networkInterfaces: [{ deviceIndex: 0, networkInterfaceId: eni.id, deleteOnTermination: "false" }],
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: NAT_INSTANCE_DEFAULTS.rootGb,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        userData: Buffer.from(natUserData(args.vpcCidr, args.ingress)).toString("base64"),
        tagSpecifications: [
          { resourceType: "instance", tags: tagged("nat") },
          { resourceType: "volume", tags: tagged("nat") },
        ],
        tags: tagged("nat"),
        updateDefaultVersion: true,
      },
      p,
    );
    // One instance, in the ENI's subnet (an ENI cannot leave its zone). The group replaces an instance
    // that fails its EC2 status checks: it terminates the old one first, which frees the ENI for the next.
    new aws.autoscaling.Group(
      name,
      {
        minSize: 1,
        maxSize: 1,
        desiredCapacity: 1,
        vpcZoneIdentifiers: [args.subnetId],
        launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
        healthCheckType: "EC2",
        healthCheckGracePeriod: 120,
        tags: Object.entries(tagged("nat")).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      { parent: this, dependsOn: [eip] },
    );

    this.networkInterfaceId = eni.id;
    this.publicIp = eip.publicIp;
    this.ingressSecurityGroupId = ingressSg?.id;
    this.registerOutputs({
      networkInterfaceId: this.networkInterfaceId,
      publicIp: this.publicIp,
      ingressSecurityGroupId: this.ingressSecurityGroupId,
    });
  }
}
