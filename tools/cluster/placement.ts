/**
 * Placement: simulated nodes, pods created on them, and what the real kube-scheduler decided for each:
 * bound to a node, or Pending with the scheduler's own FailedScheduling message.
 */
import { podSpecRequests } from "../plan/estimates/requests";
import type { ControlPlane } from "./harness";
import { nodeObject, type SimNode } from "./nodes";
import type { PlacedPod } from "./workloads";

export interface PodOutcome {
  component: string;
  namespace: string;
  name: string;
  cpuMilli: number;
  memoryMi: number;
  /** Node the scheduler bound it to. */
  node?: string;
  /** Why it is not placed: the scheduler's FailedScheduling event, or the API server's refusal. */
  pending?: string;
  rejected?: string;
}

export async function createNodes(cp: ControlPlane, nodes: SimNode[]): Promise<void> {
  for (const n of nodes) {
    const o = nodeObject(n);
    const r = await cp.request("POST", "/api/v1/nodes", o);
    if (r.status >= 300) throw new Error(`creating node ${n.name}: ${r.body?.message ?? r.status}`);
    const s = await cp.request(
      "PATCH",
      `/api/v1/nodes/${n.name}/status`,
      { status: o.status },
      "application/merge-patch+json",
    );
    if (s.status >= 300) throw new Error(`node ${n.name} status: ${s.body?.message ?? s.status}`);
  }
  // kwok reports the nodes Ready (and keeps their leases), as kubelets would; the capacity stays ours.
  await cp.waitFor(
    "simulated nodes Ready",
    async () => {
      const r = await cp.request("GET", "/api/v1/nodes");
      const ours = (r.body.items ?? []).filter((x: any) => nodes.some((n) => n.name === x.metadata.name));
      return (
        ours.length === nodes.length &&
        ours.every(
          (x: any) =>
            x.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") &&
            nodes.find((n) => n.name === x.metadata.name)!.allocatable.pods ===
              Number(x.status?.allocatable?.pods),
        )
      );
    },
    120_000,
  );
}

export async function ensureNamespace(
  cp: ControlPlane,
  ns: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const r = await cp.request("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns, labels },
  });
  if (r.status >= 300 && r.status !== 409) throw new Error(`namespace ${ns}: ${r.body?.message ?? r.status}`);
}

/** Creates the pods, waits until the scheduler has decided each one, and returns the outcomes. */
export async function place(cp: ControlPlane, pods: PlacedPod[], timeoutMs = 180_000): Promise<PodOutcome[]> {
  const outcomes: PodOutcome[] = [];
  for (const p of pods) {
    const ns = p.pod.metadata.namespace;
    await ensureNamespace(cp, ns);
    const req = podSpecRequests(p.pod.spec);
    const o: PodOutcome = {
      component: p.component,
      namespace: ns,
      name: p.pod.metadata.name,
      cpuMilli: req.cpuMilli,
      memoryMi: req.memoryMi,
    };
    let r = await cp.request("POST", `/api/v1/namespaces/${ns}/pods`, p.pod);
    // A namespace made a moment ago gets its default service account from the controller manager shortly.
    for (
      let i = 0;
      i < 60 && r.status === 403 && /serviceaccount .* not found/i.test(r.body?.message ?? "");
      i++
    ) {
      await new Promise((res) => setTimeout(res, 500));
      r = await cp.request("POST", `/api/v1/namespaces/${ns}/pods`, p.pod);
    }
    if (r.status >= 300) o.rejected = String(r.body?.message ?? r.status);
    outcomes.push(o);
  }
  const waiting = (): PodOutcome[] => outcomes.filter((o) => !o.rejected && !o.node && !o.pending);
  await cp.waitFor(
    `the scheduler to decide ${pods.length} pods`,
    async () => {
      const r = await cp.request("GET", "/api/v1/pods?labelSelector=datavis.io%2Fplacement");
      const byKey = new Map<string, any>(
        (r.body.items ?? []).map((x: any) => [`${x.metadata.namespace}/${x.metadata.name}`, x]),
      );
      for (const o of waiting()) {
        const x = byKey.get(`${o.namespace}/${o.name}`);
        if (!x) continue;
        if (x.spec.nodeName) o.node = x.spec.nodeName;
        else {
          const c = (x.status?.conditions ?? []).find(
            (c: any) => c.type === "PodScheduled" && c.status === "False",
          );
          if (c?.reason === "Unschedulable") o.pending = c.message;
        }
      }
      return waiting().length === 0;
    },
    timeoutMs,
  );
  // The scheduler's own event for each pod it could not place (the condition carries the same text).
  const ev = await cp.request("GET", "/api/v1/events?fieldSelector=reason%3DFailedScheduling");
  for (const o of outcomes.filter((x) => x.pending)) {
    const mine = (ev.body.items ?? []).filter(
      (e: any) => e.involvedObject?.name === o.name && e.involvedObject?.namespace === o.namespace,
    );
    const last = mine
      .sort((a: any, b: any) =>
        String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)),
      )
      .pop();
    if (last?.message) o.pending = last.message;
  }
  return outcomes;
}

