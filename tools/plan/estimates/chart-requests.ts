/**
 * Per-chart readers of the CPU/memory requests a Helm release will run, from the values the program passes
 * (plus what each pinned chart enables by default). A component that runs but whose requests cannot be
 * read is reported as `unknown`, never guessed: the estimate must not look better than it is.
 */
import * as fs from "fs";
import * as path from "path";
import { CHARTS, ChartKey } from "../../../components/versions";
import { containerRequests } from "./requests";

/** Requests of one component of the platform (all its replicas). */
export interface ComponentRequest {
  /** `<release>/<part>`, e.g. `jupyterhub/hub`. */
  component: string;
  /** Pods of this component (replicas, or nodes for a DaemonSet). */
  pods: number;
  /** Total over all pods. */
  cpuMilli: number;
  memoryMi: number;
  /** `steady` runs all the time; `job` runs now and then (install hooks, backups, scheduled runs). */
  kind: "steady" | "job";
  /** A DaemonSet that tolerates no taint: it runs on untainted nodes only (not the dedicated pools). */
  untaintedOnly?: true;
}

export interface UnknownRequest {
  component: string;
  reason: string;
}

export interface Extracted {
  requests: ComponentRequest[];
  unknown: UnknownRequest[];
}

export interface ExtractContext {
  /** Release name, used as the component prefix. */
  release: string;
  /** Nodes, for DaemonSets. */
  nodeCount: number;
}

/** Reads `a.b.c` from values, or `def` when absent (the chart's default). */
function get(values: any, dotted: string, def?: unknown): any {
  let v = values;
  for (const k of dotted.split(".")) {
    if (v === null || typeof v !== "object" || !(k in v)) return def;
    v = v[k];
  }
  return v ?? def;
}

class Collector implements Extracted {
  requests: ComponentRequest[] = [];
  unknown: UnknownRequest[] = [];
  constructor(private readonly ctx: ExtractContext) {}

  /**
   * One component: `containers` resources objects (one per container of its pod), times `pods`.
   * `chartDefault` stands in where the chart itself sets requests and our values do not.
   */
  add(
    part: string,
    pods: number,
    containers: unknown[],
    opts: { kind?: "steady" | "job"; chartDefault?: unknown; untaintedOnly?: true } = {},
  ): void {
    const component = `${this.ctx.release}/${part}`;
    if (pods <= 0) return;
    let cpu = 0;
    let mem = 0;
    for (const resources of containers) {
      const r = containerRequests(isEmpty(resources) ? opts.chartDefault : resources);
      if ("missing" in r) {
        this.unknown.push({ component, reason: `${r.missing} in the values and none in the chart` });
        return;
      }
      cpu += r.cpuMilli;
      mem += r.memoryMi;
    }
    this.requests.push({
      component,
      pods,
      cpuMilli: cpu * pods,
      memoryMi: mem * pods,
      kind: opts.kind ?? "steady",
      ...(opts.untaintedOnly ? { untaintedOnly: true as const } : {}),
    });
  }
  /** A DaemonSet: one pod per node (`untaintedOnly`: per untainted node, as it tolerates no taint). */
  daemonSet(
    part: string,
    containers: unknown[],
    kind: "steady" | "job" = "steady",
    untaintedOnly?: true,
  ): void {
    this.add(part, this.ctx.nodeCount, containers, { kind, untaintedOnly });
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "object" && Object.keys(v as object).length === 0);
}

type Extractor = (values: any, c: Collector) => void;

