/**
 * In-cluster S3-compatible object storage: SeaweedFS (multi-arch images; MinIO's and Bitnami's free images
 * are gone) in the chart's all-in-one mode, one pod running master, volume, filer and the S3 gateway,
 * which is what a few Raspberry Pis can afford. Data on a PersistentVolumeClaim of the cluster's
 * StorageClass, S3 authentication on with generated keys, and the platform's buckets created by the
 * chart's install hook.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ArtifactSource, ContainerResources, imageRepoTag, releaseArgs } from "../shared/artifacts";
import type { ObjectStoreInput } from "../shared/inputs";
import { seaweedS3Identities } from "../shared/tenant-storage";
import { IMAGES } from "../versions";

export interface SeaweedFsObjectStoreArgs {
  /** StorageClass of the data volume (`local-path` on k3s). */
  storageClass: string;
  /** Size of the data volume (default 20Gi). */
  storageSize?: string;
  /** Namespace (default `object-store`). */
  namespace?: string;
  /** Bucket names (default notebooks, datasets, spark); notebooks is versioned. */
  buckets?: { notebooks: string; datasets: string; spark: string };
  /** Unversioned bucket for database backups, which expire by retention (default `backups`). */
  backupBucket?: string;
  /** Tenants: each gets its own S3 identity, scoped to its prefixes (shared/tenant-storage.ts). */
  tenants?: string[];
  /**
   * Unversioned bucket for the k3s servers' etcd snapshot copies, with keys for that bucket alone
   * (`etcdSnapshotKeys`); unset: no bucket, no keys (the cluster's control plane is backed up elsewhere).
   */
  etcdSnapshotBucket?: string;
  /** Requests/limits of the all-in-one pod (default 100m / 192Mi, limit 768Mi). */
  resources?: ContainerResources;
  /** Requests/limits of the bucket-creating install hook (default 10m / 32Mi, limit 128Mi). */
  hookResources?: ContainerResources;
  source: ArtifactSource;
}

/** Keys of one S3 identity. */
type Keys = { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };

export const SEAWEEDFS_DEFAULTS = {
  storageSize: "20Gi",
  namespace: "object-store",
  buckets: { notebooks: "notebooks", datasets: "datasets", spark: "spark" },
  backupBucket: "backups",
  resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { memory: "768Mi" } },
  hookResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  releaseName: "seaweedfs",
  s3Port: 8333,
} satisfies Omit<SeaweedFsObjectStoreArgs, "storageClass" | "source"> & Record<string, unknown>;

