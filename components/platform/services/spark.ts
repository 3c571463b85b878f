/**
 * Spark: the kubeflow Spark operator watching one jobs namespace per tenant, a `spark` service account
 * with the RBAC a driver needs in each, event logs in object storage, and an example batch and an example
 * streaming SparkApplication wired to the database and object storage.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageRef, releaseArgs, type ArtifactSource } from "../../shared/artifacts";
import type { ClusterInput, DatabaseInput, ObjectStoreInput } from "../../shared/inputs";
import { NAMESPACES } from "../../shared/naming";
import { SPARK_VERSION } from "../../versions";
import { DB_CA_PATH, libpqEnv } from "./database-roles";
import { SIZES, type SizeProfile } from "./sizing";
import { SAMPLE_DATA_DIR, SPARK_IMAGE } from "./spark-image";

/** Folder of the Spark jobs (.py) the data-path examples ship; mounted into the example applications. */
export const SPARK_JOBS_DIR = path.resolve(__dirname, "..", "..", "..", "notebooks", "spark");

/** The example applications and the job file each runs (file names agreed with notebooks/spark/). */
export const SPARK_EXAMPLES = {
  batch: { name: "example-batch-etl", file: "batch_etl.py" },
  streaming: { name: "example-streaming-flights", file: "streaming_flights.py" },
} as const;

/** Service account Spark drivers and executors run as in every tenant namespace (IRSA binds this name). */
export const SPARK_SERVICE_ACCOUNT = "spark";

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

/** The values keys set on the spark-operator chart, checked against its values.yaml at 2.5.2 by a test. */
export function sparkOperatorValues(a: {
  jobNamespaces: pulumi.Input<string>[];
  profile: SizeProfile;
  replicas: number;
  imageRegistry?: string;
}): Record<string, unknown> {
  const s = SIZES[a.profile];
  const pdb = { enable: a.replicas > 1, minAvailable: 1 };
  const registry = a.imageRegistry ? { registry: a.imageRegistry } : {};
  return {
    image: { ...registry },
    hook: { image: { ...registry } },
    controller: {
      replicas: a.replicas,
      resources: s.sparkController,
      podDisruptionBudget: pdb,
      // The Spark UI stays inside the cluster (kubectl port-forward); no Ingress without sign-in.
      uiIngress: { enable: false },
    },
    webhook: { enable: true, replicas: a.replicas, resources: s.sparkWebhook, podDisruptionBudget: pdb },
    spark: {
      jobNamespaces: a.jobNamespaces,
      // The platform makes the `spark` service account and its Role itself (annotated for IRSA).
      serviceAccount: { create: false, name: SPARK_SERVICE_ACCOUNT },
      rbac: { create: false },
    },
    prometheus: {
      metrics: { enable: true, labels: "namespace" },
      podMonitor: { create: true },
    },
  };
}

export interface SparkArgs {
  /** Tenant name -> its namespace: the namespaces the operator watches. */
  tenantNamespaces: Record<string, pulumi.Input<string>>;
  cluster: ClusterInput;
  database: DatabaseInput;
  objectStore: ObjectStoreInput;
  /** The read-write app role the example applications write with. */
  appRole: { username: string; password: pulumi.Input<string> };
  /**
   * Each tenant's own database login, by tenant (components/platform/tenancy). A tenant's jobs connect as
   * it: anyone who may submit a SparkApplication in a namespace can read that namespace's Secrets through
   * the driver, so a tenant namespace holds only the tenant's credentials.
   */
  tenantRoles?: Record<string, { username: string; password: pulumi.Input<string> }>;
  profile: SizeProfile;
  replicas: number;
  source: ArtifactSource;
  /** Folder of the job files (default notebooks/spark); examples run only for files that exist there. */
  jobsDir?: string;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Hadoop S3A settings for the target's object store and identity. */
export function s3aConf(store: ObjectStoreInput): Record<string, pulumi.Input<string>> {
  const conf: Record<string, pulumi.Input<string>> = {
    "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
    "spark.hadoop.fs.s3a.path.style.access": String(store.forcePathStyle),
    "spark.hadoop.fs.s3a.endpoint.region": store.region,
    "spark.hadoop.fs.s3a.aws.credentials.provider":
      store.identity.kind === "workload"
        ? "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider"
        : "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
  };
  if (store.endpoint) conf["spark.hadoop.fs.s3a.endpoint"] = store.endpoint;
  return conf;
}

/** The job files in notebooks/spark/ (file name -> content); empty until the data-path examples exist. */
export function sparkJobFiles(dir = SPARK_JOBS_DIR): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.endsWith(".py")) files[f] = fs.readFileSync(path.join(dir, f), "utf8");
  }
  return files;
}

