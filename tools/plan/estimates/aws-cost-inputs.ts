/**
 * What the AWS cost estimate reads: the region's pricing table (pricing/aws-<region>.json), the volumes the
 * platform claims, and which load balancer Traefik's Service gets.
 */
import * as fs from "fs";
import * as path from "path";
import type { RecordedResource } from "../offline";

export interface Pricing {
  region: string;
  compiled: string;
  source: string;
  hoursPerMonth: number;
  eks: { controlPlanePerHour: number };
  natGateway: { perHour: number; perGbProcessed: number };
  publicIpv4PerHour: number;
  networkLoadBalancer: { perHour: number; perLcuHour: number };
  classicLoadBalancer: { perHour: number; perGbProcessed: number };
  ebs: { gp3PerGbMonth: number };
  s3: { standardPerGbMonth: number };
  kms: { perKeyMonth: number };
  cloudwatchLogs: { ingestPerGb: number; storagePerGbMonth: number };
  spotPriceFraction: number;
  ec2OnDemandPerHour: Record<string, number>;
  ec2MemoryGi: Record<string, number>;
  rdsPostgresSingleAzPerHour: Record<string, number>;
  rdsStorage: { gp3PerGbMonth: number };
  assumptions: {
    controlPlaneLogGbPerMonth: Record<string, number>;
    flowLogGbPerMonthIdle: number;
    flowLogGbPerActiveUserMonth: number;
    s3GbPerUser: number;
    natGbPerActiveUserMonth: number;
    activeHoursPerMonth: number;
    notebookMemoryGiPerUser: number;
    allocatableMemoryFraction: number;
    sparkNodeHoursPerActiveUserMonth: number;
    nlbGbPerActiveUserHour: number;
  };
}

export function loadPricing(region: string): Pricing | undefined {
  const file = path.join(__dirname, "pricing", `aws-${region}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Pricing) : undefined;
}

/** Parses Kubernetes quantities such as "10Gi" / "500Mi" to GiB. */
function gib(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Gi|Mi|Ti|G|M|T)?$/.exec(String(q ?? ""));
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  const f: Record<string, number> = {
    Gi: 1,
    G: 0.93,
    Mi: 1 / 1024,
    M: 0.00093,
    Ti: 1024,
    T: 931,
    "": 1 / 2 ** 30,
  };
  return n * f[unit];
}

export function dig(o: any, ...keys: string[]): unknown {
  return keys.reduce((x, k) => (x && typeof x === "object" ? x[k] : undefined), o);
}

/** Persistent volumes the platform's charts and manifests claim (Prometheus, Alertmanager, Grafana, hub). */
export function platformVolumesGi(resources: RecordedResource[]): number {
  let total = 0;
  for (const r of resources) {
    if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
      total += gib(dig(r.inputs, "spec", "resources", "requests", "storage"));
    }
    if (r.type !== "kubernetes:helm.sh/v3:Release") continue;
    const v = r.inputs.values ?? {};
    const chart = String(r.inputs.chart ?? "");
    // The hub's SQLite volume exists only with z2jh's sqlite-pvc (its default); a PostgreSQL hub has none.
    const hubDb = dig(v, "hub", "db", "type") ?? "sqlite-pvc";
    if (chart.includes("jupyterhub") && hubDb === "sqlite-pvc")
      total += gib(dig(v, "hub", "db", "pvc", "storage") ?? "1Gi");
    if (chart.includes("kube-prometheus-stack")) {
      total += gib(
        dig(
          v,
          "prometheus",
          "prometheusSpec",
          "storageSpec",
          "volumeClaimTemplate",
          "spec",
          "resources",
          "requests",
          "storage",
        ),
      );
      total += gib(
        dig(
          v,
          "alertmanager",
          "alertmanagerSpec",
          "storage",
          "volumeClaimTemplate",
          "spec",
          "resources",
          "requests",
          "storage",
        ),
      );
    }
    if (chart.includes("grafana") && dig(v, "persistence", "enabled") === true)
      total += gib(dig(v, "persistence", "size"));
  }
  return total;
}

/** Which load balancer Traefik's Service gets, from the Helm releases the plan registers. */
export function ingressLoadBalancer(resources: RecordedResource[]):
  | {
      kind: "nlb" | "clb";
      internetFacing: boolean;
      /** Subnets the load balancer names (`aws-load-balancer-subnets`); unset: every public subnet. */
      subnets?: number;
    }
  | undefined {
  const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
  const chart = (r: RecordedResource) => String(r.inputs.chart ?? "");
  const controller = releases.some((r) => chart(r).includes("aws-load-balancer-controller"));
  const traefik = releases.find((r) => /(^|\/)traefik(-[\d.]+\.tgz)?$/.test(chart(r)));
  // No load balancer where Traefik's Service is not of type LoadBalancer (ingressMode natInstance: the NAT
  // instance forwards to host ports) or there is no Traefik of ours.
  const serviceType = dig(traefik?.inputs.values, "service", "spec", "type") ?? "LoadBalancer";
  if (!traefik || serviceType !== "LoadBalancer") return undefined;
  const ann = (dig(traefik.inputs.values, "service", "annotations") ?? {}) as Record<string, string>;
  const p = "service.beta.kubernetes.io/aws-load-balancer-";
  const nlb = controller && ["external", "nlb-ip"].includes(ann[`${p}type`]);
  // The controller's default scheme is internal (annotations.md); the cloud provider's, internet-facing.
  const internetFacing = nlb ? ann[`${p}scheme`] === "internet-facing" : ann[`${p}internal`] !== "true";
  const named = nlb ? ann[`${p}subnets`] : undefined;
  return {
    kind: nlb ? "nlb" : "clb",
    internetFacing,
    ...(named ? { subnets: named.split(",").filter((x) => x.trim()).length } : {}),
  };
}
