/**
 * Scheduled notebook runs: the project's own chart (charts/scheduled-notebooks: Papermill CronJobs from a
 * list of runs, outputs in object storage) installed from its folder. Maintenance mode suspends every run.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStoreInput } from "../../shared/inputs";
import { splitImage } from "../../shared/artifacts";
import { CONFIG_MOUNT, configVolume, envList, type EnvValue } from "./environment";
import type { PythonExtrasPod } from "./python-extras";

/** Folder of the chart, relative to the project root (where Pulumi runs the program). */
export const SCHEDULED_NOTEBOOKS_CHART = path.join("charts", "scheduled-notebooks");
const CHART_DIR = path.resolve(__dirname, "..", "..", "..", SCHEDULED_NOTEBOOKS_CHART);

/** The chart's own version (Chart.yaml), pinned on the release like every upstream chart's. */
export function scheduledNotebooksChartVersion(dir = CHART_DIR): string {
  const file = path.join(dir, "Chart.yaml");
  const m = fs.existsSync(file) ? /^version:\s*["']?([^"'\s]+)/m.exec(fs.readFileSync(file, "utf8")) : null;
  if (!m) throw new Error(`${file}: no chart version; the scheduled-notebooks chart must declare one`);
  return m[1];
}

export interface ScheduledRunsArgs {
  namespace: pulumi.Input<string>;
  objectStore: ObjectStoreInput;
  /** Image that runs papermill (the single-user image, so runs see the same packages as notebooks). */
  image: string;
  /** Database and object-storage environment of every run. */
  env: Record<string, EnvValue>;
  /** Keys of the `datavis-config` ConfigMap (in `namespace`) to mount: the database CA bundle, S3 config. */
  configKeys?: string[];
  /** Suspend every CronJob (read-only maintenance mode). */
  suspend: boolean;
  /** The runs (notebook, parameters, schedule, output location); none by default. */
  runs?: Record<string, unknown>[];
  /** Node placement of the runs (the notebook node pool on EKS). */
  nodeSelector?: Record<string, string>;
  tolerations?: k8s.types.input.core.v1.Toleration[];
  /** The notebook extras (papermill, boto3, psycopg) for an image that lacks them: an init container. */
  pythonExtras?: PythonExtrasPod;
}

export const SCHEDULED_RUNS_SERVICE_ACCOUNT = "scheduled-runs";

/** Values for charts/scheduled-notebooks. */
export function scheduledRunsValues(a: ScheduledRunsArgs): Record<string, unknown> {
  const identity = a.objectStore.identity;
  const roleArn = identity.kind === "workload" ? identity.roleArns.scheduledRuns : undefined;
  const x = a.pythonExtras;
  const config = a.configKeys && a.configKeys.length > 0;
  const volumes = [...(config ? [configVolume(a.configKeys!)] : []), ...(x?.volumes ?? [])];
  const mounts = [...(config ? [CONFIG_MOUNT] : []), ...(x?.volumeMounts ?? [])];
  return {
    suspend: a.suspend,
    image: { ...splitImage(a.image), pullPolicy: "IfNotPresent" },
    serviceAccount: {
      create: true,
      name: SCHEDULED_RUNS_SERVICE_ACCOUNT,
      annotations: roleArn ? { "eks.amazonaws.com/role-arn": roleArn } : {},
    },
    outputBucket: a.objectStore.buckets.notebooks,
    env: envList({
      ...a.env,
      ...(x ? { ...x.env, PYTHONPATH: x.pythonPath } : {}),
    }),
    ...(volumes.length > 0 ? { extraVolumes: volumes, extraVolumeMounts: mounts } : {}),
    ...(x ? { initContainers: [x.initContainer] } : {}),
    ...(a.nodeSelector && Object.keys(a.nodeSelector).length > 0 ? { nodeSelector: a.nodeSelector } : {}),
    ...(a.tolerations && a.tolerations.length > 0 ? { tolerations: a.tolerations } : {}),
    runs: a.runs ?? [],
  };
}

export class ScheduledRuns extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ScheduledRunsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:ScheduledRuns", name, {}, opts);
    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: "scheduled-notebooks",
        chart: SCHEDULED_NOTEBOOKS_CHART,
        version: scheduledNotebooksChartVersion(),
        namespace: args.namespace,
        values: scheduledRunsValues(args),
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 5,
        timeout: 300,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
