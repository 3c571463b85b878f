/**
 * Requested CPU/memory of the raw workloads a program registered (Deployments, StatefulSets, DaemonSets x
 * nodes, Jobs, CronJobs, Pods) and of the pod-running custom resources (the CloudNativePG Cluster with its
 * backup sidecar, Prometheus/Alertmanager). Users' work (SparkApplications) is listed apart: it is what the
 * headroom is for. Read by the edge capacity estimate, the AWS system pool estimate and the cluster harness.
 */
import type { ProgramRun, RecordedResource } from "../offline";
import type { ComponentRequest, UnknownRequest } from "./chart-requests";
import { containerRequests, podSpecRequests } from "./requests";

/** Custom resources that describe users' work, not the platform's. */
const USER_WORKLOAD_KINDS = ["SparkApplication", "ScheduledSparkApplication"];

function meta(r: RecordedResource): string {
  const m = r.inputs.metadata ?? {};
  return `${m.namespace ?? "default"}/${m.name ?? r.name}`;
}

/** Requests of raw workloads and pod-running custom resources. */
export function workloadRequests(
  run: ProgramRun,
  nodeCount: number,
): { requests: ComponentRequest[]; unknown: UnknownRequest[]; excluded: string[] } {
  const requests: ComponentRequest[] = [];
  const unknown: UnknownRequest[] = [];
  const excluded: string[] = [];
  const addPod = (r: RecordedResource, spec: any, pods: number, kind: "steady" | "job"): void => {
    const component = `${kindOf(r)} ${meta(r)}`;
    const p = podSpecRequests(spec);
    if (p.missing.length) unknown.push({ component, reason: p.missing.join("; ") });
    else if (pods > 0)
      requests.push({ component, pods, cpuMilli: p.cpuMilli * pods, memoryMi: p.memoryMi * pods, kind });
  };

  for (const r of run.resources) {
    const i = r.inputs;
    switch (r.type) {
      case "kubernetes:apps/v1:Deployment":
      case "kubernetes:apps/v1:StatefulSet":
      case "kubernetes:apps/v1:ReplicaSet":
        addPod(r, i.spec?.template?.spec, i.spec?.replicas ?? 1, "steady");
        break;
      case "kubernetes:apps/v1:DaemonSet":
        addPod(r, i.spec?.template?.spec, nodeCount, "steady");
        break;
      case "kubernetes:core/v1:Pod":
        addPod(r, i.spec, 1, "steady");
        break;
      case "kubernetes:batch/v1:Job":
        addPod(r, i.spec?.template?.spec, i.spec?.parallelism ?? 1, "job");
        break;
      case "kubernetes:batch/v1:CronJob":
        addPod(
          r,
          i.spec?.jobTemplate?.spec?.template?.spec,
          i.spec?.jobTemplate?.spec?.parallelism ?? 1,
          "job",
        );
        break;
      case "kubernetes:postgresql.cnpg.io/v1:Cluster":
        cnpgCluster(run, r, requests, unknown);
        break;
      case "kubernetes:monitoring.coreos.com/v1:Prometheus":
      case "kubernetes:monitoring.coreos.com/v1:Alertmanager": {
        const component = `${kindOf(r)} ${meta(r)}`;
        const c = containerRequests(i.spec?.resources);
        const pods = i.spec?.replicas ?? 1;
        if ("missing" in c) unknown.push({ component, reason: c.missing });
        else
          requests.push({
            component,
            pods,
            cpuMilli: c.cpuMilli * pods,
            memoryMi: c.memoryMi * pods,
            kind: "steady",
          });
        break;
      }
      case "kubernetes:helm.sh/v4:Chart":
      case "kubernetes:yaml/v2:ConfigFile":
      case "kubernetes:yaml/v2:ConfigGroup":
        unknown.push({
          component: r.name,
          reason: `${r.type} renders on the provider; its pods are not visible here`,
        });
        break;
      default:
        if (USER_WORKLOAD_KINDS.some((k) => r.type.endsWith(`:${k}`)))
          excluded.push(`${kindOf(r)} ${meta(r)}`);
    }
  }
  return { requests, unknown, excluded };
}

function kindOf(r: RecordedResource): string {
  return r.type.split(":").pop()!;
}

/** CloudNativePG instances, plus the Barman Cloud sidecar a patch or the spec adds to each. */
function cnpgCluster(
  run: ProgramRun,
  r: RecordedResource,
  requests: ComponentRequest[],
  unknown: UnknownRequest[],
): void {
  const component = `Cluster ${meta(r)}`;
  const spec = r.inputs.spec ?? {};
  const instances = spec.instances ?? 1;
  const pg = containerRequests(spec.resources);
  if ("missing" in pg) {
    unknown.push({ component, reason: `postgres: ${pg.missing}` });
    return;
  }
  requests.push({
    component,
    pods: instances,
    cpuMilli: pg.cpuMilli * instances,
    memoryMi: pg.memoryMi * instances,
    kind: "steady",
  });
  const m = r.inputs.metadata ?? {};
  const patches = run.resources.filter(
    (p) =>
      p.type === "kubernetes:postgresql.cnpg.io/v1:ClusterPatch" &&
      p.inputs.metadata?.name === m.name &&
      (p.inputs.metadata?.namespace ?? "default") === (m.namespace ?? "default"),
  );
  const plugins: any[] = [...(spec.plugins ?? []), ...patches.flatMap((p) => p.inputs.spec?.plugins ?? [])];
  for (const plugin of plugins) {
    if (plugin.name !== "barman-cloud.cloudnative-pg.io") {
      unknown.push({
        component: `${component} plugin ${plugin.name}`,
        reason: "no reader for this plugin's sidecar",
      });
      continue;
    }
    const storeName = plugin.parameters?.barmanObjectName;
    const store = run.resources.find(
      (s) =>
        s.type === "kubernetes:barmancloud.cnpg.io/v1:ObjectStore" &&
        s.inputs.metadata?.name === storeName &&
        (s.inputs.metadata?.namespace ?? "default") === (m.namespace ?? "default"),
    );
    const side = containerRequests(store?.inputs.spec?.instanceSidecarConfiguration?.resources);
    const sidecar = `${component} barman-cloud sidecar`;
    if ("missing" in side)
      unknown.push({ component: sidecar, reason: `ObjectStore ${storeName}: ${side.missing}` });
    else
      requests.push({
        component: sidecar,
        pods: instances,
        cpuMilli: side.cpuMilli * instances,
        memoryMi: side.memoryMi * instances,
        kind: "steady",
      });
  }
}
