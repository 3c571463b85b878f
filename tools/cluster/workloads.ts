/**
 * Pods the cluster suite places: the platform's own (what the plan registers, and what each upstream Helm
 * release's chart runs, as the capacity estimate reads it). Notebook servers, shaped as KubeSpawner builds
 * them from the JupyterHub release's values, are in notebook-pods.ts.
 */
import { releaseRequests } from "../plan/estimates/chart-requests";
import { workloadRequests } from "../plan/estimates/workload-requests";
import type { ProgramRun } from "../plan/offline";
import { manifests, releases, type Plan } from "./plan";
import type { SimNode } from "./nodes";
import { EKS_ADDON_PODS } from "../../components/aws/catalogue";

export const PLACEMENT_LABEL = "datavis.io/placement";

/** A pod-shaped thing to place; `pod` is the Pod object to create. */
export interface PlacedPod {
  /** Component it belongs to (for the report). */
  component: string;
  pod: Record<string, any>;
}

/** Container settings Pod Security `restricted` requires, for stand-in pods whose real spec is a chart's. */
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  runAsUser: 65534,
  seccompProfile: { type: "RuntimeDefault" },
};
const PAUSE = "registry.k8s.io/pause:3.10";

/** A name made valid for Kubernetes (DNS label: lower case, digits and dashes, at most `max`). */
export const dns = (s: string, max = 63): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");

function standIn(
  namespace: string,
  name: string,
  component: string,
  req: { cpuMilli: number; memoryMi: number },
  extra: Record<string, any> = {},
): PlacedPod {
  return {
    component,
    pod: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: dns(name),
        namespace,
        labels: { [PLACEMENT_LABEL]: "platform" },
        annotations: { "datavis.io/component": component },
      },
      spec: {
        automountServiceAccountToken: false,
        containers: [
          {
            name: "main",
            image: PAUSE,
            securityContext: RESTRICTED_CONTAINER,
            resources: {
              requests: { cpu: `${Math.round(req.cpuMilli)}m`, memory: `${Math.round(req.memoryMi)}Mi` },
            },
          },
        ],
        ...extra,
      },
    },
  };
}

/**
 * A DaemonSet's pod on one node, pinned the way the DaemonSet controller pins it (nodeAffinity on the name);
 * `tolerateAll` unless it is one that stays off tainted nodes (Traefik's).
 */
function onNode(node: string, tolerateAll = true): Record<string, any> {
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
        },
      },
    },
    // DaemonSets of these charts (node-exporter, image pullers, CNI) tolerate their nodes' taints.
    ...(tolerateAll ? { tolerations: [{ operator: "Exists" }] } : {}),
  };
}

/** EKS's own pods (EKS_ADDON_PODS of the AWS catalogue): each takes a pod slot of the VPC CNI's limit. */
function eksAddonPods(nodes: SimNode[]): PlacedPod[] {
  const out: PlacedPod[] = [];
  for (const n of nodes)
    for (const p of EKS_ADDON_PODS.perNode)
      out.push(
        standIn(
          "kube-system",
          `${p.name}-${n.name}`,
          `eks/${p.name}`,
          { cpuMilli: p.cpuMilli, memoryMi: p.memoryMi },
          onNode(n.name),
        ),
      );
  for (let i = 0; i < 2; i++)
    for (const p of EKS_ADDON_PODS.perCluster)
      if (i < p.replicas)
        out.push(
          standIn("kube-system", `${p.name}-${i}`, `eks/${p.name}`, {
            cpuMilli: p.cpuMilli,
            memoryMi: p.memoryMi,
          }),
        );
  return out;
}

/** k3s's packaged pods (CoreDNS, metrics-server): K3S_RESERVE.packagedPods, split between the two. */
function k3sPods(packaged: { cpuMilli: number; memoryMi: number }): PlacedPod[] {
  return ["coredns", "metrics-server"].map((n) =>
    standIn("kube-system", n, `k3s/${n}`, {
      cpuMilli: packaged.cpuMilli / 2,
      memoryMi: packaged.memoryMi / 2,
    }),
  );
}