export async function deletePods(cp: ControlPlane, outcomes: PodOutcome[]): Promise<void> {
  for (const o of outcomes)
    await cp.request("DELETE", `/api/v1/namespaces/${o.namespace}/pods/${o.name}?gracePeriodSeconds=0`);
  await cp.waitFor(
    "pods deleted",
    async () => {
      const r = await cp.request("GET", "/api/v1/pods?labelSelector=datavis.io%2Fplacement");
      const left = new Set(
        (r.body.items ?? []).map((x: any) => `${x.metadata.namespace}/${x.metadata.name}`),
      );
      return outcomes.every((o) => !left.has(`${o.namespace}/${o.name}`));
    },
    120_000,
  );
}

export interface NodeUse {
  node: SimNode;
  pods: number;
  cpuMilli: number;
  memoryMi: number;
}

export function nodeUse(nodes: SimNode[], outcomes: PodOutcome[]): NodeUse[] {
  return nodes.map((node) => {
    const mine = outcomes.filter((o) => o.node === node.name);
    return {
      node,
      pods: mine.length,
      cpuMilli: mine.reduce((s, o) => s + o.cpuMilli, 0),
      memoryMi: mine.reduce((s, o) => s + o.memoryMi, 0),
    };
  });
}

const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const padL = (s: string | number, n: number): string => String(s).padStart(n);

/** The placement report: pods per node, headroom per node, and every pod not placed with the reason. */
export function placementReport(title: string, nodes: SimNode[], outcomes: PodOutcome[]): string {
  const lines: string[] = [`== placement: ${title}`];
  lines.push(
    `${pad("node", 34)} ${pad("simulates", 34)} ${padL("pods", 9)} ${padL("CPU req/alloc (m)", 19)} ${padL("mem req/alloc (Mi)", 19)} ${padL("headroom", 20)}`,
  );
  for (const u of nodeUse(nodes, outcomes)) {
    const a = u.node.allocatable;
    lines.push(
      `${pad(u.node.name, 34)} ${pad(u.node.role, 34)} ${padL(`${u.pods}/${a.pods}`, 9)} ` +
        `${padL(`${Math.round(u.cpuMilli)}/${Math.round(a.cpuMilli)}`, 19)} ${padL(`${Math.round(u.memoryMi)}/${Math.round(a.memoryMi)}`, 19)} ` +
        `${padL(`${Math.round(a.cpuMilli - u.cpuMilli)}m ${Math.round(a.memoryMi - u.memoryMi)}Mi ${a.pods - u.pods}p`, 20)}`,
    );
  }
  const placed = outcomes.filter((o) => o.node).length;
  lines.push(`placed ${placed}/${outcomes.length} pods`);
  for (const o of outcomes.filter((x) => !x.node)) {
    lines.push(
      `  ${o.rejected ? "REJECTED" : "PENDING "} ${o.namespace}/${o.name} [${o.component}] ` +
        `(${Math.round(o.cpuMilli)}m, ${Math.round(o.memoryMi)}Mi): ${o.rejected ?? o.pending}`,
    );
  }
  return lines.join("\n");
}
