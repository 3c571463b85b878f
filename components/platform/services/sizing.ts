/**
 * CPU and memory of every container the platform services run, per size profile, in one table.
 *
 * The values builders read requests and limits from here, and `platformServicesRequests` lists the same
 * figures per release for the edge capacity estimate, so the estimate and what is deployed cannot drift.
 */

/** `edge`: a few Raspberry Pis (the whole platform must request <= 2 GiB); `standard`: AWS dev; `production`. */
export type SizeProfile = "edge" | "standard" | "production";

export interface ContainerSize {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** What decides the size profile: production first, then whether the target is a small edge cluster. */
export interface SizingTarget {
  /** Where the platform runs (`edge`: a few small nodes). */
  target: "aws" | "edge";
  /** Production: replicated services with disruption budgets. */
  production: boolean;
}

export function sizeProfile(settings: SizingTarget): SizeProfile {
  if (settings.production) return "production";
  return settings.target === "edge" ? "edge" : "standard";
}

function size(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): ContainerSize {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

export type ServiceContainer =
  | "traefik"
  | "certManagerController"
  | "certManagerWebhook"
  | "certManagerCainjector"
  | "certManagerStartupCheck"
  | "acmeSolver"
  | "sparkController"
  | "sparkWebhook"
  | "prometheus"
  | "prometheusConfigReloader"
  | "prometheusOperator"
  | "prometheusAdmissionPatch"
  | "kubeStateMetrics"
  | "nodeExporter"
  | "alertmanager"
  | "grafana"
  | "grafanaSidecar"
  | "headlamp"
  | "databaseRolesJob"
  | "postgresExporter";

const EDGE: Record<ServiceContainer, ContainerSize> = {
  traefik: size("25m", "48Mi", "300m", "128Mi"),
  certManagerController: size("10m", "40Mi", "200m", "128Mi"),
  certManagerWebhook: size("5m", "20Mi", "100m", "64Mi"),
  certManagerCainjector: size("5m", "40Mi", "100m", "128Mi"),
  certManagerStartupCheck: size("5m", "16Mi", "100m", "64Mi"),
  acmeSolver: size("5m", "16Mi", "50m", "32Mi"),
  sparkController: size("10m", "40Mi", "200m", "128Mi"),
  sparkWebhook: size("5m", "24Mi", "100m", "64Mi"),
  prometheus: size("100m", "192Mi", "1", "640Mi"),
  prometheusConfigReloader: size("5m", "16Mi", "50m", "32Mi"),
  prometheusOperator: size("10m", "40Mi", "200m", "128Mi"),
  prometheusAdmissionPatch: size("5m", "16Mi", "100m", "64Mi"),
  kubeStateMetrics: size("10m", "32Mi", "100m", "96Mi"),
  nodeExporter: size("10m", "16Mi", "100m", "48Mi"),
  alertmanager: size("5m", "24Mi", "100m", "64Mi"),
  grafana: size("50m", "96Mi", "500m", "256Mi"),
  grafanaSidecar: size("5m", "40Mi", "100m", "96Mi"),
  headlamp: size("10m", "32Mi", "200m", "128Mi"),
  databaseRolesJob: size("10m", "16Mi", "200m", "64Mi"),
  postgresExporter: size("10m", "24Mi", "100m", "64Mi"),
};

const STANDARD: Record<ServiceContainer, ContainerSize> = {
  ...EDGE,
  traefik: size("100m", "96Mi", "1", "256Mi"),
  certManagerController: size("20m", "64Mi", "500m", "256Mi"),
  certManagerWebhook: size("10m", "32Mi", "200m", "128Mi"),
  certManagerCainjector: size("10m", "64Mi", "200m", "256Mi"),
  sparkController: size("50m", "64Mi", "500m", "256Mi"),
  sparkWebhook: size("20m", "32Mi", "200m", "128Mi"),
  prometheus: size("250m", "1Gi", "2", "2Gi"),
  prometheusOperator: size("50m", "64Mi", "500m", "256Mi"),
  kubeStateMetrics: size("20m", "64Mi", "200m", "192Mi"),
  nodeExporter: size("20m", "24Mi", "200m", "64Mi"),
  alertmanager: size("10m", "48Mi", "200m", "128Mi"),
  grafana: size("100m", "192Mi", "1", "512Mi"),
  grafanaSidecar: size("10m", "64Mi", "200m", "128Mi"),
  headlamp: size("20m", "64Mi", "500m", "256Mi"),
};

const PRODUCTION: Record<ServiceContainer, ContainerSize> = {
  ...STANDARD,
  traefik: size("200m", "128Mi", "2", "512Mi"),
  prometheus: size("500m", "2Gi", "4", "4Gi"),
  grafana: size("200m", "256Mi", "2", "1Gi"),
};

export const SIZES: Record<SizeProfile, Record<ServiceContainer, ContainerSize>> = {
  edge: EDGE,
  standard: STANDARD,
  production: PRODUCTION,
};

/** Prometheus retention and volume per profile: what a Pi's SD card or SSD holds, or a month on AWS. */
export const PROMETHEUS_STORAGE: Record<
  SizeProfile,
  { retention: string; retentionSize: string; volumeGi: number }
> = {
  edge: { retention: "7d", retentionSize: "4GB", volumeGi: 5 },
  standard: { retention: "15d", retentionSize: "18GB", volumeGi: 20 },
  production: { retention: "30d", retentionSize: "90GB", volumeGi: 100 },
};

/** Replicas of what can run replicated: two in production (with a PodDisruptionBudget), else one. */
export function replicasFor(settings: Pick<SizingTarget, "production">): number {
  return settings.production ? 2 : 1;
}

/** One long-running container of a release, for the capacity estimate. */
export interface ReleaseRequest {
  /** Helm release (or raw workload) name as registered. */
  release: string;
  container: ServiceContainer;
  /** Pods of this container; for a DaemonSet, pods per node (multiply by the node count). */
  replicas: number;
  perNode: boolean;
  requests: { cpu: string; memory: string };
}

/**
 * Every long-running container the platform services deploy, with its replicas and requests, for the
 * edge capacity estimate (jobs and hooks that run to completion are left out). `installIngress` false
 * means the cluster's own Traefik (k3s) serves ingress and is not ours to count.
 */
export function platformServicesRequests(settings: SizingTarget, installIngress: boolean): ReleaseRequest[] {
  const s = SIZES[sizeProfile(settings)];
  const n = replicasFor(settings);
  const row = (release: string, container: ServiceContainer, replicas: number, perNode = false) => ({
    release,
    container,
    replicas,
    perNode,
    requests: s[container].requests,
  });
  return [
    ...(installIngress ? [row("traefik", "traefik", n)] : []),
    row("cert-manager", "certManagerController", n),
    row("cert-manager", "certManagerWebhook", n),
    row("cert-manager", "certManagerCainjector", n),
    row("spark-operator", "sparkController", n),
    row("spark-operator", "sparkWebhook", n),
    row("kube-prometheus-stack", "prometheus", n),
    row("kube-prometheus-stack", "prometheusConfigReloader", n),
    row("kube-prometheus-stack", "prometheusOperator", 1),
    row("kube-prometheus-stack", "kubeStateMetrics", 1),
    row("kube-prometheus-stack", "nodeExporter", 1, true),
    row("kube-prometheus-stack", "alertmanager", n),
    // Alertmanager pods carry a config reloader too.
    row("kube-prometheus-stack", "prometheusConfigReloader", n),
    row("postgres-exporter", "postgresExporter", 1),
    row("grafana", "grafana", n),
    row("grafana", "grafanaSidecar", n),
    row("headlamp", "headlamp", n),
  ];
}

const UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Bytes of a Kubernetes memory quantity (`256Mi`, `1Gi`, `500M`); undefined when `q` is not one. */
export function memoryQuantityBytes(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kMGT])?$/.exec(q);
  return m ? Number(m[1]) * (m[2] ? UNITS[m[2]] : 1) : undefined;
}

/** Bytes of a Kubernetes memory quantity (`256Mi`, `1Gi`, `500M`); throws when `q` is not one. */
export function memoryBytes(q: string): number {
  const bytes = memoryQuantityBytes(q);
  if (bytes === undefined) throw new Error(`not a memory quantity: ${q}`);
  return bytes;
}

/** Cores of a Kubernetes CPU quantity (`250m`, `1`). */
export function cpuCores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q);
  if (!m) throw new Error(`not a CPU quantity: ${q}`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}