/** Pods of the plan's raw workloads, from their real pod templates. */
function rawWorkloadPods(plan: Plan, nodes: SimNode[]): PlacedPod[] {
  const out: PlacedPod[] = [];
  for (const m of manifests(plan)) {
    const o = m.object;
    const ns = o.metadata?.namespace ?? "default";
    const name = o.metadata?.name ?? "workload";
    const fromTemplate = (tpl: any, podName: string, extra: Record<string, any> = {}): PlacedPod => {
      const spec = { ...(tpl?.spec ?? {}), ...extra };
      // Volumes stay out: placement is about CPU, memory, pod slots, selectors and taints; claims and
      // secrets the pod mounts are not provisioned in this cluster.
      delete spec.volumes;
      const strip = (c: any): any => ({ ...c, volumeMounts: undefined });
      spec.containers = (spec.containers ?? []).map(strip);
      if (spec.initContainers) spec.initContainers = spec.initContainers.map(strip);
      return {
        component: `${o.kind} ${ns}/${name}`,
        pod: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: dns(podName),
            namespace: ns,
            labels: { ...(tpl?.metadata?.labels ?? {}), [PLACEMENT_LABEL]: "platform" },
            annotations: { "datavis.io/component": `${o.kind} ${ns}/${name}` },
          },
          spec,
        },
      };
    };
    switch (o.kind) {
      case "Deployment":
      case "StatefulSet":
      case "ReplicaSet":
        for (let i = 0; i < (o.spec?.replicas ?? 1); i++)
          out.push(fromTemplate(o.spec?.template, `${name}-${i}`));
        break;
      case "DaemonSet":
        for (const n of nodes) out.push(fromTemplate(o.spec?.template, `${name}-${n.name}`, onNode(n.name)));
        break;
      case "Pod":
        out.push(fromTemplate({ metadata: o.metadata, spec: o.spec }, name));
        break;
    }
  }
  return out;
}

/**
 * Pods of Helm releases and of pod-running custom resources (CloudNativePG Cluster, Prometheus, ...), as
 * the capacity estimate reads them (chart-requests.ts, workload-requests.ts). A component whose pod count
 * follows the node count is a DaemonSet: one pod per node.
 */
function estimatedPods(plan: Plan, nodes: SimNode[]): { pods: PlacedPod[]; unknown: string[] } {
  const out: PlacedPod[] = [];
  const unknown: string[] = [];
  const add = (
    ns: string,
    c: { component: string; pods: number; cpuMilli: number; memoryMi: number; untaintedOnly?: true },
    daemon: boolean,
  ): void => {
    const per = { cpuMilli: c.cpuMilli / c.pods, memoryMi: c.memoryMi / c.pods };
    if (daemon)
      for (const n of nodes.filter((x) => !c.untaintedOnly || x.taints.length === 0))
        out.push(standIn(ns, `${c.component}-${n.name}`, c.component, per, onNode(n.name, !c.untaintedOnly)));
    else for (let i = 0; i < c.pods; i++) out.push(standIn(ns, `${c.component}-${i}`, c.component, per));
  };
  for (const r of releases(plan)) {
    const chart = String(r.inputs.chart ?? "");
    const ctx = (nodeCount: number): { release: string; nodeCount: number } => ({
      release: String(r.inputs.name ?? r.name),
      nodeCount,
    });
    const one = releaseRequests(chart, r.inputs.values, ctx(1));
    const two = releaseRequests(chart, r.inputs.values, ctx(2));
    unknown.push(...one.unknown.map((u) => `${u.component}: ${u.reason}`));
    for (const c of one.requests) {
      if (c.kind !== "steady") continue;
      const daemon = two.requests.find((x) => x.component === c.component)!.pods !== c.pods;
      add(String(r.inputs.namespace ?? "default"), c, daemon);
    }
  }
  const run = { resources: plan.resources, config: {} } as unknown as ProgramRun;
  const w = workloadRequests(run, nodes.length);
  unknown.push(
    ...w.unknown.filter((u) => !/helm\.sh|yaml\//.test(u.reason)).map((u) => `${u.component}: ${u.reason}`),
  );
  for (const c of w.requests) {
    // Raw Deployments/DaemonSets/... are placed from their real templates; custom resources from requests.
    const kind = c.component.split(" ")[0];
    if (["Deployment", "StatefulSet", "ReplicaSet", "DaemonSet", "Pod", "Job", "CronJob"].includes(kind))
      continue;
    if (c.kind !== "steady") continue;
    const ns = c.component.split(" ")[1]?.split("/")[0] ?? "default";
    add(ns, { ...c, component: c.component }, false);
  }
  return { pods: out, unknown };
}

/** Everything the platform runs all the time, on these nodes; components whose requests are unknown. */
export function platformPods(
  plan: Plan,
  nodes: SimNode[],
  target: "edge" | "aws",
  k3sPackaged?: { cpuMilli: number; memoryMi: number },
): { pods: PlacedPod[]; unknown: string[] } {
  const est = estimatedPods(plan, nodes);
  const system = target === "aws" ? eksAddonPods(nodes) : k3sPods(k3sPackaged!);
  return { pods: [...system, ...rawWorkloadPods(plan, nodes), ...est.pods], unknown: est.unknown };
}
