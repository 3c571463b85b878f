/**
 * The example batch and streaming SparkApplications (in the first tenant only), wired to the database and
 * object storage, and the job files they run.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SPARK_VERSION } from "../../versions";
import { ensureEventLogDirContainer } from "./spark-event-logs";
import { RESTRICTED_CONTAINER, SPARK_POD_SECURITY } from "./spark-submit";

/** Folder of the Spark jobs (.py) the data-path examples ship; mounted into the example applications. */
export const SPARK_JOBS_DIR = path.resolve(__dirname, "..", "..", "..", "notebooks", "spark");

/** The example applications and the job file each runs (file names agreed with notebooks/spark/). */
export const SPARK_EXAMPLES = {
  batch: { name: "example-batch-etl", file: "batch_etl.py" },
  streaming: { name: "example-streaming-flights", file: "streaming_flights.py" },
} as const;

/**
 * Retries of the example applications (spark-operator 2.5.2, api/v1beta2/sparkapplication_types.go:234-260,
 * `RestartPolicy`; decided by pkg/util/sparkapplication.go:84 `ShouldRetry`). `OnFailure` runs an
 * application at most 1 + onFailureRetries times and submits it at most 1 + onSubmissionFailureRetries
 * times; `Always` would resubmit it after every end, successful or not, forever. The streaming example
 * replays the recorded flights once and stops (`--stop-at-end`), so it too ends, and is retried only when
 * it fails (a checkpoint makes a retry carry on where the failed run stopped).
 */
export const SPARK_RESTART_POLICIES = {
  batch: {
    type: "OnFailure",
    onFailureRetries: 2,
    onFailureRetryInterval: 60,
    onSubmissionFailureRetries: 3,
    onSubmissionFailureRetryInterval: 60,
  },
  streaming: {
    type: "OnFailure",
    onFailureRetries: 3,
    onFailureRetryInterval: 60,
    onSubmissionFailureRetries: 3,
    onSubmissionFailureRetryInterval: 60,
  },
} as const;

/** Arguments of the streaming example: replay the recorded flights once, then end (not a forever loop). */
export const STREAMING_EXAMPLE_ARGS = ["--stop-at-end"];

/** The job files in notebooks/spark/ (file name -> content); empty until the data-path examples exist. */
export function sparkJobFiles(dir = SPARK_JOBS_DIR): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.endsWith(".py")) files[f] = fs.readFileSync(path.join(dir, f), "utf8");
  }
  return files;
}

export interface SparkExamplesArgs {
  jobFiles: Record<string, string>;
  meta: (n: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
  labels: Record<string, string>;
  image: string;
  serviceAccountName: pulumi.Input<string>;
  datasetsBucket: pulumi.Input<string>;
  /** `s3a://<spark bucket>/<the tenant's prefix>`: event logs and checkpoints go under it. */
  prefix: pulumi.Input<string>;
  /** `s3a://<datasets>/raw`: the batch example's input. */
  rawPrefix: pulumi.Input<string>;
  conf: Record<string, pulumi.Input<string>>;
  envFrom: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  pool?: { nodeSelector: Record<string, string>; tolerations: k8s.types.input.core.v1.Toleration[] };
  small: boolean;
  coreRequest: string;
  dependsOn: pulumi.Resource[];
}

/** Registers the examples whose job file exists; returns example name -> namespace. */
export function sparkExamples(
  parent: pulumi.Resource,
  a: SparkExamplesArgs,
): Record<string, pulumi.Output<string>> {
  const out: Record<string, pulumi.Output<string>> = {};
  const eventLogDir = pulumi.interpolate`${a.prefix}/event-logs`;
  const env = [{ name: "DATASETS_BUCKET", value: a.datasetsBucket }];
  const role = (kind: "driver" | "executor", size: { cores: number; memory: string }) => ({
    cores: size.cores,
    coreRequest: a.coreRequest,
    coreLimit: String(size.cores),
    memory: size.memory,
    labels: a.labels,
    serviceAccount: a.serviceAccountName,
    // The jobs read their inputs from the datasets bucket (notebooks/spark/*.py: DATASETS_BUCKET).
    env,
    envFrom: a.envFrom,
    volumeMounts: a.volumeMounts,
    podSecurityContext: SPARK_POD_SECURITY,
    securityContext: RESTRICTED_CONTAINER,
    ...(a.pool ? { nodeSelector: a.pool.nodeSelector, tolerations: a.pool.tolerations } : {}),
    ...(kind === "executor" ? { instances: 1 } : {}),
    ...(kind === "driver"
      ? {
          initContainers: [
            ensureEventLogDirContainer({
              image: a.image,
              eventLogDir,
              conf: a.conf,
              env,
              envFrom: a.envFrom,
              volumeMounts: a.volumeMounts,
              small: a.small,
            }),
          ],
        }
      : {}),
  });
  const app = (
    example: keyof typeof SPARK_EXAMPLES,
    extraConf: Record<string, pulumi.Input<string>>,
    args: pulumi.Input<string>[] = [],
  ) => {
    const ex = SPARK_EXAMPLES[example];
    if (!(ex.file in a.jobFiles)) return;
    const cr = new k8s.apiextensions.CustomResource(
      `spark-${ex.name}`,
      {
        apiVersion: "sparkoperator.k8s.io/v1beta2",
        kind: "SparkApplication",
        metadata: a.meta(ex.name),
        spec: {
          type: "Python",
          mode: "cluster",
          image: a.image,
          imagePullPolicy: "IfNotPresent",
          sparkVersion: SPARK_VERSION,
          mainApplicationFile: `local:///opt/spark/work-dir/jobs/${ex.file}`,
          arguments: args,
          sparkConf: {
            ...a.conf,
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": eventLogDir,
            ...extraConf,
          },
          restartPolicy: SPARK_RESTART_POLICIES[example],
          volumes: a.volumes,
          driver: role("driver", { cores: 1, memory: a.small ? "512m" : "1g" }),
          executor: role("executor", { cores: 1, memory: a.small ? "512m" : "2g" }),
        },
      },
      { parent, dependsOn: a.dependsOn },
    );
    out[ex.name] = cr.metadata.namespace;
  };
  // The vega-datasets stocks.csv and sp500.csv, staged by the sample-data Job in the datasets bucket's raw/.
  app("batch", {}, ["--input", a.rawPrefix]);
  app(
    "streaming",
    {
      "spark.sql.streaming.checkpointLocation": pulumi.interpolate`${a.prefix}/checkpoints/streaming-flights`,
    },
    STREAMING_EXAMPLE_ARGS,
  );
  return out;
}
