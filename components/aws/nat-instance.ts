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

/**
 * Boot script: forward IPv4, masquerade what the VPC sends out of the primary interface, forward only
 * traffic from the VPC and the replies to it. iptables-services keeps the rules across reboots; its default
 * rule set rejects forwarding, so the FORWARD chain is replaced after it starts (the sequence of the VPC
 * user guide's "Create a NAT AMI" for Amazon Linux 2023).
 */
export function natUserData(vpcCidr: string): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-datavis-nat.conf",
    "sysctl --system",
    "dnf install -y iptables-services",
    "systemctl enable --now iptables",
    "iface=$(ip -o route show default | awk '{print $5; exit}')",
    `iptables -t nat -A POSTROUTING -o "$iface" -s ${vpcCidr} -j MASQUERADE`,
    "iptables -F FORWARD",
    `iptables -A FORWARD -s ${vpcCidr} -j ACCEPT`,
    `iptables -A FORWARD -d ${vpcCidr} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    "iptables -A FORWARD -j DROP",
    "iptables-save > /etc/sysconfig/iptables",
    "",
  ].join("\n");
}

export class NatInstance extends pulumi.ComponentResource {
  /** The fixed ENI the private route tables send 0.0.0.0/0 to. */
  readonly networkInterfaceId: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;

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
    // The ENI outlives every instance: created here, attached by the launch template, never deleted with
    // an instance. Source/destination check off: it sends and receives other hosts' packets.
    const eni = new aws.ec2.NetworkInterface(
      name,
      {
        subnetId: args.subnetId,
        securityGroups: [sg.id],
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
        userData: Buffer.from(natUserData(args.vpcCidr)).toString("base64"),
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
    this.registerOutputs({ networkInterfaceId: this.networkInterfaceId, publicIp: this.publicIp });
  }
}
