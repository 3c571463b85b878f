/**
 * AWS catalogue facts the platform relies on: which EC2 and RDS instance families and sizes the config
 * accepts, which CPU architecture a type runs, and how many pods the Amazon VPC CNI can place on a node.
 *
 * These are facts about AWS, not choices of this project, so they live beside the AWS components; the
 * config schema (stacks/config) and the checks import them from here.
 */

/**
 * Availability Zone IDs in which EKS cannot place a control plane (the EKS user guide, "View Amazon EKS
 * networking requirements for VPC and subnets": use1-az3 in us-east-1, usw1-az2 in us-west-1, cac1-az3 in
 * ca-central-1). Zone names map to different IDs in each account, so subnets are placed by ID.
 */
export const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"];

/** EC2 families the node groups may use (current generation, general purpose / compute / memory). */
export const EC2_FAMILIES = [
  "t3",
  "t3a",
  "t4g",
  "m5",
  "m5a",
  "m6i",
  "m6a",
  "m6g",
  "m7i",
  "m7a",
  "m7g",
  "c5",
  "c5a",
  "c6i",
  "c6a",
  "c6g",
  "c7i",
  "c7a",
  "c7g",
  "r5",
  "r5a",
  "r6i",
  "r6a",
  "r6g",
  "r7i",
  "r7a",
  "r7g",
];

/** RDS families (the part after `db.`) the database may use. */
export const RDS_FAMILIES = ["t3", "t4g", "m5", "m6i", "m6g", "m7g", "r5", "r6i", "r6g", "r7g"];

/** Instance sizes, smallest first; a type is `<family>.<size>` (`db.<family>.<size>` for RDS). */
export const INSTANCE_SIZES = [
  "nano",
  "micro",
  "small",
  "medium",
  "large",
  "xlarge",
  "2xlarge",
  "4xlarge",
  "8xlarge",
  "12xlarge",
  "16xlarge",
  "24xlarge",
];