/**
 * Spark refuses to start when `spark.eventLog.dir` does not exist, and an S3 prefix with no object in it
 * does not. The example drivers run this first (an init container, same image, identity and S3 settings,
 * event logs off) to create the directory marker; it is idempotent. Tested with pyspark in the data suite.
 */
export const ENSURE_EVENT_LOG_DIR_FILE = "ensure_event_log_dir.py";
export const ENSURE_EVENT_LOG_DIR_PY = fs.readFileSync(
  path.join(__dirname, ENSURE_EVENT_LOG_DIR_FILE),
  "utf8",
);

/**
 * The examples' inputs are staged by a Job before they run: it copies the sample data the Spark image
 * carries (SAMPLE_DATA_DIR) to `raw/` in the datasets bucket, where the job files read it, skipping files
 * already there with the same size. Tested against SeaweedFS with the plan's own command in the data suite.
 */
export const STAGE_SAMPLE_DATA_FILE = "stage_sample_data.py";
export const STAGE_SAMPLE_DATA_PY = fs.readFileSync(path.join(__dirname, STAGE_SAMPLE_DATA_FILE), "utf8");

/** spark-submit of one of the jobs folder's scripts in local mode with `conf` (event logs off) and `extra`. */
function localSparkSubmit(
  script: string,
  args: pulumi.Input<string>[],
  conf: Record<string, pulumi.Input<string>>,
  extra: Record<string, string>,
): pulumi.Output<string[]> {
  return pulumi
    .all([pulumi.all(args), pulumi.all(conf)])
    .apply(([a, c]) => [
      "/opt/spark/bin/spark-submit",
      "--master",
      "local[1]",
      ...Object.entries({ ...c, "spark.eventLog.enabled": "false", ...extra }).flatMap(([k, v]) => [
        "--conf",
        `${k}=${v}`,
      ]),
      `/opt/spark/work-dir/jobs/${script}`,
      ...a,
    ]);
}

/** spark-submit command of the sample-data Job: local mode, the S3 settings, event logs and UI off. */
export function stageSampleDataCommand(
  rawPrefix: pulumi.Input<string>,
  conf: Record<string, pulumi.Input<string>>,
): pulumi.Output<string[]> {
  return localSparkSubmit(STAGE_SAMPLE_DATA_FILE, [SAMPLE_DATA_DIR, rawPrefix], conf, {
    "spark.ui.enabled": "false",
  });
}

/** spark-submit arguments of the init container that creates `eventLogDir` before the driver starts. */
export function ensureEventLogDirCommand(
  eventLogDir: pulumi.Input<string>,
  conf: Record<string, pulumi.Input<string>>,
): pulumi.Output<string[]> {
  return localSparkSubmit(ENSURE_EVENT_LOG_DIR_FILE, [eventLogDir], conf, {});
}

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const SPARK_POD_SECURITY = { runAsNonRoot: true, runAsUser: 185, runAsGroup: 185, fsGroup: 185 };

export class SparkPlatform extends pulumi.ComponentResource {
  /** SparkApplications registered (example name -> tenant namespace). */
  readonly examples: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: SparkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Spark", name, {}, opts);
    const tenants = Object.entries(args.tenantNamespaces);
    const registry = args.source.imageRegistry;

    const ns = new k8s.core.v1.Namespace(
      "spark-operator",
      { metadata: { name: NAMESPACES.spark } },
      { parent: this },
    );
    // With no tenant there is nothing to watch (an empty list would make the operator watch every namespace).
    if (tenants.length === 0) {
      this.registerOutputs({});
      return;
    }
    const operator = new k8s.helm.v3.Release(
      "spark-operator",
      {
        name: "spark-operator",
        ...releaseArgs(
          "sparkOperator",
          {
            namespace: ns.metadata.name,
            values: sparkOperatorValues({
              jobNamespaces: tenants.map(([, n]) => n),
              profile: args.profile,
              replicas: args.replicas,
              imageRegistry: registry,
            }),
          },
          args.source,
        ),
      },
      { parent: this, dependsOn: args.dependsOn },
    );

    const jobFiles = sparkJobFiles(args.jobsDir);
    const store = args.objectStore;
    const pool = args.cluster.nodePools.spark;
    // The project's image: jars and sample data inside, nothing fetched when a driver starts.
    const image = imageRef(SPARK_IMAGE, args.source);

