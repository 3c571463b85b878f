/**
 * Simulated nodes shaped like the stack's target, from its plan:
 *  - edge: `estimates.nodes` (edgeNodeModel x edgeNodeCount), arm64, allocatable = capacity minus the k3s
 *    reserve the capacity estimate uses (K3S_RESERVE: the server's share on the first node, an agent's on
 *    the others); k3s's packaged pods (CoreDNS, metrics-server) are placed as pods, as the estimate counts them.
 *  - AWS: each EKS node group of the plan at its first instance type, labels and taints as the node group
 *    sets them, pods capacity from the VPC CNI limit, allocatable after EKS's kube-reserved.
 * Nodes carry the kwok annotation, so kwok keeps them Ready and runs the pods bound to them.
 */
import { K3S_RESERVE } from "../estimates/edge-capacity";
import type { Plan } from "./plan";

export interface SimNode {
  name: string;
  /** What the node stands for, for the report. */
  role: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  capacity: { cpuMilli: number; memoryMi: number; pods: number };
  allocatable: { cpuMilli: number; memoryMi: number; pods: number };
}

/** k3s's kubelet keeps the upstream default of 110 pods per node. */
const K3S_MAX_PODS = 110;

/**
 * EC2 instance shapes: vCPUs, memory (GiB), ENIs and IPv4 addresses per ENI (EC2 User Guide, "Maximum IP
 * addresses per network interface"; the same numbers as amazon-vpc-cni-k8s misc/eni-max-pods.txt).
 */
export const INSTANCE_TYPES: Record<
  string,
  { vcpu: number; memoryGi: number; enis: number; ipsPerEni: number }
> = {};
{
  const t = (families: string[], sizes: Record<string, [number, number, number, number]>): void => {
    for (const f of families)
      for (const [s, [vcpu, memoryGi, enis, ipsPerEni]] of Object.entries(sizes))
        INSTANCE_TYPES[`${f}.${s}`] = { vcpu, memoryGi, enis, ipsPerEni };
  };
  t(["t3", "t3a", "t4g"], {
    micro: [2, 1, 2, 2],
    small: [2, 2, 3, 4],
    medium: [2, 4, 3, 6],
    large: [2, 8, 3, 12],
    xlarge: [4, 16, 4, 15],
    "2xlarge": [8, 32, 4, 15],
  });
  const general = (mem: number): Record<string, [number, number, number, number]> => ({
    large: [2, 2 * mem, 3, 10],
    xlarge: [4, 4 * mem, 4, 15],
    "2xlarge": [8, 8 * mem, 4, 15],
    "4xlarge": [16, 16 * mem, 8, 30],
  });
  t(["m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7g"], general(4));
  t(["c5", "c6i", "c6a", "c6g", "c7g"], general(2));
  t(["r5", "r6i", "r6a", "r6g", "r7g"], general(8));
}

/** VPC CNI's pod limit: ENIs x (IPv4 per ENI - 1) + 2; EKS AMIs cap it at 110 below 30 vCPUs (nodeadm). */
export function maxPods(t: { vcpu: number; enis: number; ipsPerEni: number }): number {
  const eni = t.enis * (t.ipsPerEni - 1) + 2;
  return Math.min(eni, t.vcpu < 30 ? 110 : 250);
}

/**
 * EKS AMI kube-reserved (awslabs/amazon-eks-ami nodeadm, kubelet config): memory 11 MiB per pod + 255 MiB;
 * CPU 6% of the first core, 1% of the second, 0.5% of the third and fourth, 0.25% of the rest; plus the
 * 100 MiB hard eviction threshold.
 */
export function eksAllocatable(
  t: { vcpu: number; memoryGi: number },
  pods: number,
): { cpuMilli: number; memoryMi: number } {
  const cores = t.vcpu;
  let reservedCpu = 60;
  if (cores > 1) reservedCpu += 10;
  if (cores > 2) reservedCpu += 5 * Math.min(2, cores - 2);
  if (cores > 4) reservedCpu += 2.5 * (cores - 4);
  const memoryMi = t.memoryGi * 1024 - (11 * pods + 255) - 100;
  return { cpuMilli: cores * 1000 - reservedCpu, memoryMi };
}

const KWOK = { "kwok.x-k8s.io/node": "fake" };
export const NODE_ANNOTATIONS = KWOK;

