/**
 * Shared by the targets and the platform (tenancy): object-store identities of an S3-compatible store with static keys (the edge's SeaweedFS): what each
 * holder of keys may touch. SeaweedFS checks an identity's `actions` as `Action` (everywhere),
 * `Action:bucket` (the whole bucket) or a wildcard pattern over `Action:bucket/key`; a bucket listing is
 * checked against its `prefix` (weed/s3api/auth_credentials.go `CanDo`, and the listing-prefix promotion
 * in the same file). `Admin:bucket` grants every action on that bucket.
 *
 *  - platform: the platform's own jobs (home backups, scheduled runs, notebooks of administrators outside
 *    any tenant): the notebooks, datasets and Spark buckets, never the database backups' bucket;
 *  - database-backup: CloudNativePG's Barman, the backups bucket only, held by no notebook;
 *  - tenant-<name>: a tenant's notebooks and Spark jobs: its own prefix of the notebooks and Spark buckets,
 *    the shared datasets read-only; not `home/`, not `backups/`, not another tenant's prefix;
 *  - sample-data: the Job that stages the examples' inputs: `raw/` of the datasets bucket, nothing else.
 *  - tenant-<name>-backup-writer: the tenant's home-backup copier Jobs: upload only, under its backup
 *    prefix (./tenant-backups.ts).
 */
import { seaweedBackupWriters } from "./tenant-backups";

/** Object-store prefix (in the notebooks and Spark buckets) a whole tenant shares. */
export function tenantPrefix(tenant: string): string {
  return `tenants/${tenant}/`;
}

/** Name of a tenant's object-store identity on an S3-compatible store with static keys (edge). */
export function tenantObjectStoreIdentity(tenant: string): string {
  return `tenant-${tenant}`;
}

export interface S3Keys {
  accessKey: string;
  secretKey: string;
}

export interface S3IdentitiesArgs {
  buckets: { notebooks: string; datasets: string; spark: string };
  /** The database backups' bucket. */
  backupBucket: string;
  platform: S3Keys;
  databaseBackup: S3Keys;
  /** Each tenant's keys, by tenant name. */
  tenants: Record<string, S3Keys>;
  /** Each tenant's home-backup writer keys, by tenant name: upload only (./tenant-backups.ts). */
  backupWriters?: Record<string, S3Keys>;
  /** k3s servers' keys for etcd snapshot copies: that bucket only (edge, when snapshots are copied). */
  etcdSnapshots?: { bucket: string; keys: S3Keys };
  /** The sample-data Job's keys. */
  sampleData?: S3Keys;
}

/** Identity name of the k3s servers' etcd snapshot keys. */
export const ETCD_SNAPSHOT_IDENTITY = "k3s-etcd-snapshots";

/**
 * What the k3s servers' keys may do: upload, list, fetch (restore) and prune (retention deletes; SeaweedFS
 * checks a DELETE as `Write`) in the snapshots' bucket, nothing anywhere else.
 */
export function etcdSnapshotActions(bucket: string): string[] {
  return ["Read", "Write", "List"].map((a) => `${a}:${bucket}`);
}

/** Identity name of the sample-data Job's keys. */
export const SAMPLE_DATA_IDENTITY = "sample-data";

/** Prefix of the datasets bucket the sample-data Job writes (where the example jobs read their inputs). */
export const SAMPLE_DATA_PREFIX = "raw/";

/** What the sample-data Job's keys may do: read, write and list `raw/` of the datasets bucket. */
export function sampleDataActions(buckets: S3IdentitiesArgs["buckets"]): string[] {
  return ["Read", "Write", "List"].map((a) => `${a}:${buckets.datasets}/${SAMPLE_DATA_PREFIX}*`);
}

/** Identity name of the database backups' keys. */
export const DATABASE_BACKUP_IDENTITY = "database-backup";

/** What a tenant's keys may do (SeaweedFS action patterns). */
export function tenantActions(tenant: string, buckets: S3IdentitiesArgs["buckets"]): string[] {
  const own = (bucket: string) =>
    ["Read", "Write", "List", "Tagging"].map((a) => `${a}:${bucket}/${tenantPrefix(tenant)}*`);
  return [
    ...own(buckets.notebooks),
    ...own(buckets.spark),
    `Read:${buckets.datasets}`,
    `List:${buckets.datasets}`,
  ];
}

/** SeaweedFS's S3 identities document (`-s3.config`, the chart's existingConfigSecret). */
export function seaweedS3Identities(a: S3IdentitiesArgs): {
  identities: Record<string, unknown>[];
  policies?: { name: string; content: string }[];
} {
  const ident = (name: string, keys: S3Keys, actions: string[]) => ({
    name,
    credentials: [{ accessKey: keys.accessKey, secretKey: keys.secretKey }],
    actions,
  });
  const writers = seaweedBackupWriters(a.backupWriters ?? {}, a.buckets.notebooks);
  return {
    identities: [
      ident(
        "platform",
        a.platform,
        [a.buckets.notebooks, a.buckets.datasets, a.buckets.spark].map((b) => `Admin:${b}`),
      ),
      ident(DATABASE_BACKUP_IDENTITY, a.databaseBackup, [`Admin:${a.backupBucket}`]),
      ...Object.entries(a.tenants).map(([t, keys]) =>
        ident(tenantObjectStoreIdentity(t), keys, tenantActions(t, a.buckets)),
      ),
      ...(a.etcdSnapshots
        ? [ident(ETCD_SNAPSHOT_IDENTITY, a.etcdSnapshots.keys, etcdSnapshotActions(a.etcdSnapshots.bucket))]
        : []),
      ...(a.sampleData ? [ident(SAMPLE_DATA_IDENTITY, a.sampleData, sampleDataActions(a.buckets))] : []),
      ...writers.identities,
    ],
    ...(writers.policies.length > 0 ? { policies: writers.policies } : {}),
  };
}