    tenants.forEach(([tenant, namespace], i) => {
      const labels = { "datavis.io/tenant": tenant, "app.kubernetes.io/part-of": "datavis" };
      const meta = (n: string) => ({ name: n, namespace, labels });
      const roleArn = store.identity.kind === "workload" ? store.identity.roleArns.spark : undefined;
      const sa = new k8s.core.v1.ServiceAccount(
        `spark-${tenant}`,
        {
          metadata: {
            ...meta(SPARK_SERVICE_ACCOUNT),
            ...(roleArn ? { annotations: { "eks.amazonaws.com/role-arn": roleArn } } : {}),
          },
        },
        { parent: this },
      );
      // What a driver does in its own namespace: executors (pods), their service, config and volumes.
      const role = new k8s.rbac.v1.Role(
        `spark-${tenant}`,
        {
          metadata: meta(SPARK_SERVICE_ACCOUNT),
          rules: [
            {
              apiGroups: [""],
              resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
              verbs: ["create", "get", "list", "watch", "update", "patch", "delete", "deletecollection"],
            },
            { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list"] },
          ],
        },
        { parent: this },
      );
      new k8s.rbac.v1.RoleBinding(
        `spark-${tenant}`,
        {
          metadata: meta(SPARK_SERVICE_ACCOUNT),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
        },
        { parent: this },
      );
      const dbSecret = new k8s.core.v1.Secret(
        `spark-db-${tenant}`,
        {
          metadata: meta("spark-db"),
          type: "Opaque",
          stringData: libpqEnv(
            args.database,
            (args.tenantRoles?.[tenant] ?? args.appRole).username,
            (args.tenantRoles?.[tenant] ?? args.appRole).password,
          ),
        },
        { parent: this },
      );
      const s3Secret =
        store.identity.kind === "keys"
          ? new k8s.core.v1.Secret(
              `spark-s3-${tenant}`,
              {
                metadata: meta("spark-s3"),
                type: "Opaque",
                stringData: {
                  // The tenant's own keys where the store has them (edge: scoped to its prefixes).
                  AWS_ACCESS_KEY_ID: (store.identity.tenants?.[tenant] ?? store.identity).accessKeyId,
                  AWS_SECRET_ACCESS_KEY: (store.identity.tenants?.[tenant] ?? store.identity).secretAccessKey,
                  AWS_REGION: store.region,
                },
              },
              { parent: this },
            )
          : undefined;
      const caMap = args.database.caCertificate
        ? new k8s.core.v1.ConfigMap(
            `spark-db-ca-${tenant}`,
            { metadata: meta("db-ca"), data: { "ca.crt": args.database.caCertificate } },
            { parent: this },
          )
        : undefined;

      // Examples run in the first tenant only: one batch and one streaming job, not one per class.
      if (i !== 0 || Object.keys(jobFiles).length === 0) return;
      const jobs = new k8s.core.v1.ConfigMap(
        `spark-jobs-${tenant}`,
        {
          metadata: meta("spark-jobs"),
          data: {
            ...jobFiles,
            [ENSURE_EVENT_LOG_DIR_FILE]: ENSURE_EVENT_LOG_DIR_PY,
            [STAGE_SAMPLE_DATA_FILE]: STAGE_SAMPLE_DATA_PY,
          },
        },
        { parent: this },
      );
      const prefix = pulumi.interpolate`s3a://${store.buckets.spark}/tenants/${tenant}`;
      const envFrom = [
        { secretRef: { name: dbSecret.metadata.name } },
        ...(s3Secret ? [{ secretRef: { name: s3Secret.metadata.name } }] : []),
      ];
      const volumeMounts = [
        { name: "jobs", mountPath: "/opt/spark/work-dir/jobs", readOnly: true },
        { name: "tmp", mountPath: "/tmp" },
        ...(caMap ? [{ name: "db-ca", mountPath: path.posix.dirname(DB_CA_PATH), readOnly: true }] : []),
      ];
      const eventLogDir = pulumi.interpolate`${prefix}/event-logs`;
      // The S3 settings every submission needs; the jars (hadoop-aws, the AWS SDK bundle, the PostgreSQL
      // driver) are in the image's /opt/spark/jars, so nothing is resolved or downloaded at start.
      const submitConf: Record<string, pulumi.Input<string>> = s3aConf(store);
      const role0 = (kind: "driver" | "executor", size: { cores: number; memory: string }) => ({
        cores: size.cores,
        coreRequest: args.profile === "edge" ? "250m" : "500m",
        coreLimit: String(size.cores),
        memory: size.memory,
        labels,
        serviceAccount: sa.metadata.name,
        // The jobs read their inputs from the datasets bucket (notebooks/spark/*.py: DATASETS_BUCKET).
        env: [{ name: "DATASETS_BUCKET", value: store.buckets.datasets }],
        envFrom,
        volumeMounts,
        podSecurityContext: SPARK_POD_SECURITY,
        securityContext: RESTRICTED_CONTAINER,
        ...(pool ? { nodeSelector: pool.nodeSelector, tolerations: pool.tolerations } : {}),
        ...(kind === "executor" ? { instances: 1 } : {}),
        ...(kind === "driver"
          ? {
              initContainers: [
                {
                  name: "ensure-event-log-dir",
                  image,
                  command: ensureEventLogDirCommand(eventLogDir, submitConf),
                  env: [{ name: "DATASETS_BUCKET", value: store.buckets.datasets }],
                  envFrom,
                  volumeMounts,
                  securityContext: RESTRICTED_CONTAINER,
                  resources: {
                    requests: { cpu: small ? "100m" : "250m", memory: "512Mi" },
                    limits: { cpu: "1", memory: "768Mi" },
                  },
                },
              ],
            }
          : {}),
      });
      const small = args.profile === "edge";
      const rawPrefix = pulumi.interpolate`s3a://${store.buckets.datasets}/raw`;
      // Stages the sample data before the examples start (Pulumi waits for the Job to complete). A new
      // image or script changes the pod template's revision, which replaces the Job so it runs again.
      const stage = new k8s.batch.v1.Job(
        `spark-stage-sample-data-${tenant}`,
        {
          metadata: { namespace, labels: { ...labels, "app.kubernetes.io/name": "stage-sample-data" } },
          spec: {
            backoffLimit: 3,
            activeDeadlineSeconds: 1800,
            template: {
              metadata: {
                labels: { ...labels, "app.kubernetes.io/name": "stage-sample-data" },
                annotations: {
                  "datavis.io/revision": createHash("sha256")
                    .update([image, STAGE_SAMPLE_DATA_PY].join("\n"))
                    .digest("hex")
                    .slice(0, 16),
                },
              },
              spec: {
                restartPolicy: "Never",
                serviceAccountName: sa.metadata.name,
                securityContext: SPARK_POD_SECURITY,
                ...(pool ? { nodeSelector: pool.nodeSelector, tolerations: pool.tolerations } : {}),
                containers: [
                  {
                    name: "stage",
                    image,
                    imagePullPolicy: "IfNotPresent",
                    command: stageSampleDataCommand(rawPrefix, submitConf),
                    envFrom,
                    volumeMounts,
                    securityContext: RESTRICTED_CONTAINER,
                    resources: {
                      requests: { cpu: small ? "100m" : "250m", memory: "512Mi" },
                      limits: { cpu: "1", memory: "768Mi" },
                    },
                  },
                ],
                volumes: [
                  { name: "jobs", configMap: { name: jobs.metadata.name } },
                  { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                  ...(caMap ? [{ name: "db-ca", configMap: { name: caMap.metadata.name } }] : []),
                ],
              },
            },
          },
        },
        { parent: this },
      );
      const app = (
        example: keyof typeof SPARK_EXAMPLES,
        extraConf: Record<string, pulumi.Input<string>>,
        args: pulumi.Input<string>[] = [],
      ) => {
        const ex = SPARK_EXAMPLES[example];
        if (!(ex.file in jobFiles)) return;
        const cr = new k8s.apiextensions.CustomResource(
          `spark-${ex.name}`,
          {
            apiVersion: "sparkoperator.k8s.io/v1beta2",
            kind: "SparkApplication",
            metadata: meta(ex.name),
            spec: {
              type: "Python",
              mode: "cluster",
              image,
              imagePullPolicy: "IfNotPresent",
              sparkVersion: SPARK_VERSION,
              mainApplicationFile: `local:///opt/spark/work-dir/jobs/${ex.file}`,
              arguments: args,
              sparkConf: {
                ...submitConf,
                "spark.eventLog.enabled": "true",
                "spark.eventLog.dir": eventLogDir,
                ...extraConf,
              },
              restartPolicy: SPARK_RESTART_POLICIES[example],
              volumes: [
                { name: "jobs", configMap: { name: jobs.metadata.name } },
                { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
                ...(caMap ? [{ name: "db-ca", configMap: { name: caMap.metadata.name } }] : []),
              ],
              driver: role0("driver", { cores: 1, memory: small ? "512m" : "1g" }),
              executor: role0("executor", { cores: 1, memory: small ? "512m" : "2g" }),
            },
          },
          { parent: this, dependsOn: [operator, stage] },
        );
        this.examples[ex.name] = cr.metadata.namespace;
      };
      // The vega-datasets stocks.csv and sp500.csv, staged by the Job above in the datasets bucket's raw/.
      app("batch", {}, ["--input", rawPrefix]);
      app(
        "streaming",
        {
          "spark.sql.streaming.checkpointLocation": pulumi.interpolate`${prefix}/checkpoints/streaming-flights`,
        },
        STREAMING_EXAMPLE_ARGS,
      );
    });
    this.registerOutputs({ examples: this.examples });
  }
}
