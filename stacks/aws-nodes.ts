/**
 * The AWS stack's node groups from config: the system pool (always up, one group per zone of its nodes, 40
 * pod slots; spot or on demand), the notebook pool (spot, one group per zone) and the Spark pool (spot).
 */
import { eksAllocatable, instanceShape, podsPerNode, sameShapeTypes } from "../components/aws/catalogue";
import type { NodeGroupSpec, PoolName } from "../components/aws/eks";
import type { NodeAllocatable } from "../components/platform/notebooks/profile-fit";
import type { PlatformConfig } from "./config";

/**
 * What the smallest of `instanceTypes` offers pods on EKS (prefix delegation on: 110 pod slots, whose
 * kube-reserved memory the AMI sets aside).
 */
export function smallestNode(instanceTypes: string[]): NodeAllocatable {
  const nodes = instanceTypes.map((t) => {
    const shape = instanceShape(t);
    const pods = podsPerNode(t, true);
    if (!shape || !pods) throw new Error(`instance type ${t} is not in components/aws/catalogue.ts`);
    const a = eksAllocatable(shape, pods);
    return { cpuCores: a.cpuMilli / 1000, memoryMi: a.memoryMi };
  });
  return nodes.reduce((m, n) => (n.memoryMi < m.memoryMi ? n : m));
}

/**
 * Pod slots of a system node. The platform runs about 30 pods there (the plan's `systemPool` counts them);
 * the VPC CNI's 110 would set aside 11 MiB of kube-reserved memory for each of 70 slots never used.
 */
const SYSTEM_NODE_MAX_PODS = 40;

/** System nodes, one per zone (the first private subnets' zones): the ingress pods run there. */
export const systemNodeCount = (cfg: PlatformConfig): number => (cfg.production ? 2 : 1);

export function nodeGroups(cfg: PlatformConfig): Record<PoolName, NodeGroupSpec> {
  const a = cfg.aws!;
  const system = systemNodeCount(cfg);
  return {
    system: {
      // Spot (dev): any type of the configured one's shape and architecture, so a reclaimed node is
      // replaced from whichever pool has capacity; the estimate prices the first.
      instanceTypes:
        a.systemNodeCapacity === "spot"
          ? sameShapeTypes(a.systemNodeInstanceType)
          : [a.systemNodeInstanceType],
      capacityType: a.systemNodeCapacity === "spot" ? "SPOT" : "ON_DEMAND",
      minSize: system,
      desiredSize: system,
      maxSize: system + 2,
      // The EKS default root size; the system node only pulls the platform's images.
      diskGb: 20,
      dedicated: false,
      // Prometheus and the hub's activity log keep EBS volumes, which stay in their zone: one group
      // per zone (one node each), so a node the Auto Scaling group replaces (an upgrade, a failed host) comes
      // back in the zone of the volumes its pods left. Across zones, the group would balance it elsewhere.
      perZone: true,
      zoneCount: system,
      maxPods: SYSTEM_NODE_MAX_PODS,
    },
    notebooks: {
      instanceTypes: a.notebookInstanceTypes,
      capacityType: "SPOT",
      minSize: 0,
      desiredSize: 0,
      maxSize: a.notebookMaxNodes,
      diskGb: 50,
      dedicated: true,
      // Homes are zonal EBS volumes: one group per zone so the autoscaler can add a node where the volume is.
      perZone: true,
    },
    spark: {
      instanceTypes: a.sparkInstanceTypes,
      capacityType: "SPOT",
      minSize: 0,
      desiredSize: 0,
      maxSize: a.sparkMaxNodes,
      diskGb: 50,
      dedicated: true,
    },
  };
}
