/**
 * Tenants' notebooks on AWS: one IAM role for every tenant's notebook servers, assumed through EKS Pod
 * Identity, whose permissions follow the session tags EKS puts on each session
 * (docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html: `kubernetes-namespace`,
 * `kubernetes-service-account`, `kubernetes-pod-name`, `eks-cluster-name`, ...). A server in namespace
 * `tenant-x` may use `tenants/tenant-x/` of the notebooks bucket and read the datasets bucket; nothing under
 * `home/` or `backups/`, nor another tenant's prefix.
 *
 * Why one role with attribute-based access instead of one role per tenant or per user: an account holds at
 * most 1,000 roles by default and every role is IAM state to create, review and delete; with session tags
 * a class added to the config costs one Pod Identity association (namespace + service account -> role)
 * and no policy change. The tags come from EKS, not from the pod: a student cannot choose them. Users of a
 * tenant share its prefix (the pod-name tag is not used: a student who may create pods through the Spark
 * operator could name one after a classmate's server).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringLike: { "aws:RequestTag/kubernetes-namespace": "tenant-*" },
          StringEquals: { "aws:RequestTag/kubernetes-service-account": serviceAccount },
        },
      },
    ],
  });
}

/** Permissions, with the namespace session tag as a policy variable. */
export function tenantNotebookPolicy(
  notebooksBucketArn: string,
  datasetsBucketArn: string,
  kmsKeyArn: string,
  region: string,
): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListOwnTenantPrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: notebooksBucketArn,
        Condition: { StringLike: { "s3:prefix": [AWS_TENANT_PREFIX, `${AWS_TENANT_PREFIX}*`] } },
      },
      {
        Sid: "ObjectsOfOwnTenant",
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: `${notebooksBucketArn}/${AWS_TENANT_PREFIX}*`,
      },
      {
        Sid: "ReadSharedDatasets",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion"],
        Resource: [datasetsBucketArn, `${datasetsBucketArn}/*`],
      },
      {
        Sid: "BucketKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: kmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
      },
    ],
  });
}

export class TenantNotebookIdentity extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: TenantNotebookIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:TenantNotebookIdentity", name, {}, opts);
    const role = new aws.iam.Role(
      name,
      {
        description: "Notebook servers of every tenant, scoped by the EKS Pod Identity namespace tag",
        assumeRolePolicy: tenantTrustPolicy(args.serviceAccount),
        maxSessionDuration: 3600,
      },
      { parent: this },
    );
    const arn = (bucket: pulumi.Input<string>) => pulumi.interpolate`arn:aws:s3:::${bucket}`;
    new aws.iam.RolePolicy(
      name,
      {
        role: role.id,
        policy: pulumi
          .all([arn(args.buckets.notebooks), arn(args.buckets.datasets), args.kmsKeyArn])
          .apply(([n, d, k]) => tenantNotebookPolicy(n, d, k, args.region)),
      },
      { parent: this },
    );
    // The agent that hands pods their credentials (an EKS add-on; absent, no association works).
    const agent = new aws.eks.Addon(
      `${name}-agent`,
      { clusterName: args.clusterName, addonName: "eks-pod-identity-agent" },
      { parent: this },
    );
    for (const namespace of args.namespaces) {
      new aws.eks.PodIdentityAssociation(
        `${name}-${namespace}`,
        { clusterName: args.clusterName, namespace, serviceAccount: args.serviceAccount, roleArn: role.arn },
        { parent: this, dependsOn: [agent] },
      );
    }
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
