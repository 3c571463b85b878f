/**
 * Home backups of tenants' users (components/platform/notebooks/backup.ts): where they land and who may
 * write them. Shared by the targets (their write-only identities) and the platform (the backup Jobs).
 *
 * Threat model: a student may read every Secret and use every service account of their own tenant
 * namespace (a SparkApplication can mount a Secret or name an account). The copier Job that uploads a
 * tenant user's home runs in that namespace (a pod can only mount volumes of its own namespace), so what it
 * holds is write-only: PutObject (and the multipart calls one upload makes) under the tenant's backup
 * prefix, never Get, List or Delete. The notebooks bucket is versioned: an overwrite by a student who
 * took the key adds a version, the copier's stays, and a delete is refused. Reading, listing, pruning and
 * restores stay with the platform's identity, which no tenant namespace holds.
 */
import { tenantNamespace } from "./naming";

/** Root of every home backup in the notebooks bucket (users of the hub's namespace: `backups/<user>/`). */
export const BACKUP_ROOT = "backups";

/**
 * Prefix of a tenant's home backups: `backups/tenants/<namespace>/` (then `<user>/<YYYY-MM-DD>/`). The
 * namespace, not the tenant name, on both targets: on AWS the writer's policy names it through the Pod
 * Identity session tag `kubernetes-namespace`, and an IAM policy variable cannot strip `tenant-`.
 */
export function tenantBackupPrefix(tenant: string): string {
  return `${BACKUP_ROOT}/tenants/${tenantNamespace(tenant)}/`;
}

/** Name of a tenant's backup writer identity on an S3-compatible store with static keys (edge). */
export function tenantBackupWriterIdentity(tenant: string): string {
  return `tenant-${tenant}-backup-writer`;
}

/** S3 actions of a backup writer: one object upload, single-part or multipart, and nothing else. */
export const BACKUP_WRITER_ACTIONS = [
  "s3:PutObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];

/**
 * The IAM-style policy a tenant's backup writer identity has on SeaweedFS. Not the legacy `Write:` action:
 * SeaweedFS checks DELETE (a version's too) as `Write` (weed/s3api/s3api_server.go routes DeleteObject
 * under ACTION_WRITE; auth_credentials.go `AuthorizeObjectDelete`), so a stolen `Write` key could destroy
 * the versions that keep a backup. An identity with attached policies is judged by them alone
 * (auth_credentials.go `authorizationRoute` -> `evaluateAttachedIAMPolicies`), fine-grained like IAM's.
 */
export function tenantBackupWriterPolicy(tenant: string, notebooksBucket: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "UploadHomeBackupsOnly",
        Effect: "Allow",
        Action: BACKUP_WRITER_ACTIONS,
        Resource: [`arn:aws:s3:::${notebooksBucket}/${tenantBackupPrefix(tenant)}*`],
      },
    ],
  };
}

export interface S3KeyPair {
  accessKey: string;
  secretKey: string;
}

/**
 * The identities (no legacy actions: their attached policy is all they may do) and the policies to add to
 * SeaweedFS's `-s3.config` document for each tenant's backup writer. The deployed SeaweedFS (4.44) reads
 * static policies and attached policy names from that document and evaluates them per request
 * (seaweedfs/seaweedfs@4.44 weed/s3api/auth_credentials.go lines 437-441 and 2446-2500; weed/pb/iam.proto
 * lines 170 and 177); the tests run the 4.x build the Go proxy serves (tools/checks/s3/build-seaweedfs.sh).
 */
export function seaweedBackupWriters(
  writers: Record<string, S3KeyPair>,
  notebooksBucket: string,
): { identities: Record<string, unknown>[]; policies: { name: string; content: string }[] } {
  const tenants = Object.keys(writers);
  return {
    identities: tenants.map((t) => ({
      name: tenantBackupWriterIdentity(t),
      credentials: [{ accessKey: writers[t].accessKey, secretKey: writers[t].secretKey }],
      policyNames: [tenantBackupWriterIdentity(t)],
    })),
    policies: tenants.map((t) => ({
      name: tenantBackupWriterIdentity(t),
      content: JSON.stringify(tenantBackupWriterPolicy(t, notebooksBucket)),
    })),
  };
}

/** Service account of the copier Jobs in a tenant namespace (AWS: associated with the writer role). */
export const TENANT_BACKUP_SERVICE_ACCOUNT = "notebook-backup";

/** What the plan and `kubectl describe namespace` say about a tenant's home backups. */
export function tenantBackupSummary(tenant: string, identity: "keys" | "workload"): string {
  const who =
    identity === "keys"
      ? `S3 identity ${tenantBackupWriterIdentity(tenant)}`
      : `IAM role tenant-backup-writer via EKS Pod Identity (service account ${TENANT_BACKUP_SERVICE_ACCOUNT})`;
  return `${tenantBackupPrefix(tenant)} of the notebooks bucket; copier Jobs upload as ${who}, upload only; read, prune and restore by the platform's backup identity`;
}
