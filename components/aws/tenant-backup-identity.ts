/**
 * Tenants' home-backup copier Jobs on AWS (components/platform/notebooks/backup.ts): one IAM role for the
 * `notebook-backup` service account of every tenant namespace, assumed through EKS Pod Identity, that may
 * only upload under `backups/tenants/<namespace>/` of the notebooks bucket, the namespace coming from the
 * session tag EKS sets (docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html).
 *
 * Write-only because a student can use any service account of their own namespace (a SparkApplication
 * names one): with this role they can add objects under their tenant's backup prefix, never read, list or
 * delete a backup (the bucket is versioned: an overwrite keeps the copier's version). Reading, pruning and
 * restores stay with the platform's backup role (IRSA, hub namespace), which no tenant namespace can assume.
 */
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_ROOT, BACKUP_WRITER_ACTIONS } from "../shared/tenant-backups";
import { bucketKeyThroughS3, iamPolicy } from "./identity";
import { bucketArn, NAMESPACE_TAG, TenantPodIdentityRole } from "./tenant-identity";

/** Backup prefix of the session's namespace: what tenantBackupPrefix() gives, as an IAM policy variable. */
export const AWS_TENANT_BACKUP_PREFIX = `${BACKUP_ROOT}/tenants/\${${NAMESPACE_TAG}}/`;

export interface TenantBackupWriterIdentityArgs {
  /** EKS cluster name (Pod Identity associations are per cluster). */
  clusterName: pulumi.Input<string>;
  /** Tenant namespaces (`tenant-<name>`), each associated with the role for its backup account. */
  namespaces: string[];
  /** Service account of the copier Jobs in tenant namespaces (`notebook-backup`). */
  serviceAccount: string;
  notebooksBucket: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  region: string;
}

/** Permissions: upload (single or multipart) under the session namespace's backup prefix, nothing else. */
export function tenantBackupWriterPolicy(
  notebooksBucketArn: string,
  kmsKeyArn: string,
  region: string,
): string {
  return iamPolicy([
    {
      Sid: "UploadOwnTenantsHomeBackups",
      Effect: "Allow",
      Action: BACKUP_WRITER_ACTIONS,
      Resource: `${notebooksBucketArn}/${AWS_TENANT_BACKUP_PREFIX}*`,
    },
    // SSE-KMS uploads need a data key; a multipart upload also decrypts it to finish (S3 does both).
    bucketKeyThroughS3(kmsKeyArn, region, ["kms:GenerateDataKey", "kms:Decrypt"]),
  ]);
}

export class TenantBackupWriterIdentity extends TenantPodIdentityRole {
  constructor(name: string, args: TenantBackupWriterIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    const policy = pulumi
      .all([bucketArn(args.notebooksBucket), args.kmsKeyArn])
      .apply(([bucket, key]) => tenantBackupWriterPolicy(bucket, key, args.region));
    // Only EKS Pod Identity, only for a tenant namespace's backup account.
    const description =
      "Home-backup copier Jobs of every tenant: upload under backups/tenants/<namespace>/ only";
    super("datavis:aws:TenantBackupWriterIdentity", name, { ...args, description, policy }, opts);
  }
}
