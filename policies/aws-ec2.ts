/**
 * EC2 instance rules: encrypted EBS volumes (volumes, launch templates, instances, Spot requests, the
 * account default, and the EBS CSI StorageClasses that make pod volumes), no public IPs on instances
 * and node groups, and source/destination checking.
 */
import { asArray, fsbp, get, known, resourcePolicy, type Rule } from "./lib";

const EBS_CSI_PROVISIONERS = new Set(["ebs.csi.aws.com", "kubernetes.io/aws-ebs"]);

/** Block devices of an instance-like spec (`rootBlockDevice`, `ebsBlockDevices` and the plural forms). */
function unencryptedDevices(spec: any): string[] {
  const devices = [
    ...asArray(spec?.rootBlockDevice).map((d: any) => ({ d, name: "root volume" })),
    ...asArray(spec?.rootBlockDevices).map((d: any) => ({ d, name: "root volume" })),
    ...asArray(spec?.ebsBlockDevices).map((d: any) => ({ d, name: `volume ${d?.deviceName ?? "?"}` })),
  ];
  const out = devices.filter(({ d }) => d?.encrypted !== true).map(({ name }) => name);
  if (!spec?.rootBlockDevice && !spec?.rootBlockDevices) out.unshift("root volume (not declared)");
  return out;
}

const ebsEncrypted = resourcePolicy({
  name: "ec2-ebs-encrypted",
  description:
    "Every EBS volume is encrypted at rest: volumes, the block devices of launch templates, instances and Spot requests, the gp3 StorageClasses that make notebook home volumes, and the account's encryption by default is not turned off. An unencrypted volume cannot be encrypted in place later.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "EC2.3",
    "Attached EBS volumes should be encrypted at rest (and EC2.7 default encryption, EC2.173 Spot Fleet, EC2.181 launch templates)",
  ),
  validateResource: (args, report) => {
    const p = args.props;
    switch (args.type) {
      case "aws:ebs/volume:Volume":
        if (p.encrypted !== true) report("encrypted is not true");
        return;
      case "aws:ebs/encryptionByDefault:EncryptionByDefault":
        if (p.enabled === false) report("EBS encryption by default is turned off");
        return;
      case "aws:ec2/launchTemplate:LaunchTemplate":
        for (const m of asArray(p.blockDeviceMappings as any[])) {
          // Launch templates take the flag as a string ("true").
          if (m?.ebs && String(m.ebs.encrypted) !== "true")
            report(`block device ${m.deviceName ?? "?"} is not encrypted`);
        }
        return;
      case "aws:ec2/instance:Instance":
      case "aws:ec2/spotInstanceRequest:SpotInstanceRequest":
        for (const d of unencryptedDevices(p)) report(`${d} is not encrypted`);
        return;
      case "aws:ec2/spotFleetRequest:SpotFleetRequest":
        asArray(p.launchSpecifications as any[]).forEach((spec, i) => {
          for (const d of unencryptedDevices(spec))
            report(`launchSpecifications[${i}] ${d} is not encrypted`);
        });
        return;
      case "kubernetes:storage.k8s.io/v1:StorageClass":
        if (
          EBS_CSI_PROVISIONERS.has(String(p.provisioner)) &&
          String(get(p.parameters, "encrypted")) !== "true"
        )
          report(
            `StorageClass ${get(p.metadata, "name") ?? args.name} makes unencrypted EBS volumes (parameters.encrypted is not "true")`,
          );
        return;
    }
  },
});

const NODE_GROUP_COMPONENTS = new Set(["eks:index:NodeGroup", "eks:index:NodeGroupV2"]);

const noPublicIp = resourcePolicy({
  name: "ec2-no-public-ip",
  description:
    "Instances and nodes get no public IPv4 address: not by associatePublicIpAddress on an instance or a launch template's network interface, and not by @pulumi/eks self-managed node groups, which give nodes public IPs unless nodeAssociatePublicIpAddress is false. Nodes reach the internet through the NAT gateway.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.9",
    "EC2 instances should not have a public IPv4 address (and EC2.25 launch templates should not assign public IPs)",
  ),
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === "aws:ec2/instance:Instance") {
      if (p.associatePublicIpAddress === true) report("associatePublicIpAddress is true");
    } else if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
      asArray(p.networkInterfaces as any[]).forEach((n, i) => {
        if (String(n?.associatePublicIpAddress) === "true")
          report(`networkInterfaces[${i}] assigns a public IP`);
      });
    } else if (NODE_GROUP_COMPONENTS.has(args.type)) {
      // pulumi-eks 4.3.0 nodejs/eks/nodes/nodegroup.ts:786 and :1267 default it to true.
      if (p.nodeAssociatePublicIpAddress !== false)
        report("nodeAssociatePublicIpAddress is not false (pulumi-eks defaults it to true)");
    } else if (args.type === "eks:index:Cluster") {
      if (
        p.skipDefaultNodeGroup !== true &&
        p.fargate === undefined &&
        p.nodeAssociatePublicIpAddress !== false
      )
        report(
          "the default node group gets public IPs: set nodeAssociatePublicIpAddress false or skipDefaultNodeGroup",
        );
    }
  },
});

/** Instances allowed to forward traffic (a NAT instance): tagged `datavis:role=nat`. */
function isNat(props: any): boolean {
  return (
    get(
      known(() => props.tags),
      "datavis:role",
    ) === "nat"
  );
}

const sourceDestCheck = resourcePolicy({
  name: "ec2-source-dest-check",
  description:
    "Instances and network interfaces keep source/destination checking on, so they only send and receive their own traffic; a NAT instance, which must forward, says so with the tag datavis:role=nat.",
  enforcementLevel: "mandatory",
  severity: "low",
  framework: fsbp("EC2.180", "EC2 network interfaces should have source/destination checking enabled"),
  validateResource: (args, report) => {
    if (
      args.type !== "aws:ec2/instance:Instance" &&
      args.type !== "aws:ec2/networkInterface:NetworkInterface"
    )
      return;
    if (args.props.sourceDestCheck === false && !isNat(args.props))
      report("sourceDestCheck is false (tag datavis:role=nat if this is a NAT instance)");
  },
});

export const ec2Rules: Rule[] = [ebsEncrypted, noPublicIp, sourceDestCheck];
