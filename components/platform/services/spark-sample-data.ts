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
import type { ObjectStoreInput } from "../../shared/inputs";
import {
  helperResources,
  localSparkSubmit,
  RESTRICTED_CONTAINER,
  s3aConf,
  SPARK_POD_SECURITY,
} from "./spark-submit";

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

/**
 * The staging Job's own service account, in the operator's namespace: on AWS its IRSA role may write only
 * `raw/` of the datasets bucket (components/aws/identity.ts, workload `sampleData`). It runs there, not in
 * a tenant namespace, because anyone who may create pods in a namespace (a SparkApplication's driver
 * included) may run them as any service account of that namespace.
 */
export const SAMPLE_DATA_SERVICE_ACCOUNT = "sample-data";

export interface SampleDataStagingArgs {
  /** The operator's namespace (no tenant may create pods there). */
  namespace: pulumi.Input<string>;
  objectStore: ObjectStoreInput;
  image: string;
  pool?: { nodeSelector: Record<string, string>; tolerations: k8s.types.input.core.v1.Toleration[] };
  small: boolean;
}

/**
 * Stages the sample data before the examples start (Pulumi waits for the Job to complete), with an
 * identity of its own: the IRSA role of the `sampleData` workload (AWS) or the store's sample-data keys
 * (edge; the platform's keys where the store has none). A new image or script changes the pod
 * template's revision, which replaces the Job so it runs again.
 */
export function sampleDataStaging(parent: pulumi.Resource, a: SampleDataStagingArgs): k8s.batch.v1.Job {
  const store = a.objectStore;
  const labels = { "app.kubernetes.io/part-of": "datavis", "app.kubernetes.io/name": "stage-sample-data" };
  const meta = (name: string) => ({ name, namespace: a.namespace, labels });
  const roleArn = store.identity.kind === "workload" ? store.identity.roleArns.sampleData : undefined;
  const sa = new k8s.core.v1.ServiceAccount(
    "spark-sample-data",
    {
      metadata: {
        ...meta(SAMPLE_DATA_SERVICE_ACCOUNT),
        ...(roleArn ? { annotations: { "eks.amazonaws.com/role-arn": roleArn } } : {}),
      },
      // It calls no Kubernetes API (IRSA's token is projected by its own webhook, not this one).
      automountServiceAccountToken: false,
    },
    { parent },
  );
  const script = new k8s.core.v1.ConfigMap(
    "spark-sample-data",
    { metadata: meta("stage-sample-data"), data: { [STAGE_SAMPLE_DATA_FILE]: STAGE_SAMPLE_DATA_PY } },
    { parent },
  );
  const keys = store.identity.kind === "keys" ? (store.identity.sampleData ?? store.identity) : undefined;
  const secret = keys
    ? new k8s.core.v1.Secret(
        "spark-sample-data-s3",
        {
          metadata: meta("sample-data-s3"),
          type: "Opaque",
          stringData: {
            AWS_ACCESS_KEY_ID: keys.accessKeyId,
            AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
            AWS_REGION: store.region,
          },
        },
        { parent },
      )
    : undefined;
  return new k8s.batch.v1.Job(
    "spark-stage-sample-data",
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
            serviceAccountName: sa.metadata.name,
            securityContext: SPARK_POD_SECURITY,
            ...(a.pool ? { nodeSelector: a.pool.nodeSelector, tolerations: a.pool.tolerations } : {}),
            containers: [
              {
                name: "stage",
                image: a.image,
                imagePullPolicy: "IfNotPresent",
                command: stageSampleDataCommand(
                  pulumi.interpolate`s3a://${store.buckets.datasets}/raw`,
                  s3aConf(store),
                ),
                envFrom: secret ? [{ secretRef: { name: secret.metadata.name } }] : [],
                volumeMounts: [
                  { name: "jobs", mountPath: "/opt/spark/work-dir/jobs", readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
                securityContext: RESTRICTED_CONTAINER,
                resources: helperResources(a.small),
              },
            ],
            volumes: [
              { name: "jobs", configMap: { name: script.metadata.name } },
              { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            ],
          },
        },
      },
    },
    { parent },
  );
}
