/**
 * Requested CPU/memory of everything the platform runs on edge, against the nodes' capacity.
 *
 * Read from what the program registered: raw workloads (Deployments, StatefulSets, DaemonSets x nodes,
 * Jobs, CronJobs, Pods), pod-running custom resources (the CloudNativePG Cluster with its backup sidecar,
 * Prometheus/Alertmanager) and Helm releases (per-chart readers in chart-requests.ts). Users' work is not
 * the platform's: notebook servers and SparkApplications are what the headroom is for.
 */
import type { ProgramRun } from "../offline";
import { releaseRequests, chartKeyOf, type ComponentRequest, type UnknownRequest } from "./chart-requests";
import { cpuMilli, spawnerMemoryMi } from "./requests";
import { workloadRequests } from "./workload-requests";

export { K3S_RESERVE } from "../../../components/edge/nodes";
import { K3S_RESERVE, KUBELET_EVICTION_MI, NODE_SYSTEM_RESERVED } from "../../../components/edge/nodes";

/** The goal: the platform requests at most 2 GiB and a 3 x Pi 4 (4 GB) cluster keeps >= 70% for users. */
export const PLATFORM_MEMORY_BUDGET_GI = 2;
export const USERS_SHARE_TARGET = 0.7;

export type EdgeCapacity = {
  summary: string;
  nodes: { count: number; model: string; cpuPerNode: number; memoryGiPerNode: number };
  capacity: { cpuCores: number; memoryGi: number };
  systemReserve: { cpuCores: number; memoryGi: number; basis: string };
  allocatable: { cpuCores: number; memoryGi: number };
  /** Requests of what runs all the time. */
  platform: { cpuCores: number; memoryGi: number; memoryMi: number };
  /** Per component, largest memory first: "<cpu>m CPU, <memory>Mi (<pods> pods)". */
  components: Record<string, string>;
  /** Install hooks, backups and scheduled runs: only while they run. */
  jobs: Record<string, string>;
  /** Components that run but whose requests could not be read: the totals leave them out. */
  unknown: Record<string, string>;
  /** User workloads left out on purpose. */
  excluded: string[];
  headroom: {
    cpuCores: number;
    memoryGi: number;
    smallNotebook: string;
    smallNotebooksFit: number | "unknown";
    activeUsers: number;
    activeUsersFit: boolean | "unknown";
  };
  goal: {
    platformMemoryGi: number;
    budgetGi: number;
    withinBudget: boolean;
    usersShareOfCapacityPercent: number;
    targetPercent: number;
    usersShareMet: boolean;
  };
  dominatedBy: string;
};

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

/** The `small` notebook profile's guarantees, from the JupyterHub release's values. */
function smallNotebook(run: ProgramRun): { cpuMilli: number; memoryMi: number; from: string } | undefined {
  const hub = run.resources.find(
    (r) =>
      r.type === "kubernetes:helm.sh/v3:Release" && chartKeyOf(String(r.inputs.chart ?? "")) === "jupyterhub",
  );
  if (!hub) return undefined;
  const su = hub.inputs.values?.singleuser ?? {};
  const profile = (su.profileList ?? []).find((p: any) =>
    [p.slug, p.display_name].some((n) => typeof n === "string" && /\bsmall\b/i.test(n)),
  );
  const o = profile?.kubespawner_override ?? {};
  const cpu = cpuMilli(o.cpu_guarantee ?? su.cpu?.guarantee ?? o.cpu_limit ?? su.cpu?.limit);
  const mem = spawnerMemoryMi(o.mem_guarantee ?? su.memory?.guarantee ?? o.mem_limit ?? su.memory?.limit);
  if (cpu === undefined || mem === undefined) return undefined;
  return {
    cpuMilli: cpu,
    memoryMi: mem,
    from: profile ? `profile ${profile.slug ?? profile.display_name}` : "singleuser defaults",
  };
}

function line(r: { cpuMilli: number; memoryMi: number; pods: number }): string {
  return `${Math.round(r.cpuMilli)}m CPU, ${Math.round(r.memoryMi)}Mi (${r.pods} pod${r.pods === 1 ? "" : "s"})`;
}