/** What each pinned chart runs, keyed like CHARTS. Defaults follow the pinned chart's values.yaml. */
export const EXTRACTORS: Partial<Record<ChartKey, Extractor>> = {
  clusterAutoscaler: (v, c) => c.add("cluster-autoscaler", get(v, "replicaCount", 1), [get(v, "resources")]),

  // values.yaml replicaCount: 2; templates/deployment.yaml line 14.
  awsLoadBalancerController: (v, c) => c.add("controller", get(v, "replicaCount", 2), [get(v, "resources")]),

  // One replica, fixed (templates/deployment.yaml line 15 of chart 1.21.1).
  externalDns: (v, c) => c.add("external-dns", 1, [get(v, "resources")]),

  cloudnativePg: (v, c) => c.add("operator", get(v, "replicaCount", 1), [get(v, "resources")]),

  barmanCloudPlugin: (v, c) => c.add("plugin", get(v, "replicaCount", 1), [get(v, "resources")]),

  seaweedfs: (v, c) => {
    if (get(v, "allInOne.enabled", false)) {
      // The chart's own default for all-in-one is 500m / 1Gi.
      c.add("all-in-one", get(v, "allInOne.replicas", 1), [get(v, "allInOne.resources")], {
        chartDefault: { requests: { cpu: "500m", memory: "1Gi" } },
      });
      if (get(v, "allInOne.s3.enabled", false) && get(v, "allInOne.s3.createBuckets"))
        c.add("bucket-hook", 1, [get(v, "allInOne.s3.createBucketsHook.resources")], { kind: "job" });
      return;
    }
    for (const [part, on] of [
      ["master", true],
      ["volume", true],
      ["filer", true],
      ["s3", false],
    ] as const) {
      if (get(v, `${part}.enabled`, on))
        c.add(part, get(v, `${part}.replicas`, 1), [get(v, `${part}.resources`)]);
    }
  },

  certManager: (v, c) => {
    if (get(v, "enabled", true) === false) return;
    c.add("controller", get(v, "replicaCount", 1), [get(v, "resources")]);
    c.add("webhook", get(v, "webhook.replicaCount", 1), [get(v, "webhook.resources")]);
    if (get(v, "cainjector.enabled", true))
      c.add("cainjector", get(v, "cainjector.replicaCount", 1), [get(v, "cainjector.resources")]);
    if (get(v, "startupapicheck.enabled", true))
      c.add("startupapicheck", 1, [get(v, "startupapicheck.resources")], { kind: "job" });
  },

  traefik: (v, c) => {
    if (!get(v, "deployment.enabled", true)) return;
    const resources = [get(v, "resources")];
    // The chart's pods tolerate no taint unless told: a DaemonSet stays off the dedicated pools.
    if (get(v, "deployment.kind", "Deployment") === "DaemonSet")
      c.daemonSet("traefik", resources, "steady", isEmpty(get(v, "tolerations")) ? true : undefined);
    else c.add("traefik", get(v, "deployment.replicas", 1), resources);
  },

  jupyterhub: (v, c) => {
    c.add("hub", 1, [get(v, "hub.resources")]);
    c.add("proxy", 1, [get(v, "proxy.chp.resources")]);
    const httpsType = get(v, "proxy.https.type", "letsencrypt");
    if (get(v, "proxy.https.enabled", false) && ["letsencrypt", "manual", "secret"].includes(httpsType)) {
      const containers = [get(v, "proxy.traefik.resources")];
      if (httpsType === "letsencrypt") containers.push(get(v, "proxy.secretSync.resources"));
      c.add("autohttps", 1, containers);
    }
    if (get(v, "scheduling.userScheduler.enabled", true))
      c.add("user-scheduler", get(v, "scheduling.userScheduler.replicas", 2), [
        get(v, "scheduling.userScheduler.resources"),
      ]);
    // Placeholders hold room for users' servers: they are the users' share, not the platform's.
    if (get(v, "prePuller.continuous.enabled", true))
      c.daemonSet("continuous-image-puller", [get(v, "prePuller.resources")]);
    // The hook puller is a DaemonSet that only lives through an install or upgrade.
    if (get(v, "prePuller.hook.enabled", true))
      c.daemonSet("hook-image-puller", [get(v, "prePuller.hook.resources")], "job");
  },

  sparkOperator: (v, c) => {
    c.add("controller", get(v, "controller.replicas", 1), [get(v, "controller.resources")]);
    if (get(v, "webhook.enable", true))
      c.add("webhook", get(v, "webhook.replicas", 1), [get(v, "webhook.resources")]);
  },

  kubePrometheusStack: (v, c) => {
    // prometheus-operator's own default for the config-reloader sidecar (--config-reloader-*-request).
    const reloader = get(v, "prometheusOperator.prometheusConfigReloader.resources");
    const reloaderDefault = { requests: { cpu: "10m", memory: "50Mi" } };
    if (get(v, "prometheusOperator.enabled", true)) {
      c.add("operator", 1, [get(v, "prometheusOperator.resources")]);
      if (get(v, "prometheusOperator.admissionWebhooks.enabled", true))
        c.add("admission-patch", 1, [get(v, "prometheusOperator.admissionWebhooks.patch.resources")], {
          kind: "job",
        });
    }
    if (get(v, "prometheus.enabled", true)) {
      const replicas = get(v, "prometheus.prometheusSpec.replicas", 1);
      c.add("prometheus", replicas, [get(v, "prometheus.prometheusSpec.resources")]);
      c.add("prometheus-config-reloader", replicas, [reloader], { chartDefault: reloaderDefault });
    }
    if (get(v, "alertmanager.enabled", true)) {
      const replicas = get(v, "alertmanager.alertmanagerSpec.replicas", 1);
      c.add("alertmanager", replicas, [get(v, "alertmanager.alertmanagerSpec.resources")]);
      c.add("alertmanager-config-reloader", replicas, [reloader], { chartDefault: reloaderDefault });
    }
    if (get(v, "kubeStateMetrics.enabled", true))
      c.add("kube-state-metrics", get(v, "kube-state-metrics.replicas", 1), [
        get(v, "kube-state-metrics.resources"),
      ]);
    if (get(v, "nodeExporter.enabled", true))
      c.daemonSet("node-exporter", [get(v, "prometheus-node-exporter.resources")]);
    if (get(v, "thanosRuler.enabled", false))
      c.add("thanos-ruler", 1, [get(v, "thanosRuler.thanosRulerSpec.resources")]);
    if (get(v, "grafana.enabled", true)) grafanaParts(get(v, "grafana", {}), c, "grafana", true);
  },

  grafana: (v, c) => grafanaParts(v, c, "grafana", false),

  headlamp: (v, c) => {
    const containers = [get(v, "resources")];
    if (get(v, "pluginsManager.enabled", false)) containers.push(get(v, "pluginsManager.resources"));
    c.add("headlamp", get(v, "replicaCount", 1), containers);
  },
};

