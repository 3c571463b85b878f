/**
 * What a k3s node keeps for itself, and so what it offers pods: the edge target's node facts, shared by
 * the notebook sizing (stacks/edge.ts) and the plan's capacity estimate.
 */
import type { NodeAllocatable } from "../platform/notebooks/profile-fit";

/**
 * What k3s itself takes, from the k3s "Resource Profiling" reference (Raspberry Pi 4B, 95th percentile):
 * a server node (control plane + datastore + kubelet + containerd) ~1215 MiB and 25% of a core, an agent
 * node 268 MiB and 10% of a core; plus the requests of the pods k3s ships (CoreDNS and metrics-server,
 * 100m / 70Mi each). One server is assumed (three-server HA reserves ~1.4 GiB on each).
 */
export const K3S_RESERVE = {
  server: { cpuMilli: 250, memoryMi: 1215 },
  agent: { cpuMilli: 100, memoryMi: 268 },
  packagedPods: { cpuMilli: 200, memoryMi: 140 },
  basis:
    "k3s Resource Profiling (Pi 4B): server 1215 MiB / 25% core, agent 268 MiB / 10% core; CoreDNS + metrics-server requests 200m / 140Mi; one server",
};

/** The kubelet's default hard eviction threshold (memory.available<100Mi): memory pods can never have. */
export const KUBELET_EVICTION_MI = 100;

/**
 * The largest node a pod can be placed on: an agent when the cluster has more than one node (the server
 * also runs the control plane), else the server itself.
 */
export function largestEdgeNode(node: { cpu: number; memoryGi: number }, nodeCount: number): NodeAllocatable {
  const reserve = nodeCount > 1 ? K3S_RESERVE.agent : K3S_RESERVE.server;
  return {
    cpuCores: node.cpu - reserve.cpuMilli / 1000,
    memoryMi: node.memoryGi * 1024 - reserve.memoryMi - KUBELET_EVICTION_MI,
  };
}
