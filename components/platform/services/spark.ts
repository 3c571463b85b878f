/**
 * Spark: the kubeflow Spark operator watching one jobs namespace per tenant, a `spark` service account
 * with the RBAC a driver needs in each, event logs in object storage, and an example batch and an example
 * streaming SparkApplication wired to the database and object storage.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageRef, releaseArgs, type ArtifactSource } from "../../shared/artifacts";
import type { ClusterInput, DatabaseInput, ObjectStoreInput } from "../../shared/inputs";
import { NAMESPACES } from "../../shared/naming";
import { IMAGES, SPARK_VERSION } from "../../versions";
import { DB_CA_PATH, libpqEnv } from "./database-roles";
import { SIZES, type SizeProfile } from "./sizing";

/** Folder of the Spark jobs (.py) the data-path examples ship; mounted into the example applications. */
export const SPARK_JOBS_DIR = path.resolve(__dirname, "..", "..", "..", "notebooks", "spark");

/** The example applications and the job file each runs (file names agreed with notebooks/spark/). */
export const SPARK_EXAMPLES = {
  batch: { name: "example-batch-etl", file: "batch_etl.py" },
  streaming: { name: "example-streaming-flights", file: "streaming_flights.py" },
} as const;

/** Service account Spark drivers and executors run as in every tenant namespace (IRSA binds this name). */
export const SPARK_SERVICE_ACCOUNT = "spark";

/** Jars S3A and the PostgreSQL JDBC sink need; Spark 4.0 is built against Hadoop 3.4.1. */
export const SPARK_PACKAGES = ["org.apache.hadoop:hadoop-aws:3.4.1", "org.postgresql:postgresql:42.7.7"];

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

/** spark-submit arguments of the init container that creates `eventLogDir` before the driver starts. */
export function ensureEventLogDirCommand(
  eventLogDir: pulumi.Input<string>,
  conf: Record<string, pulumi.Input<string>>,
): pulumi.Output<string[]> {
  return pulumi
    .all([eventLogDir, pulumi.all(conf)])
    .apply(([dir, c]) => [
      "/opt/spark/bin/spark-submit",
      "--master",
      "local[1]",
      ...Object.entries({ ...c, "spark.eventLog.enabled": "false" }).flatMap(([k, v]) => [
        "--conf",
        `${k}=${v}`,
      ]),
      `/opt/spark/work-dir/jobs/${ENSURE_EVENT_LOG_DIR_FILE}`,
      dir,
    ]);
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
    const image = imageRef(IMAGES.spark, args.source);

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
          data: { ...jobFiles, [ENSURE_EVENT_LOG_DIR_FILE]: ENSURE_EVENT_LOG_DIR_PY },
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
      // The jars and S3 settings every submission needs (the init container's ivy cache is the driver's /tmp).
      const submitConf: Record<string, pulumi.Input<string>> = {
        "spark.jars.packages": SPARK_PACKAGES.join(","),
        "spark.jars.ivy": "/tmp/.ivy2",
        ...s3aConf(store),
      };
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
              restartPolicy:
                example === "streaming"
                  ? { type: "Always", onFailureRetryInterval: 30, onSubmissionFailureRetryInterval: 60 }
                  : {
                      type: "OnFailure",
                      onFailureRetries: 2,
                      onFailureRetryInterval: 60,
                      onSubmissionFailureRetries: 3,
                      onSubmissionFailureRetryInterval: 60,
                    },
              volumes: [
                { name: "jobs", configMap: { name: jobs.metadata.name } },
                { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
                ...(caMap ? [{ name: "db-ca", configMap: { name: caMap.metadata.name } }] : []),
              ],
              driver: role0("driver", { cores: 1, memory: small ? "512m" : "1g" }),
              executor: role0("executor", { cores: 1, memory: small ? "512m" : "2g" }),
            },
          },
          { parent: this, dependsOn: [operator] },
        );
        this.examples[ex.name] = cr.metadata.namespace;
      };
      // The vega-datasets stocks.csv and sp500.csv, uploaded to the datasets bucket's raw/ folder.
      app("batch", {}, ["--input", pulumi.interpolate`s3a://${store.buckets.datasets}/raw`]);
      app("streaming", {
        "spark.sql.streaming.checkpointLocation": pulumi.interpolate`${prefix}/checkpoints/streaming-flights`,
      });
    });
    this.registerOutputs({ examples: this.examples });
  }
}