/** Architecture an EC2 instance type runs: Graviton families end in `g` (t4g, m7g, c7gn, r8g). */
export function instanceArch(instanceType: string): "arm64" | "x86_64" {
  const family = instanceType.split(".")[0];
  return /\dg[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/**
 * Network interfaces and IPv4 addresses per interface of every EC2 type in EC2_FAMILIES x INSTANCE_SIZES
 * that exists, as `<size> <ENIs>x<IPv4 per ENI>`. Source: amazon-vpc-cni-k8s
 * `pkg/vpc/vpc_ip_resource_limit.go` (generated from the EC2 API over 17 regions; e.g. line 8510,
 * "m6i.large": ENILimit 3, IPv4Limit 10) at commit b52188387f2e2f10bf289ace929d6a63b176a4fa, the same
 * figures as https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#AvailableIpPerENI.
 * A size missing from a family's list does not exist (there is no t3.4xlarge or m5.medium).
 */
const ENI_LIMITS: Record<string, string> = {
  t3: "nano 2x2, micro 2x2, small 3x4, medium 3x6, large 3x12, xlarge 4x15, 2xlarge 4x15",
  t3a: "nano 2x2, micro 2x2, small 2x4, medium 3x6, large 3x12, xlarge 4x15, 2xlarge 4x15",
  t4g: "nano 2x2, micro 2x2, small 3x4, medium 3x6, large 3x12, xlarge 4x15, 2xlarge 4x15",
  m5: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  m5a: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  m6i: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  m6a: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  m6g: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50",
  m7i: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  m7a: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  m7g: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50",
  c5: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 12xlarge 8x30, 24xlarge 15x50",
  c5a: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  c6i: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  c6a: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  c6g: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50",
  c7i: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  c7a: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  c7g: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50",
  r5: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  r5a: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  r6i: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  r6a: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  r6g: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50",
  r7i: "large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  r7a: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50, 24xlarge 15x50",
  r7g: "medium 2x4, large 3x10, xlarge 4x15, 2xlarge 4x15, 4xlarge 8x30, 8xlarge 8x30, 12xlarge 8x30, 16xlarge 15x50",
};

/** Networking limits of one EC2 instance type. */
export interface EniLimits {
  /** Elastic network interfaces the type can attach. */
  enis: number;
  /** Private IPv4 addresses per interface (the primary one included). */
  ipv4PerEni: number;
}

const LIMITS = new Map<string, EniLimits>();
for (const [family, sizes] of Object.entries(ENI_LIMITS)) {
  for (const entry of sizes.split(", ")) {
    const [size, limits] = entry.split(" ");
    const [enis, ipv4PerEni] = limits.split("x").map(Number);
    LIMITS.set(`${family}.${size}`, { enis, ipv4PerEni });
  }
}

/** ENI limits of an EC2 type, or undefined for a type that does not exist in the catalogue. */
export function eniLimits(instanceType: string): EniLimits | undefined {
  return LIMITS.get(instanceType);
}

/** Every EC2 type of the catalogue that exists, in family then size order. */
export function knownInstanceTypes(): string[] {
  return [...LIMITS.keys()];
}

/**
 * Pods the Amazon VPC CNI can run on one node of the type in secondary-IP mode (without prefix
 * delegation): each ENI gives its addresses but its primary one to pods, and two host-network pods
 * (aws-node, kube-proxy) need none. The formula of amazon-vpc-cni-k8s `misc/eni-max-pods.txt` (header,
 * lines 34-39, same commit); e.g. its line 686 `m6i.large 29` = 3 x (10 - 1) + 2. With prefix delegation
 * each address slot holds a /28 prefix (16 addresses), and this figure does not apply.
 */
export function maxPods(instanceType: string): number | undefined {
  const l = LIMITS.get(instanceType);
  return l && podAddressSlots(l) + 2;
}

/** Address slots an instance gives pods: every ENI's addresses but its primary one. */
function podAddressSlots(l: EniLimits): number {
  return l.enis * (l.ipv4PerEni - 1);
}

/**
 * Account IDs the AWS documentation uses in its examples (123456789012, 111122223333, 444455556666,
 * 777788889999): an ARN in one of them is a placeholder nobody replaced.
 */
export const DOCUMENTATION_ACCOUNTS = ["123456789012", "111122223333", "444455556666", "777788889999"];

/** vCPUs per size name (burstable t types: 2 up to large, as EC2 lists them). */
const VCPUS: Record<string, number> = { nano: 2, micro: 2, small: 2, medium: 2, large: 2 };

/** GiB of memory per vCPU by family class (EC2 instance types: c 2, m 4, r 8). */
const GIB_PER_VCPU: Record<string, number> = { c: 2, m: 4, r: 8 };

/** Memory (GiB) of the burstable sizes, which do not follow the per-vCPU rule. */
const BURSTABLE_GIB: Record<string, number> = {
  nano: 0.5,
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  "2xlarge": 32,
};

/** vCPUs and memory of an EC2 type of the allowed families (EC2 User Guide, instance type specifications). */
export function instanceShape(instanceType: string): { vcpu: number; memoryGi: number } | undefined {
  const [family, size] = instanceType.split(".");
  if (!family || !size || !LIMITS.has(instanceType)) return undefined;
  const n = /^(\d*)xlarge$/.exec(size);
  const vcpu = n ? 4 * Number(n[1] || 1) : VCPUS[size];
  if (!vcpu) return undefined;
  // Burstable types: 2 vCPUs up to large, 4 at xlarge, 8 at 2xlarge; memory by size.
  if (family.startsWith("t")) return { vcpu, memoryGi: BURSTABLE_GIB[size] };
  // m6g.medium / r7g.medium: one vCPU.
  const cores = size === "medium" ? 1 : vcpu;
  return { vcpu: cores, memoryGi: cores * GIB_PER_VCPU[family[0]] };
}

/**
 * Pods one node of the type runs with the VPC CNI: secondary-IP mode, or with prefix delegation (each
 * address slot a /28, 16 addresses). EKS AMIs cap it at 110 below 30 vCPUs and at 250 above
 * (awslabs/amazon-eks-ami max-pods calculation).
 */
export function podsPerNode(instanceType: string, prefixDelegation: boolean): number | undefined {
  const l = LIMITS.get(instanceType);
  const shape = instanceShape(instanceType);
  if (!l || !shape) return undefined;
  const slots = podAddressSlots(l) * (prefixDelegation ? 16 : 1) + 2;
  return Math.min(slots, shape.vcpu < 30 ? 110 : 250);
}

/**
 * What a node offers pods on the EKS AMIs: kube-reserved memory 11 MiB per pod slot + 255 MiB, CPU 6% of the
 * first core, 1% of the second, 0.5% of the third and fourth, 0.25% of the rest, and the 100 MiB hard
 * eviction threshold (awslabs/amazon-eks-ami nodeadm kubelet config).
 */
export function eksAllocatable(
  shape: { vcpu: number; memoryGi: number },
  pods: number,
): { cpuMilli: number; memoryMi: number } {
  const cores = shape.vcpu;
  let reservedCpu = 60;
  if (cores > 1) reservedCpu += 10;
  if (cores > 2) reservedCpu += 5 * Math.min(2, cores - 2);
  if (cores > 4) reservedCpu += 2.5 * (cores - 4);
  return { cpuMilli: cores * 1000 - reservedCpu, memoryMi: shape.memoryGi * 1024 - (11 * pods + 255) - 100 };
}

/**
 * EKS's own pods (the managed add-ons): each takes a pod slot and its requests. Per node: aws-node (25m
 * CPU), kube-proxy (100m CPU), ebs-csi-node (3 containers, 30m / 120Mi). Per cluster: CoreDNS (2 x 100m /
 * 70Mi) and ebs-csi-controller (2 x 60m / 240Mi) — the add-ons' default requests.
 */
export const EKS_ADDON_PODS = {
  perNode: [
    { name: "aws-node", cpuMilli: 25, memoryMi: 0 },
    { name: "kube-proxy", cpuMilli: 100, memoryMi: 0 },
    { name: "ebs-csi-node", cpuMilli: 30, memoryMi: 120 },
  ],
  perCluster: [
    { name: "coredns", replicas: 2, cpuMilli: 100, memoryMi: 70 },
    { name: "ebs-csi-controller", replicas: 2, cpuMilli: 60, memoryMi: 240 },
  ],
};

/**
 * Types of the same shape as `instanceType` (architecture, vCPUs, memory), itself first, then the others in
 * EC2_FAMILIES order (at most `max`): a spot group that may draw from several pools of capacity is
 * interrupted less often and refilled sooner than one limited to a single type (EC2 user guide, "Spot
 * Instance best practices": be flexible about instance types).
 */
export function sameShapeTypes(instanceType: string, max = 3): string[] {
  const shape = instanceShape(instanceType);
  if (!shape) return [instanceType];
  const others = EC2_FAMILIES.flatMap((f) => INSTANCE_SIZES.map((z) => `${f}.${z}`)).filter((t) => {
    const s = instanceShape(t);
    return (
      t !== instanceType &&
      s !== undefined &&
      s.vcpu === shape.vcpu &&
      s.memoryGi === shape.memoryGi &&
      instanceArch(t) === instanceArch(instanceType)
    );
  });
  return [instanceType, ...others].slice(0, max);
}