export function edgeCapacityEstimate(run: ProgramRun): EdgeCapacity {
  const e = run.config.edge!;
  const workloads = workloadRequests(run, e.nodeCount);
  const all: ComponentRequest[] = [...workloads.requests];
  const unknown: UnknownRequest[] = [...workloads.unknown];
  for (const r of run.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
    const got = releaseRequests(String(r.inputs.chart ?? ""), r.inputs.values, {
      release: String(r.inputs.name ?? r.name),
      nodeCount: e.nodeCount,
    });
    all.push(...got.requests);
    unknown.push(...got.unknown);
  }
  const steady = all.filter((r) => r.kind === "steady").sort((a, b) => b.memoryMi - a.memoryMi);
  const jobs = all.filter((r) => r.kind === "job").sort((a, b) => b.memoryMi - a.memoryMi);
  const cpu = steady.reduce((s, r) => s + r.cpuMilli, 0);
  const mem = steady.reduce((s, r) => s + r.memoryMi, 0);

  const capCpu = e.nodeCount * e.nodeCpu * 1000;
  const capMem = e.nodeCount * e.nodeMemoryGi * 1024;
  const agents = Math.max(0, e.nodeCount - 1);
  // k3s's share, the pods it ships, and on every node the OS's system-reserved and the eviction threshold
  // ansible-pi configures (components/edge/nodes.ts).
  const resCpu =
    K3S_RESERVE.server.cpuMilli +
    agents * K3S_RESERVE.agent.cpuMilli +
    K3S_RESERVE.packagedPods.cpuMilli +
    e.nodeCount * NODE_SYSTEM_RESERVED.cpuMilli;
  const resMem =
    K3S_RESERVE.server.memoryMi +
    agents * K3S_RESERVE.agent.memoryMi +
    K3S_RESERVE.packagedPods.memoryMi +
    e.nodeCount * (NODE_SYSTEM_RESERVED.memoryMi + KUBELET_EVICTION_MI);
  const freeCpu = capCpu - resCpu - cpu;
  const freeMem = capMem - resMem - mem;

  const nb = smallNotebook(run);
  const fit = nb
    ? Math.max(0, Math.floor(Math.min(freeCpu / nb.cpuMilli, freeMem / nb.memoryMi)))
    : "unknown";
  const share = freeMem / capMem;
  const top = steady
    .slice(0, 3)
    .map((r) => `${r.component} ${Math.round(r.memoryMi)}Mi (${Math.round((100 * r.memoryMi) / mem)}%)`);

  const gi = (mi: number): number => round(mi / 1024);
  return {
    summary:
      `platform requests ${round(cpu / 1000)} CPU / ${gi(mem)} GiB of ${round(capCpu / 1000)} CPU / ${gi(capMem)} GiB; ` +
      `${gi(freeMem)} GiB (${Math.round(share * 100)}%) left for users` +
      (unknown.length ? `; ${unknown.length} component(s) with UNKNOWN requests not counted` : ""),
    nodes: { count: e.nodeCount, model: e.nodeModel, cpuPerNode: e.nodeCpu, memoryGiPerNode: e.nodeMemoryGi },
    capacity: { cpuCores: round(capCpu / 1000), memoryGi: gi(capMem) },
    systemReserve: { cpuCores: round(resCpu / 1000), memoryGi: gi(resMem), basis: K3S_RESERVE.basis },
    allocatable: { cpuCores: round((capCpu - resCpu) / 1000), memoryGi: gi(capMem - resMem) },
    platform: { cpuCores: round(cpu / 1000), memoryGi: gi(mem), memoryMi: Math.round(mem) },
    components: Object.fromEntries(steady.map((r) => [r.component, line(r)])),
    jobs: Object.fromEntries(jobs.map((r) => [r.component, line(r)])),
    unknown: Object.fromEntries(unknown.map((u) => [u.component, u.reason])),
    excluded: workloads.excluded,
    headroom: {
      cpuCores: round(freeCpu / 1000),
      memoryGi: gi(freeMem),
      smallNotebook: nb
        ? `${Math.round(nb.cpuMilli)}m CPU, ${Math.round(nb.memoryMi)}Mi guaranteed (${nb.from})`
        : "unknown: no JupyterHub release with a small profile or singleuser guarantees",
      smallNotebooksFit: fit,
      activeUsers: run.config.activeUsers,
      activeUsersFit: fit === "unknown" ? "unknown" : fit >= run.config.activeUsers,
    },
    goal: {
      platformMemoryGi: gi(mem),
      budgetGi: PLATFORM_MEMORY_BUDGET_GI,
      withinBudget: mem <= PLATFORM_MEMORY_BUDGET_GI * 1024 && unknown.length === 0,
      usersShareOfCapacityPercent: round(share * 100, 1),
      targetPercent: USERS_SHARE_TARGET * 100,
      usersShareMet: share >= USERS_SHARE_TARGET && unknown.length === 0,
    },
    dominatedBy: top.join(", "),
  };
}
