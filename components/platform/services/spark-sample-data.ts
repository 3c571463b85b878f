/**
 * The examples' inputs are staged by a Job before they run: it copies the sample data the Spark image
 * carries (SAMPLE_DATA_DIR) to `raw/` in the datasets bucket, where the job files read it, skipping files
 * already there with the same size. Tested against SeaweedFS with the plan's own command in the data suite.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SAMPLE_DATA_DIR } from "./spark-image";
import { helperResources, localSparkSubmit, RESTRICTED_CONTAINER, SPARK_POD_SECURITY } from "./spark-submit";

export const STAGE_SAMPLE_DATA_FILE = "stage_sample_data.py";
export const STAGE_SAMPLE_DATA_PY = fs.readFileSync(path.join(__dirname, STAGE_SAMPLE_DATA_FILE), "utf8");

/** spark-submit command of the sample-data Job: local mode, the S3 settings, event logs and UI off. */
export function stageSampleDataCommand(
  rawPrefix: pulumi.Input<string>,
  conf: Record<string, pulumi.Input<string>>,
): pulumi.Output<string[]> {
  return localSparkSubmit(STAGE_SAMPLE_DATA_FILE, [SAMPLE_DATA_DIR, rawPrefix], conf, {
    "spark.ui.enabled": "false",
  });
}

export interface StageSampleDataArgs {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  image: string;
  /** `s3a://<datasets>/raw`. */
  rawPrefix: pulumi.Input<string>;
  conf: Record<string, pulumi.Input<string>>;
  serviceAccountName: pulumi.Input<string>;
  envFrom: k8s.types.input.core.v1.EnvFromSource[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  volumes: k8s.types.input.core.v1.Volume[];
  pool?: { nodeSelector: Record<string, string>; tolerations: k8s.types.input.core.v1.Toleration[] };
  small: boolean;
}

/**
 * Stages the sample data before the examples start (Pulumi waits for the Job to complete). A new image or
 * script changes the pod template's revision, which replaces the Job so it runs again.
 */
export function stageSampleDataJob(parent: pulumi.Resource, a: StageSampleDataArgs): k8s.batch.v1.Job {
  const labels = { ...a.labels, "app.kubernetes.io/name": "stage-sample-data" };
  return new k8s.batch.v1.Job(
    a.name,
    {
      metadata: { namespace: a.namespace, labels },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: {
            labels,
            annotations: {
              "datavis.io/revision": createHash("sha256")
                .update([a.image, STAGE_SAMPLE_DATA_PY].join("\n"))
                .digest("hex")
                .slice(0, 16),
            },
          },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: a.serviceAccountName,
            securityContext: SPARK_POD_SECURITY,
            ...(a.pool ? { nodeSelector: a.pool.nodeSelector, tolerations: a.pool.tolerations } : {}),
            containers: [
              {
                name: "stage",
                image: a.image,
                imagePullPolicy: "IfNotPresent",
                command: stageSampleDataCommand(a.rawPrefix, a.conf),
                envFrom: a.envFrom,
                volumeMounts: a.volumeMounts,
                securityContext: RESTRICTED_CONTAINER,
                resources: helperResources(a.small),
              },
            ],
            volumes: a.volumes,
          },
        },
      },
    },
    { parent },
  );
}
