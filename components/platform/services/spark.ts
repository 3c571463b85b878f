/**
 * Spark: the kubeflow Spark operator watching one jobs namespace per tenant (spark-operator.ts), a `spark`
 * service account with the RBAC a driver needs in each (spark-tenant.ts), event logs in object storage
 * (spark-event-logs.ts), the sample data staged for the examples (spark-sample-data.ts), and an example
 * batch and an example streaming SparkApplication wired to the database and object storage
 * (spark-examples.ts).
 */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageRef, type ArtifactSource } from "../../shared/artifacts";
import type { ClusterInput, DatabaseInput, ObjectStoreInput } from "../../shared/inputs";
import { NAMESPACES } from "../../shared/naming";
import { DB_CA_PATH } from "./database-roles";
import type { SizeProfile } from "./sizing";
import { SPARK_IMAGE } from "./spark-image";
import { ENSURE_EVENT_LOG_DIR_FILE, ENSURE_EVENT_LOG_DIR_PY } from "./spark-event-logs";
import { sparkExamples, sparkJobFiles } from "./spark-examples";
import { sparkOperatorRelease } from "./spark-operator";
import { sampleDataStaging } from "./spark-sample-data";
import { s3aConf } from "./spark-submit";
import { sparkTenant, sparkTenantPrefix } from "./spark-tenant";

export {
  SPARK_EXAMPLES,
  SPARK_JOBS_DIR,
  SPARK_RESTART_POLICIES,
  STREAMING_EXAMPLE_ARGS,
  sparkJobFiles,
} from "./spark-examples";
export {
  ENSURE_EVENT_LOG_DIR_FILE,
  ENSURE_EVENT_LOG_DIR_PY,
  ensureEventLogDirCommand,
} from "./spark-event-logs";
export { SPARK_SERVICE_ACCOUNT, sparkOperatorValues } from "./spark-operator";
export {
  SAMPLE_DATA_SERVICE_ACCOUNT,
  STAGE_SAMPLE_DATA_FILE,
  STAGE_SAMPLE_DATA_PY,
  stageSampleDataCommand,
} from "./spark-sample-data";
export { sparkTenantPrefix } from "./spark-tenant";
export { s3aConf } from "./spark-submit";

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

export class SparkPlatform extends pulumi.ComponentResource {
  /** SparkApplications registered (example name -> tenant namespace). */
  readonly examples: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: SparkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Spark", name, {}, opts);
    const tenants = Object.entries(args.tenantNamespaces);

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
    const operator = sparkOperatorRelease(this, {
      namespace: ns.metadata.name,
      jobNamespaces: tenants.map(([, n]) => n),
      profile: args.profile,
      replicas: args.replicas,
      source: args.source,
      dependsOn: args.dependsOn,
    });

    const jobFiles = sparkJobFiles(args.jobsDir);
    const store = args.objectStore;
    const pool = args.cluster.nodePools.spark;
    // The project's image: jars and sample data inside, nothing fetched when a driver starts.
    const image = imageRef(SPARK_IMAGE, args.source);
    const small = args.profile === "edge";

    tenants.forEach(([tenant, namespace], i) => {
      const t = sparkTenant(this, {
        tenant,
        namespace,
        database: args.database,
        objectStore: store,
        login: args.tenantRoles?.[tenant] ?? args.appRole,
      });

      // Examples run in the first tenant only: one batch and one streaming job, not one per class.
      if (i !== 0 || Object.keys(jobFiles).length === 0) return;
      const jobs = new k8s.core.v1.ConfigMap(
        `spark-jobs-${tenant}`,
        {
          metadata: t.meta("spark-jobs"),
          data: { ...jobFiles, [ENSURE_EVENT_LOG_DIR_FILE]: ENSURE_EVENT_LOG_DIR_PY },
        },
        { parent: this },
      );
      const envFrom = [
        { secretRef: { name: t.dbSecret.metadata.name } },
        ...(t.s3Secret ? [{ secretRef: { name: t.s3Secret.metadata.name } }] : []),
      ];
      const volumeMounts = [
        { name: "jobs", mountPath: "/opt/spark/work-dir/jobs", readOnly: true },
        { name: "tmp", mountPath: "/tmp" },
        ...(t.caMap ? [{ name: "db-ca", mountPath: path.posix.dirname(DB_CA_PATH), readOnly: true }] : []),
      ];
      const volumes = [
        { name: "jobs", configMap: { name: jobs.metadata.name } },
        { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
        ...(t.caMap ? [{ name: "db-ca", configMap: { name: t.caMap.metadata.name } }] : []),
      ];
      // The sample data the examples read, staged once by a Job with an identity of its own (raw/ only).
      const stage = sampleDataStaging(this, {
        namespace: ns.metadata.name,
        objectStore: store,
        image,
        pool,
        small,
      });
      Object.assign(
        this.examples,
        sparkExamples(this, {
          jobFiles,
          meta: t.meta,
          labels: t.labels,
          image,
          serviceAccountName: t.sa.metadata.name,
          datasetsBucket: store.buckets.datasets,
          prefix: sparkTenantPrefix(store, tenant, namespace),
          rawPrefix: pulumi.interpolate`s3a://${store.buckets.datasets}/raw`,
          // The S3 settings every submission needs; the jars (hadoop-aws, the AWS SDK bundle, the
          // PostgreSQL driver) are in the image's /opt/spark/jars, so nothing is downloaded at start.
          conf: s3aConf(store, { podIdentity: true }),
          envFrom,
          volumeMounts,
          volumes,
          pool,
          small,
          coreRequest: small ? "250m" : "500m",
          dependsOn: [operator, stage],
        }),
      );
    });
    this.registerOutputs({ examples: this.examples });
  }
}