function edgeNodes(plan: Plan): SimNode[] {
  const n = plan.estimates.nodes as {
    count: number;
    model: string;
    cpuPerNode: number;
    memoryGiPerNode: number;
  };
  if (!n)
    throw new Error(`plan ${plan.stack}: no estimates.nodes (edge capacity estimate) to shape nodes from`);
  const nodes: SimNode[] = [];
  for (let i = 0; i < n.count; i++) {
    const reserve = i === 0 ? K3S_RESERVE.server : K3S_RESERVE.agent;
    const cap = { cpuMilli: n.cpuPerNode * 1000, memoryMi: n.memoryGiPerNode * 1024, pods: K3S_MAX_PODS };
    const name = `${n.model}-${i}`;
    nodes.push({
      name,
      role: `${n.model} ${i === 0 ? "k3s server" : "k3s agent"}`,
      labels: {
        "kubernetes.io/arch": "arm64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": name,
        "node.kubernetes.io/instance-type": "k3s",
        ...(i === 0 ? { "node-role.kubernetes.io/control-plane": "true" } : {}),
      },
      taints: [],
      capacity: cap,
      allocatable: {
        cpuMilli: cap.cpuMilli - reserve.cpuMilli,
        memoryMi: cap.memoryMi - reserve.memoryMi,
        pods: cap.pods,
      },
    });
  }
  return nodes;
}

/** How many nodes of each pool are simulated: what `pulumi up` creates for the system pool (desiredSize),
 * and for the autoscaled user pools what Cluster Autoscaler may grow them to (maxSize). */
export function poolNodeCount(
  pool: string,
  scaling: { desiredSize?: number; maxSize?: number; minSize?: number },
): number {
  if (pool === "system") return Math.max(1, scaling.desiredSize ?? scaling.minSize ?? 1);
  return Math.max(1, scaling.maxSize ?? 1);
}

function awsNodes(plan: Plan): SimNode[] {
  const groups = plan.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
  if (!groups.length)
    throw new Error(`plan ${plan.stack}: no aws:eks/nodeGroup:NodeGroup to shape nodes from`);
  const zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
  const nodes: SimNode[] = [];
  for (const g of groups) {
    const i = g.inputs;
    const type = String(i.instanceTypes?.[0]);
    const shape = INSTANCE_TYPES[type];
    if (!shape)
      throw new Error(
        `node group ${g.name}: instance type ${type} is not in tools/cluster/nodes.ts INSTANCE_TYPES; add its vCPUs, memory, ENIs and IPs per ENI`,
      );
    const labels: Record<string, string> = i.labels ?? {};
    const pool = Object.values(labels)[0] ?? g.name;
    const pods = maxPods(shape);
    const alloc = eksAllocatable(shape, pods);
    const count = poolNodeCount(String(pool), i.scalingConfig ?? {});
    for (let k = 0; k < count; k++) {
      const name = `${pool}-${type.replace(".", "-")}-${k}`;
      nodes.push({
        name,
        role: `${pool} pool ${type} (${i.capacityType ?? "ON_DEMAND"})`,
        labels: {
          ...labels,
          "kubernetes.io/arch": /g\./.test(type) ? "arm64" : "amd64",
          "kubernetes.io/os": "linux",
          "kubernetes.io/hostname": name,
          "node.kubernetes.io/instance-type": type,
          "topology.kubernetes.io/zone": zones[k % zones.length],
          "eks.amazonaws.com/capacityType": String(i.capacityType ?? "ON_DEMAND"),
        },
        taints: (i.taints ?? []).map((t: any) => ({
          key: t.key,
          value: t.value,
          effect:
            { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" }[
              String(t.effect)
            ] ?? t.effect,
        })),
        capacity: { cpuMilli: shape.vcpu * 1000, memoryMi: shape.memoryGi * 1024, pods },
        allocatable: { ...alloc, pods },
      });
    }
  }
  return nodes;
}

export function targetOf(plan: Plan): "edge" | "aws" {
  return plan.resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup") ? "aws" : "edge";
}

export function simNodes(plan: Plan): SimNode[] {
  return targetOf(plan) === "aws" ? awsNodes(plan) : edgeNodes(plan);
}

/** The Node object (status included: kwok keeps the capacity it finds and adds Ready conditions). */
export function nodeObject(n: SimNode): Record<string, any> {
  const q = (r: { cpuMilli: number; memoryMi: number; pods: number }): Record<string, string> => ({
    cpu: `${Math.floor(r.cpuMilli)}m`,
    memory: `${Math.floor(r.memoryMi)}Mi`,
    pods: String(r.pods),
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, labels: n.labels, annotations: { ...KWOK, "datavis.io/simulates": n.role } },
    spec: { taints: n.taints.length ? n.taints : undefined },
    status: { capacity: q(n.capacity), allocatable: q(n.allocatable) },
  };
}
