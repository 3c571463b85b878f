/**
 * What a k3s node keeps for itself, and so what it offers pods: the edge target's node facts, shared by
 * the notebook sizing (stacks/edge.ts) and the plan's capacity estimate.
 */
import type { NodeAllocatable } from "../shared/inputs";

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

/**
 * What ansible-pi sets aside on every Pi besides k3s's own share (inventory group_vars: k3s_system_reserved
 * for the OS, and the hard eviction threshold memory.available<200Mi): memory pods can never have.
 * ansible-pi/tests/kubelet-reserve.test.ts keeps the two in step.
 */
export const NODE_SYSTEM_RESERVED = { cpuMilli: 100, memoryMi: 256 };
export const KUBELET_EVICTION_MI = 200;

/**
 * The largest node a pod can be placed on: an agent when the cluster has more than one node (the server
 * also runs the control plane), else the server itself.
 */
export function largestEdgeNode(node: { cpu: number; memoryGi: number }, nodeCount: number): NodeAllocatable {
  const reserve = nodeCount > 1 ? K3S_RESERVE.agent : K3S_RESERVE.server;
  return {
    cpuCores: node.cpu - (reserve.cpuMilli + NODE_SYSTEM_RESERVED.cpuMilli) / 1000,
    memoryMi: node.memoryGi * 1024 - reserve.memoryMi - NODE_SYSTEM_RESERVED.memoryMi - KUBELET_EVICTION_MI,
  };
}
