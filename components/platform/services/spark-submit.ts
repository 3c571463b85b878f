/**
 * What every Spark process of the platform shares: the S3A settings for the target's object store and
 * identity, the restricted security context, and a local-mode spark-submit of a job-folder script (the
 * sample-data Job and the event-log init container run one).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStoreInput } from "../../shared/inputs";

/** AWS SDK v2 credential providers S3A takes (Hadoop 3.4 accepts v2 classes in this setting). */
const PROVIDERS = {
  /** Static keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the Secret's). */
  keys: "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
  /** IRSA: the service account's projected token exchanged with STS (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE). */
  serviceAccountRole: "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider",
  /**
   * EKS Pod Identity: the node's agent at AWS_CONTAINER_CREDENTIALS_FULL_URI, authorised by the token in
   * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (SDK v2 2.21.30 and later; the image's bundle is 2.24.6:
   * docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html).
   */
  podIdentity: "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider",
} as const;

/**
 * Hadoop S3A settings for the target's object store and identity. With workload identity, tenants' Spark
 * pods hold an EKS Pod Identity session (`podIdentity`), the platform's own jobs an IRSA role.
 *
 * A tenant's keys or role reach only `tenants/<dir>/` of the Spark bucket, and S3A (Hadoop 3.4.1) probes the
 * parent folders in `mkdirs` (HEAD `tenants/<dir>`, LIST `tenants/`): both are refused, and its MkdirOperation
 * skips a refused ancestor (impl/MkdirOperation.java, verifyFileStatusOfClosestAncestor). Markers are kept
 * (3.4's default), so no parent marker is deleted. Hence no `fs.s3a.performance.flags`: the data suite runs
 * the examples with a tenant's own keys on SeaweedFS (notebooks/tests/test_spark_on_s3.py).
 */
export function s3aConf(
  store: ObjectStoreInput,
  o: { podIdentity?: boolean } = {},
): Record<string, pulumi.Input<string>> {
  const conf: Record<string, pulumi.Input<string>> = {
    "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
    "spark.hadoop.fs.s3a.path.style.access": String(store.forcePathStyle),
    "spark.hadoop.fs.s3a.endpoint.region": store.region,
    "spark.hadoop.fs.s3a.aws.credentials.provider":
      store.identity.kind === "workload"
        ? PROVIDERS[o.podIdentity ? "podIdentity" : "serviceAccountRole"]
        : PROVIDERS.keys,
  };
  if (store.endpoint) conf["spark.hadoop.fs.s3a.endpoint"] = store.endpoint;
  return conf;
}

/** spark-submit of one of the jobs folder's scripts in local mode with `conf` (event logs off) and `extra`. */
export function localSparkSubmit(
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

export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
export const SPARK_POD_SECURITY = { runAsNonRoot: true, runAsUser: 185, runAsGroup: 185, fsGroup: 185 };

/** Requests and limits of the local-mode helpers (init container, sample-data Job). */
export function helperResources(small: boolean) {
  return {
    requests: { cpu: small ? "100m" : "250m", memory: "512Mi" },
    limits: { cpu: "1", memory: "768Mi" },
  };
}
