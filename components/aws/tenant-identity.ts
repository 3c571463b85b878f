/**
 * Tenants' pods on AWS: one IAM role for every tenant's notebook servers and one for every tenant's Spark
 * drivers and executors, each assumed through EKS Pod Identity, whose permissions follow the session tags
 * EKS puts on each session (docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html:
 * `kubernetes-namespace`, `kubernetes-service-account`, `kubernetes-pod-name`, `eks-cluster-name`, ...).
 * A server in namespace `tenant-x` may use `tenants/tenant-x/` of the notebooks bucket, a Spark job there
 * `tenants/tenant-x/` of the Spark bucket; both read the datasets bucket. Nothing under `home/` or
 * `backups/`, nor another tenant's prefix, nor (for Spark) the notebooks bucket at all.
 *
 * Why one role per kind with attribute-based access instead of one role per tenant or per user: an account
 * holds at most 1,000 roles by default and every role is IAM state to create, review and delete; with
 * session tags a class added to the config costs one Pod Identity association per kind (namespace +
 * service account -> role) and no policy change. The tags come from EKS, not from the pod: a student
 * cannot choose them. Users of a tenant share its prefix (the pod-name tag is not used: a student who may
 * create pods through the Spark operator could name one after a classmate's server).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketKeyThroughS3, iamPolicy, OBJECT_READ_WRITE_ACTIONS } from "./identity";

/**
 * The EKS Pod Identity agent as pods reach it: 169.254.170.23, HTTP on port 80 (AWS_CONTAINER_CREDENTIALS_FULL_URI;
 * docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html, "Considerations"). The VPC CNI enforces
 * NetworkPolicy on this traffic too, so a default-deny namespace must allow it.
 */
export const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 };

/** The session tag EKS Pod Identity sets to the pod's namespace. */
export const NAMESPACE_TAG = "aws:PrincipalTag/kubernetes-namespace";
/** Object-store prefix of a tenant on AWS: `tenants/<namespace>/` (a policy variable cannot strip `tenant-`). */
export const AWS_TENANT_PREFIX = "tenants/${aws:PrincipalTag/kubernetes-namespace}/";

export interface TenantNotebookIdentityArgs {
  /** EKS cluster name (Pod Identity associations are per cluster). */
  clusterName: pulumi.Input<string>;
  /** Tenant namespaces (`tenant-<name>`), each associated with the role for its `notebook` account. */
  namespaces: string[];
  /** Service account of notebook servers in tenant namespaces. */
  serviceAccount: string;
  buckets: { notebooks: pulumi.Input<string>; datasets: pulumi.Input<string> };
  kmsKeyArn: pulumi.Input<string>;
  region: string;
}

/** Trust policy: only EKS Pod Identity, only for sessions of a tenant namespace's notebook account. */
export function tenantTrustPolicy(serviceAccount: string): string {
  return iamPolicy([
    {
      Effect: "Allow",
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
      Condition: {
        StringLike: { "aws:RequestTag/kubernetes-namespace": "tenant-*" },
        StringEquals: { "aws:RequestTag/kubernetes-service-account": serviceAccount },
      },
    },
  ]);
}

/**
 * Permissions over the tenant's prefix of `ownBucketArn` (notebooks or Spark bucket) and reading the
 * datasets, with the namespace session tag as a policy variable.
 */
function tenantPrefixPolicy(
  ownBucketArn: string,
  datasetsBucketArn: string,
  kmsKeyArn: string,
  region: string,
): string {
  return iamPolicy([
    {
      Sid: "ListOwnTenantPrefix",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: ownBucketArn,
      Condition: { StringLike: { "s3:prefix": [AWS_TENANT_PREFIX, `${AWS_TENANT_PREFIX}*`] } },
    },
    {
      Sid: "ObjectsOfOwnTenant",
      Effect: "Allow",
      Action: OBJECT_READ_WRITE_ACTIONS,
      Resource: `${ownBucketArn}/${AWS_TENANT_PREFIX}*`,
    },
    {
      Sid: "ReadSharedDatasets",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion"],
      Resource: [datasetsBucketArn, `${datasetsBucketArn}/*`],
    },
    bucketKeyThroughS3(kmsKeyArn, region, ["kms:Decrypt", "kms:GenerateDataKey"]),
  ]);
}

/** Notebook servers: their tenant's prefix of the notebooks bucket, and the datasets read-only. */
export function tenantNotebookPolicy(
  notebooksBucketArn: string,
  datasetsBucketArn: string,
  kmsKeyArn: string,
  region: string,
): string {
  return tenantPrefixPolicy(notebooksBucketArn, datasetsBucketArn, kmsKeyArn, region);
}

/** Spark drivers and executors: their tenant's prefix of the Spark bucket, and the datasets read-only. */
export function tenantSparkPolicy(
  sparkBucketArn: string,
  datasetsBucketArn: string,
  kmsKeyArn: string,
  region: string,
): string {
  return tenantPrefixPolicy(sparkBucketArn, datasetsBucketArn, kmsKeyArn, region);
}

