/**
 * Workload identity on EKS (IRSA): an IAM role per platform workload that only one Kubernetes service
 * account can assume, with a policy scoped to one bucket and one prefix. Tenants' pods (notebook servers,
 * Spark drivers and executors) use EKS Pod Identity instead (./tenant-identity.ts).
 *
 * `WORKLOAD_SERVICE_ACCOUNTS` is the contract with the platform layer: its helpers create service accounts
 * with exactly these names and annotate them with the role ARN from `ObjectStoreInput.identity.roleArns`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStoreWorkload } from "../shared/inputs";
import { NAMESPACES } from "../shared/naming";

export type BucketKey = "notebooks" | "datasets" | "spark";

export interface WorkloadBinding {
  /** Namespace of the service account; a `*` pattern (StringLike) for the tenant namespaces. */
  namespace: string;
  serviceAccount: string;
  /** Bucket the workload may use, and the only prefix inside it. */
  bucket: BucketKey;
  prefix: string;
  /** Read-only workloads get no Put/Delete. */
  readOnly?: boolean;
}

/**
 * The service accounts bound to IAM roles, one per platform workload that touches object storage.
 * Spark drivers and executors are not here: they run in the tenant namespaces, under one Pod Identity
 * role scoped to each tenant's prefix (./tenant-identity.ts `TenantSparkIdentity`).
 */
export const WORKLOAD_SERVICE_ACCOUNTS: Record<ObjectStoreWorkload, WorkloadBinding> = {
  /** JupyterHub single-user servers: the user's files under `home/`. */
  notebooks: {
    namespace: NAMESPACES.jupyterhub,
    serviceAccount: "notebook",
    bucket: "notebooks",
    prefix: "home/",
  },
  /** Papermill CronJobs: executed notebooks under `scheduled-runs/`. */
  scheduledRuns: {
    namespace: NAMESPACES.jobs,
    serviceAccount: "scheduled-runs",
    bucket: "notebooks",
    prefix: "scheduled-runs/",
  },
  /** Dataset loader: reads uploads from the landing zone `uploads/` and writes its reports there. */
  datasets: {
    namespace: NAMESPACES.jobs,
    serviceAccount: "dataset-loader",
    bucket: "datasets",
    prefix: "uploads/",
  },
  /**
   * The sample-data Job: writes the examples' inputs under `raw/` of the datasets bucket, nothing else. It
   * runs in the operator's namespace, where no tenant may create pods (a pod in a tenant namespace could
   * name any service account of that namespace, through a SparkApplication too).
   */
  sampleData: {
    namespace: NAMESPACES.spark,
    serviceAccount: "sample-data",
    bucket: "datasets",
    prefix: "raw/",
  },
  /** Notebook volume backups under `backups/`: in the hub's namespace, whose volumes it must mount. */
  backup: {
    namespace: NAMESPACES.jupyterhub,
    serviceAccount: "notebook-backup",
    bucket: "notebooks",
    prefix: "backups/",
  },
};

/** Cluster add-ons that call AWS APIs (not object storage). */
export const SYSTEM_SERVICE_ACCOUNTS = {
  clusterAutoscaler: { namespace: "kube-system", serviceAccount: "cluster-autoscaler" },
  /** The name the EBS CSI add-on uses for its controller. */
  ebsCsi: { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa" },
  /** Makes the ingress NLB (load-balancer-controller.ts). */
  loadBalancerController: { namespace: "kube-system", serviceAccount: "aws-load-balancer-controller" },
  /** Keeps the endpoints' records in the Route 53 zone, when `externalDnsZoneId` is set (external-dns.ts). */
  externalDns: { namespace: "kube-system", serviceAccount: "external-dns" },
} as const;

export interface IrsaRoleArgs {
  /** ARN of the cluster's IAM OIDC provider. */
  oidcProviderArn: pulumi.Input<string>;
  /** Issuer host and path, without `https://` (e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`). */
  oidcIssuer: pulumi.Input<string>;
  /** Namespace of the service account; may contain `*` (then matched with StringLike). */
  namespace: string;
  serviceAccount: string;
  /** Inline policy document (JSON) of the role. */
  policy?: pulumi.Input<string>;
  /** AWS managed policies to attach. */
  managedPolicyArns?: string[];
}

/** One IAM role that one service account (pattern) of one cluster can assume through IRSA. */
export class IrsaRole extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:IrsaRole", name, {}, opts);
    const subject = `system:serviceaccount:${args.namespace}:${args.serviceAccount}`;
    const wildcard = args.namespace.includes("*");
    const role = new aws.iam.Role(
      name,
      {
        description: `IRSA role for ${args.namespace}/${args.serviceAccount}`,
        assumeRolePolicy: pulumi.all([args.oidcProviderArn, args.oidcIssuer]).apply(([arn, issuer]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Federated: arn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                  StringEquals: {
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                    ...(wildcard ? {} : { [`${issuer}:sub`]: subject }),
                  },
                  ...(wildcard ? { StringLike: { [`${issuer}:sub`]: subject } } : {}),
                },
              },
            ],
          }),
        ),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );
    if (args.policy !== undefined) {
      new aws.iam.RolePolicy(name, { role: role.id, policy: args.policy }, { parent: this });
    }
    (args.managedPolicyArns ?? []).forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, { parent: this }),
    );
    this.arn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ arn: this.arn });
  }
}

/** Reading, writing and deleting objects, multipart uploads included (no listing: that is the bucket's). */
export const OBJECT_READ_WRITE_ACTIONS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];

/** An IAM policy document of `statements`. */
export function iamPolicy(statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Use of `kmsKeyArn` (the buckets' key) only through S3 in `region`: `actions` are what SSE-KMS needs of
 * the caller (a data key to upload; decrypting it to read or to finish a multipart upload).
 */
export function bucketKeyThroughS3(kmsKeyArn: string, region: string, actions: string[]): object {
  return {
    Sid: "BucketKeyThroughS3",
    Effect: "Allow",
    Action: actions,
    Resource: kmsKeyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
  };
}

/**
 * Policy for a workload: list only its prefix, read/write (or read) objects under it, and use the bucket's
 * KMS key only through S3.
 */
export function bucketPrefixPolicy(
  binding: WorkloadBinding,
  bucketArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  region: string,
): pulumi.Output<string> {
  return pulumi.all([bucketArn, kmsKeyArn]).apply(([bucket, key]) => {
    const objectActions = binding.readOnly
      ? ["s3:GetObject", "s3:GetObjectVersion"]
      : OBJECT_READ_WRITE_ACTIONS;
    return iamPolicy([
      {
        Sid: "ListOwnPrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: bucket,
        Condition: { StringLike: { "s3:prefix": [binding.prefix, `${binding.prefix}*`] } },
      },
      {
        Sid: "ObjectsUnderPrefix",
        Effect: "Allow",
        Action: objectActions,
        Resource: `${bucket}/${binding.prefix}*`,
      },
      bucketKeyThroughS3(
        key,
        region,
        binding.readOnly ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"],
      ),
    ]);
  });
}
