/**
 * Simulated nodes shaped like the stack's target, from its plan:
 *  - edge: `estimates.nodes` (edgeNodeModel x edgeNodeCount), arm64, allocatable = capacity minus the k3s
 *    reserve the capacity estimate uses (K3S_RESERVE: the server's share on the first node, an agent's on
 *    the others); k3s's packaged pods (CoreDNS, metrics-server) are placed as pods, as the estimate counts them.
 *  - AWS: each EKS node group of the plan at its first instance type, labels and taints as the node group
 *    sets them, pods capacity from the VPC CNI limit, allocatable after EKS's kube-reserved.
 * Nodes carry the kwok annotation, so kwok keeps them Ready and runs the pods bound to them.
 */
import { eksAllocatable, instanceShape } from "../../components/aws/catalogue";
import { K3S_RESERVE } from "../../components/edge/nodes";
import { groupPodSlots } from "../plan/estimates/node-pods";
import { mockZones, subnetsById } from "../plan/mock-outputs";
import type { Plan } from "./plan";

export interface SimNode {
  name: string;
  /** What the node stands for, for the report. */
  role: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  capacity: { cpuMilli: number; memoryMi: number; pods: number };
  allocatable: { cpuMilli: number; memoryMi: number; pods: number };
  /** AWS: the node group it belongs to, and that group's zones (its subnets'). */
  group?: string;
  groupZones?: string[];
}

/** Label of the node's zone (set by the cloud provider on real nodes). */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/** k3s's kubelet keeps the upstream default of 110 pods per node. */
const K3S_MAX_PODS = 110;

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
  // Each group lives in the zones of its subnets (the plan's subnet ids are its mock ids).
  const { names, zoneIds } = mockZones("us-east-1");
  const zoneOfSubnet = new Map(
    [...subnetsById(plan.resources)].map(([id, r]) => [
      id,
      names[zoneIds.indexOf(r.inputs.availabilityZoneId)],
    ]),
  );
  // The VPC CNI's mode decides pods per node (prefix delegation: a /28 per address slot).
  const cluster = plan.resources.find((r) => r.type === "eks:index:Cluster");
  const prefixDelegation = cluster?.inputs?.vpcCniOptions?.enablePrefixDelegation === true;
  const nodes: SimNode[] = [];
  for (const g of groups) {
    const i = g.inputs;
    const type = String(i.instanceTypes?.[0]);
    const shape = instanceShape(type);
    const pods = groupPodSlots(plan.resources, g, prefixDelegation);
    if (!shape || !pods)
      throw new Error(
        `node group ${g.name}: instance type ${type} is not in components/aws/catalogue.ts; add its family and ENI limits`,
      );
    const labels: Record<string, string> = i.labels ?? {};
    const pool = Object.values(labels)[0] ?? g.name;
    const alloc = eksAllocatable(shape, pods);
    const count = poolNodeCount(String(pool), i.scalingConfig ?? {});
    const zones = groupZones(g.name, i.subnetIds ?? [], zoneOfSubnet);
    for (let k = 0; k < count; k++) {
      // One group per zone gives several groups of a pool: the group's own suffix keeps node names apart.
      const group = g.name.replace(/^cluster-/, "");
      const name = `${group}-${type.replace(".", "-")}-${k}`;
      nodes.push({
        name,
        role: `${pool} pool ${type} (${i.capacityType ?? "ON_DEMAND"})`,
        labels: {
          ...labels,
          "kubernetes.io/arch": /g\./.test(type) ? "arm64" : "amd64",
          "kubernetes.io/os": "linux",
          "kubernetes.io/hostname": name,
          "node.kubernetes.io/instance-type": type,
          // A per-zone group (notebooks-<i>) lives in its one zone; the others spread over theirs.
          [ZONE_LABEL]: zones[k % zones.length],
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
        group: g.name,
        groupZones: zones,
      });
    }
  }
  return nodes;
}

/** The zones of a node group's subnets, in their order. */
function groupZones(group: string, subnetIds: string[], zoneOfSubnet: Map<string, string>): string[] {
  const zones = subnetIds.map((id) => zoneOfSubnet.get(id));
  if (!zones.length || zones.some((z) => !z))
    throw new Error(`node group ${group}: subnets ${subnetIds.join(", ")} are not subnets of the plan`);
  return zones as string[];
}

/**
 * The nodes after each group has replaced every one of its nodes, one at a time, as a managed node group
 * upgrade does (a new node first, then the old one drained and gone): an Auto Scaling group launches the new
 * instance in the zone of its own where it has the fewest (EC2 Auto Scaling's zone balancing), so a group
 * over several zones moves nodes between them; a group of one zone keeps them there.
 */
export function afterReplacement(nodes: SimNode[]): SimNode[] {
  const now = [...nodes];
  for (const old of nodes) {
    const zones = old.groupZones ?? [old.labels[ZONE_LABEL]];
    const count = (z: string) =>
      now.filter((n) => n.group === old.group && n.labels[ZONE_LABEL] === z).length;
    const to = zones.reduce((best, z) => (count(z) < count(best) ? z : best), zones[0]);
    const name = `${old.name}-r`;
    now.push({ ...old, name, labels: { ...old.labels, "kubernetes.io/hostname": name, [ZONE_LABEL]: to } });
    now.splice(now.indexOf(old), 1);
  }
  return now;
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