/** An S3 bucket's ARN. */
export const bucketArn = (bucket: pulumi.Input<string>) => pulumi.interpolate`arn:aws:s3:::${bucket}`;

/**
 * A role only EKS Pod Identity sessions of a tenant namespace's `serviceAccount` may assume (one-hour
 * sessions), and its inline `policy`. Shared by the tenants' notebook, Spark and backup-writer roles.
 */
export function tenantRole(
  parent: pulumi.Resource,
  name: string,
  a: { description: string; serviceAccount: string; policy: pulumi.Input<string> },
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    {
      description: a.description,
      assumeRolePolicy: tenantTrustPolicy(a.serviceAccount),
      maxSessionDuration: 3600,
    },
    { parent },
  );
  new aws.iam.RolePolicy(name, { role: role.id, policy: a.policy }, { parent });
  return role;
}

/** `policy` (tenantNotebookPolicy or tenantSparkPolicy) of the buckets and the key, once their names are known. */
function prefixPolicyOf(
  policy: typeof tenantPrefixPolicy,
  ownBucket: pulumi.Input<string>,
  datasets: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  region: string,
): pulumi.Output<string> {
  return pulumi
    .all([bucketArn(ownBucket), bucketArn(datasets), kmsKeyArn])
    .apply(([o, d, k]) => policy(o, d, k, region));
}

/**
 * One Pod Identity association per tenant namespace: its `serviceAccount` gets `role`'s sessions (after
 * `agent`, the Pod Identity agent add-on, where given).
 */
export function associate(
  parent: pulumi.Resource,
  name: string,
  a: { clusterName: pulumi.Input<string>; namespaces: string[]; serviceAccount: string; role: aws.iam.Role },
  agent?: pulumi.Resource,
): void {
  for (const namespace of a.namespaces) {
    new aws.eks.PodIdentityAssociation(
      `${name}-${namespace}`,
      { clusterName: a.clusterName, namespace, serviceAccount: a.serviceAccount, roleArn: a.role.arn },
      agent ? { parent, dependsOn: [agent] } : { parent },
    );
  }
}

/** A role for `serviceAccount` of every tenant namespace: `tenantRole`'s inputs and the associations'. */
export type PodIdentityRoleArgs = Parameters<typeof tenantRole>[2] & {
  clusterName: pulumi.Input<string>;
  namespaces: string[];
  agent?: pulumi.Resource;
};

/**
 * A component that is one `tenantRole` with its Pod Identity associations (the tenants' Spark role, their
 * backup writers' role).
 */
export abstract class TenantPodIdentityRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  protected constructor(
    type: string,
    name: string,
    a: PodIdentityRoleArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    const role = tenantRole(this, name, a);
    associate(this, name, { ...a, role }, a.agent);
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}

export class TenantNotebookIdentity extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  /** The Pod Identity agent add-on (one per cluster; the Spark identity's associations wait for it too). */
  readonly agent: aws.eks.Addon;

  constructor(name: string, args: TenantNotebookIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:TenantNotebookIdentity", name, {}, opts);
    const role = tenantRole(this, name, {
      description: "Notebook servers of every tenant, scoped by the EKS Pod Identity namespace tag",
      serviceAccount: args.serviceAccount,
      policy: prefixPolicyOf(
        tenantNotebookPolicy,
        args.buckets.notebooks,
        args.buckets.datasets,
        args.kmsKeyArn,
        args.region,
      ),
    });
    // The agent that hands pods their credentials (an EKS add-on; absent, no association works).
    this.agent = new aws.eks.Addon(
      `${name}-agent`,
      { clusterName: args.clusterName, addonName: "eks-pod-identity-agent" },
      { parent: this },
    );
    associate(this, name, { ...args, role }, this.agent);
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}

export interface TenantSparkIdentityArgs {
  /** EKS cluster name (Pod Identity associations are per cluster). */
  clusterName: pulumi.Input<string>;
  /** Tenant namespaces (`tenant-<name>`), each associated with the role for its `spark` account. */
  namespaces: string[];
  /** Service account Spark drivers and executors run as in tenant namespaces. */
  serviceAccount: string;
  buckets: { spark: pulumi.Input<string>; datasets: pulumi.Input<string> };
  kmsKeyArn: pulumi.Input<string>;
  region: string;
  /** The Pod Identity agent add-on (TenantNotebookIdentity.agent): associations work once it runs. */
  agent: pulumi.Resource;
}

/**
 * Tenants' Spark jobs: one role, the `spark` account of every tenant namespace associated with it, each
 * session narrowed to `tenants/<its namespace>/` of the Spark bucket by the namespace tag.
 */
export class TenantSparkIdentity extends TenantPodIdentityRole {
  constructor(name: string, args: TenantSparkIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    const policy = prefixPolicyOf(
      tenantSparkPolicy,
      args.buckets.spark,
      args.buckets.datasets,
      args.kmsKeyArn,
      args.region,
    );
    const description = "Spark jobs of every tenant, scoped by the EKS Pod Identity namespace tag";
    super("datavis:aws:TenantSparkIdentity", name, { ...args, description, policy }, opts);
  }
}