export class SeaweedFsObjectStore extends pulumi.ComponentResource {
  /** The platform layer's object storage input: endpoint, buckets and the generated keys. */
  readonly input: ObjectStoreInput & {
    endpoint: pulumi.Output<string>;
    identity: { kind: "keys"; accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  };
  readonly release: k8s.helm.v3.Release;
  /** Bucket for database backups. */
  readonly backupBucket: string;
  /** Keys of the database backups (the backups bucket only; no notebook holds them). */
  readonly databaseBackupKeys: Keys;
  /** Keys of the etcd snapshot copies (that bucket only), when `etcdSnapshotBucket` is set. */
  readonly etcdSnapshotKeys?: Keys;
  /** Namespace of the S3 gateway, and the pod label that selects it (for a Service of another kind). */
  readonly namespace: pulumi.Output<string>;
  readonly s3PodSelector = { "datavis.io/s3-gateway": "seaweedfs" };
  readonly s3Port: number = SEAWEEDFS_DEFAULTS.s3Port;

  constructor(name: string, args: SeaweedFsObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:edge:SeaweedFsObjectStore", name, {}, opts);
    const d = SEAWEEDFS_DEFAULTS;
    const buckets = args.buckets ?? d.buckets;
    this.backupBucket = args.backupBucket ?? d.backupBucket;

    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: args.namespace ?? d.namespace } },
      { parent: this },
    );
    this.namespace = ns.metadata.name;

    const keys = (prefix: string): Keys => ({
      accessKeyId: new random.RandomString(
        `${prefix}-access-key-id`,
        { length: 20, special: false, upper: true, lower: false },
        { parent: this },
      ).result,
      secretAccessKey: new random.RandomPassword(
        `${prefix}-secret-access-key`,
        { length: 40, special: false },
        { parent: this },
      ).result,
    });
    const platform = keys(name);
    const accessKeyId = { result: platform.accessKeyId };
    const secretAccessKey = { result: platform.secretAccessKey };
    this.databaseBackupKeys = keys(`${name}-database-backup`);
    const tenantKeys = Object.fromEntries((args.tenants ?? []).map((t) => [t, keys(`${name}-tenant-${t}`)]));
    // Each tenant's home-backup copier Jobs: upload only, under the tenant's backup prefix.
    const writerKeys = Object.fromEntries(
      (args.tenants ?? []).map((t) => [t, keys(`${name}-tenant-${t}-backup-writer`)]),
    );
    const etcdBucket = args.etcdSnapshotBucket;
    this.etcdSnapshotKeys = etcdBucket ? keys(`${name}-etcd-snapshots`) : undefined;
    // The sample-data Job's: it writes `raw/` of the datasets bucket and nothing else.
    const sampleDataKeys = keys(`${name}-sample-data`);
    // SeaweedFS reads its S3 identities from this JSON (the chart's `existingConfigSecret` contract); each
    // holder's reach is in components/platform/tenancy/object-store.ts.
    const plain = (k: Keys) => pulumi.all([k.accessKeyId, k.secretAccessKey]);
    const s3Config = pulumi
      .all([
        plain(platform),
        plain(this.databaseBackupKeys),
        pulumi.all(Object.fromEntries(Object.entries(tenantKeys).map(([t, k]) => [t, plain(k)]))),
        this.etcdSnapshotKeys ? plain(this.etcdSnapshotKeys) : undefined,
        plain(sampleDataKeys),
        pulumi.all(Object.fromEntries(Object.entries(writerKeys).map(([t, k]) => [t, plain(k)]))),
      ])
      .apply(([p, backup, tenants, etcd, sample, writers]) =>
        JSON.stringify(
          seaweedS3Identities({
            buckets,
            backupBucket: this.backupBucket,
            platform: { accessKey: p[0], secretKey: p[1] },
            databaseBackup: { accessKey: backup[0], secretKey: backup[1] },
            tenants: Object.fromEntries(
              Object.entries(tenants).map(([t, [a, s]]) => [t, { accessKey: a, secretKey: s }]),
            ),
            backupWriters: Object.fromEntries(
              Object.entries(writers).map(([t, [a, s]]) => [t, { accessKey: a, secretKey: s }]),
            ),
            ...(etcd && etcdBucket
              ? { etcdSnapshots: { bucket: etcdBucket, keys: { accessKey: etcd[0], secretKey: etcd[1] } } }
              : {}),
            sampleData: { accessKey: sample[0], secretKey: sample[1] },
          }),
        ),
      );
    const configSecret = new k8s.core.v1.Secret(
      `${name}-s3-config`,
      {
        metadata: { name: "seaweedfs-s3-identities", namespace: ns.metadata.name },
        stringData: { seaweedfs_s3_config: pulumi.secret(s3Config) },
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: d.releaseName,
        ...releaseArgs(
          "seaweedfs",
          {
            namespace: ns.metadata.name,
            values: configSecret.metadata.name.apply((secretName) =>
              seaweedFsValues({
                source: args.source,
                storageClass: args.storageClass,
                storageSize: args.storageSize ?? d.storageSize,
                buckets: [
                  // Versioned: an overwritten or deleted notebook can be brought back.
                  { name: buckets.notebooks, versioning: "Enabled" },
                  { name: buckets.datasets },
                  { name: buckets.spark },
                  // Unversioned: Barman deletes expired backups and WAL, and that must free the space.
                  { name: this.backupBucket },
                  // Unversioned: k3s prunes snapshots beyond the retention count.
                  ...(etcdBucket ? [{ name: etcdBucket }] : []),
                ],
                podLabels: etcdBucket ? this.s3PodSelector : undefined,
                configSecret: secretName,
                resources: args.resources ?? d.resources,
                hookResources: args.hookResources ?? d.hookResources,
              }),
            ),
          },
          args.source,
        ),
      },
      { parent: this },
    );

    this.input = {
      endpoint: pulumi.interpolate`http://${d.releaseName}-all-in-one.${ns.metadata.name}.svc:${d.s3Port}`,
      // SeaweedFS accepts any region name; SDKs need one.
      region: "us-east-1",
      forcePathStyle: true,
      buckets,
      identity: {
        kind: "keys",
        accessKeyId: accessKeyId.result,
        secretAccessKey: pulumi.secret(secretAccessKey.result),
        tenants: Object.fromEntries(
          Object.entries(tenantKeys).map(([t, k]) => [
            t,
            { accessKeyId: k.accessKeyId, secretAccessKey: pulumi.secret(k.secretAccessKey) },
          ]),
        ),
        sampleData: {
          accessKeyId: sampleDataKeys.accessKeyId,
          secretAccessKey: pulumi.secret(sampleDataKeys.secretAccessKey),
        },
        tenantBackupWriters: Object.fromEntries(
          Object.entries(writerKeys).map(([t, k]) => [
            t,
            { accessKeyId: k.accessKeyId, secretAccessKey: pulumi.secret(k.secretAccessKey) },
          ]),
        ),
      },
    };
    this.registerOutputs({ endpoint: this.input.endpoint });
  }
}

/** The S3 identities file of one all-powerful identity (before tenancy: kept for tools that build one). */
export function s3IdentitiesJson(accessKeyId: string, secretAccessKey: string): string {
  return JSON.stringify({
    identities: [
      {
        name: "platform",
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: ["Admin", "Read", "Write", "List", "Tagging"],
      },
    ],
  });
}

export interface SeaweedFsValuesArgs {
  source: ArtifactSource;
  storageClass: string;
  storageSize: string;
  buckets: { name: string; versioning?: "Enabled" }[];
  configSecret: string;
  resources: ContainerResources;
  hookResources: ContainerResources;
  /** Labels of the all-in-one pod, for Services the chart does not make. */
  podLabels?: Record<string, string>;
}

/** Values for the seaweedfs 4.44.0 chart (no schema upstream: tests check each key against its values.yaml). */
export function seaweedFsValues(a: SeaweedFsValuesArgs): Record<string, unknown> {
  const img = imageRepoTag(IMAGES.seaweedfs, a.source);
  return {
    // With `image.repository` set the chart uses it whole (registry included) with `image.tag`.
    image: { repository: img.repository, tag: img.tag },
    master: { enabled: false },
    volume: { enabled: false, index: "leveldb" },
    filer: { enabled: false },
    s3: { enabled: false },
    allInOne: {
      enabled: true,
      replicas: 1,
      updateStrategy: { type: "Recreate" },
      data: { type: "persistentVolumeClaim", storageClass: a.storageClass, size: a.storageSize },
      s3: {
        enabled: true,
        enableAuth: true,
        existingConfigSecret: a.configSecret,
        createBuckets: a.buckets.map((b) => ({ ...b, anonymousRead: false })),
        createBucketsHook: { resources: a.hookResources },
      },
      resources: a.resources,
      ...(a.podLabels ? { podLabels: a.podLabels } : {}),
    },
  };
}