/** The grafana chart (standalone, or as kube-prometheus-stack's subchart, which turns its sidecars on). */
function grafanaParts(v: any, c: Collector, part: string, sidecarsOnByDefault: boolean): void {
  const containers = [get(v, "resources")];
  // Each enabled sidecar is its own container with `sidecar.resources`.
  for (const s of ["dashboards", "datasources", "alerts", "plugins", "notifiers"]) {
    const def = sidecarsOnByDefault && (s === "dashboards" || s === "datasources");
    if (get(v, `sidecar.${s}.enabled`, def)) containers.push(get(v, "sidecar.resources"));
  }
  c.add(part, get(v, "replicas", 1), containers);
  if (get(v, "imageRenderer.enabled", false))
    c.add(`${part}-image-renderer`, get(v, "imageRenderer.replicas", 1), [get(v, "imageRenderer.resources")]);
}

/**
 * The project's own charts (charts/<name>, installed from their folder), keyed by folder name.
 * scheduled-notebooks: one CronJob per entry of `runs`, each with its `resources` or the chart-wide
 * `resources`; no runs, nothing running.
 */
export const PROJECT_CHART_EXTRACTORS: Record<string, Extractor> = {
  "scheduled-notebooks": (v, c) => {
    for (const [i, run] of ((get(v, "runs", []) as any[]) ?? []).entries()) {
      c.add(`run ${run?.name ?? i}`, 1, [run?.resources ?? get(v, "resources")], { kind: "job" });
    }
  },
};

/** Which pinned chart a release installs (`chart` is the name, or a local `<name>-<version>.tgz`). */
export function chartKeyOf(chart: string): ChartKey | undefined {
  const base = path.basename(chart);
  return (Object.keys(CHARTS) as ChartKey[]).find((k) => {
    const pin = CHARTS[k];
    return chart === pin.chart || base === `${pin.chart}-${pin.version}.tgz`;
  });
}

/** The requests of one Helm release; a chart without a reader is one `unknown` entry. */
export function releaseRequests(chart: string, values: unknown, ctx: ExtractContext): Extracted {
  const c = new Collector(ctx);
  const key = chartKeyOf(chart);
  const extract = (key && EXTRACTORS[key]) || PROJECT_CHART_EXTRACTORS[path.basename(chart)];
  // A chart folder whose templates declare no pod-running kind (dashboards as ConfigMaps) runs nothing.
  if (!extract && !key && workloadKinds(chart)?.length === 0) return c;
  if (!extract) {
    c.unknown.push({ component: ctx.release, reason: `no request reader for chart ${chart}` });
    return c;
  }
  extract((values ?? {}) as any, c);
  return c;
}

const POD_KINDS = /^kind:\s*(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|Pod)\s*$/m;

/**
 * Pod-running kinds a local chart folder's templates declare; undefined when `chart` is not a folder with
 * templates (a repository chart or an archive, which are only known through their readers).
 */
export function workloadKinds(chart: string): string[] | undefined {
  const dir = path.join(chart, "templates");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return undefined;
  const kinds: string[] = [];
  const walk = (d: string): void => {
    for (const f of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.(ya?ml|tpl)$/.test(f.name)) {
        const m = fs.readFileSync(p, "utf8").match(new RegExp(POD_KINDS.source, "gm"));
        for (const k of m ?? []) kinds.push(k.replace(/^kind:\s*/, "").trim());
      }
    }
  };
  walk(dir);
  return kinds;
}
