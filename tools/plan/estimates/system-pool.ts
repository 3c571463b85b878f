/**
 * Does the platform fit the AWS system pool at its minimum size? Every long-running platform pod (the
 * program's own workloads and, for each Helm release, the pods its pinned chart runs with the values passed:
 * chart-requests.ts), plus what EKS itself runs on every node, counted against the pod slots, memory and CPU
 * the system nodes offer (components/aws/catalogue.ts: shape, pods per node with the VPC CNI's mode, EKS's
 * kube-reserved). The first `pulumi up` must not depend on the autoscaler adding a system node inside the
 * atomic Helm timeouts, so the minimum size itself must hold the platform with headroom.
 */
import { EKS_ADDON_PODS, eksAllocatable, instanceShape } from "../../../components/aws/catalogue";
import type { ProgramRun } from "../offline";
import { releaseRequests, type ComponentRequest } from "./chart-requests";
import { groupPodSlots } from "./node-pods";
import { workloadRequests } from "./workload-requests";

/** Share of a node's pods, memory and CPU the platform may fill: the rest absorbs rollouts and spikes. */
export const SYSTEM_POOL_HEADROOM = 0.8;

/** What EKS runs on every system node and once in kube-system, outside the program (the AWS catalogue). */
const sum = (pods: { cpuMilli: number; memoryMi: number; replicas?: number }[]) => ({
  pods: pods.reduce((n, p) => n + (p.replicas ?? 1), 0),
  cpuMilli: pods.reduce((n, p) => n + (p.replicas ?? 1) * p.cpuMilli, 0),
  memoryMi: pods.reduce((n, p) => n + (p.replicas ?? 1) * p.memoryMi, 0),
});
const EKS_PER_NODE = sum(EKS_ADDON_PODS.perNode);
const EKS_CLUSTER_PODS = sum(EKS_ADDON_PODS.perCluster);

/** Pools other than `system` that a pod is pinned to (the notebook and Spark groups' label). */
const DEDICATED = /datavis\.io\/pool["']?\s*[:=]\s*["']?(notebooks|spark)/;

export interface SystemPoolFit {
  instanceType: string;
  /** The pool's node groups, one per zone, comma-separated. */
  nodeGroups: string;
  minNodes: number;
  /** Nodes of that type the platform needs with SYSTEM_POOL_HEADROOM. */
  nodesNeeded: number;
  fits: boolean;
  perNode: { pods: number; memoryMi: number; cpuMilli: number };
  platform: { pods: number; memoryMi: number; cpuMilli: number };
  summary: string;
}

export function systemPoolFit(run: ProgramRun): SystemPoolFit | undefined {
  // The pool may be one group per zone (stacks/aws.ts): its minimum is the sum of its groups'.
  const groups = run.resources.filter(
    (r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.inputs.labels?.["datavis.io/pool"] === "system",
  );
  const cluster = run.resources.find((r) => r.type === "eks:index:Cluster");
  if (!groups.length) return undefined;
  const type = String(groups[0].inputs.instanceTypes?.[0]);
  const minNodes = groups.reduce((n, g) => n + Number(g.inputs.scalingConfig?.minSize ?? 1), 0);
  const shape = instanceShape(type);
  const pods = groupPodSlots(
    run.resources,
    groups[0],
    cluster?.inputs?.vpcCniOptions?.enablePrefixDelegation === true,
  );
  if (!shape || !pods) return undefined;
  const alloc = eksAllocatable(shape, pods);

  // The platform's steady pods, minus those pinned to the notebook and Spark pools (user placeholders,
  // the image puller): they never land on a system node.
  const steady: ComponentRequest[] = [];
  const own = workloadRequests(run, minNodes);
  const pinned = new Set(
    run.resources
      .filter((r) => DEDICATED.test(JSON.stringify(r.inputs?.spec?.template?.spec?.nodeSelector ?? {})))
      .map((r) => r.name),
  );
  steady.push(
    ...own.requests.filter((r) => r.kind === "steady" && ![...pinned].some((n) => r.component.endsWith(n))),
  );
  for (const r of run.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
    const got = releaseRequests(String(r.inputs.chart ?? ""), r.inputs.values, {
      release: String(r.inputs.name ?? r.name),
      nodeCount: minNodes,
    });
    steady.push(
      ...got.requests.filter((x) => x.kind === "steady" && !/placeholder|puller/i.test(x.component)),
    );
  }
  const platform = {
    pods: steady.reduce((s, r) => s + r.pods, 0) + EKS_CLUSTER_PODS.pods + EKS_PER_NODE.pods * minNodes,
    memoryMi: Math.round(
      steady.reduce((s, r) => s + r.memoryMi, 0) +
        EKS_CLUSTER_PODS.memoryMi +
        EKS_PER_NODE.memoryMi * minNodes,
    ),
    cpuMilli: Math.round(
      steady.reduce((s, r) => s + r.cpuMilli, 0) +
        EKS_CLUSTER_PODS.cpuMilli +
        EKS_PER_NODE.cpuMilli * minNodes,
    ),
  };
  const perNode = { pods, memoryMi: Math.floor(alloc.memoryMi), cpuMilli: Math.floor(alloc.cpuMilli) };
  const need = (x: number, per: number) => Math.ceil(x / (per * SYSTEM_POOL_HEADROOM));
  const nodesNeeded = Math.max(
    need(platform.pods, perNode.pods),
    need(platform.memoryMi, perNode.memoryMi),
    need(platform.cpuMilli, perNode.cpuMilli),
  );
  const fits = minNodes >= nodesNeeded;
  return {
    instanceType: type,
    nodeGroups: groups.map((g) => g.name).join(", "),
    minNodes,
    nodesNeeded,
    fits,
    perNode,
    platform,
    summary:
      `${platform.pods} platform pods, ${platform.memoryMi} MiB, ${platform.cpuMilli}m CPU on ${minNodes} x ${type} ` +
      `(${perNode.pods} pods, ${perNode.memoryMi} MiB, ${perNode.cpuMilli}m each): ` +
      (fits
        ? `fits with ${Math.round((1 - SYSTEM_POOL_HEADROOM) * 100)}% headroom`
        : `needs ${nodesNeeded} nodes`),
  };
}
