/**
 * Continuous backups of the CloudNativePG cluster to the object store through the Barman Cloud CNPG-I
 * plugin: CloudNativePG 1.30 deprecates the in-tree `spec.backup.barmanObjectStore` (removed in 1.31), and
 * the plugin is its replacement. WAL archiving plus a nightly base backup, with a retention window.
 *
 * The plugin's chart asks cert-manager for its TLS certificates, and cert-manager is installed by the
 * platform layer, so this component is created after the platform (`dependsOn`). The Cluster itself
 * starts without the plugin (the platform's database bootstrap must not wait for backups) and this
 * component adds it with a server-side-apply patch; CloudNativePG then rolls the instance to inject the
 * plugin's sidecar.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArtifactSource, ContainerResources, imageParts, releaseArgs } from "../shared/artifacts";
import { IMAGES } from "../versions";

/** Plugin name CloudNativePG knows the Barman Cloud plugin by. */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";

export interface CloudNativePgBackupsArgs {
  /** The Cluster resource to back up, its name and namespace. */
  cluster: k8s.apiextensions.CustomResource;
  clusterName: string;
  clusterNamespace: string;
  /** Namespace of the CloudNativePG operator: the plugin must run beside it. */
  operatorNamespace: string;
  /** S3 endpoint URL of the object store. */
  endpoint: pulumi.Input<string>;
  /** Bucket for backups and the path under it (default `backups/postgres`). */
  bucket: pulumi.Input<string>;
  path?: string;
  /** Access keys with write access to the bucket. */
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
  /** How long base backups and WAL are kept (Barman syntax, default `7d`). */
  retentionPolicy?: string;
  /** Six-field cron (seconds first) of the base backup (default 02:00 every day). */
  schedule?: string;
  /** Requests/limits of the sidecar injected into each PostgreSQL pod (default 10m / 48Mi, limit 256Mi). */
  sidecarResources?: ContainerResources;
  /** Requests/limits of the plugin's own Deployment (default 10m / 32Mi, limit 128Mi). */
  pluginResources?: ContainerResources;
  source: ArtifactSource;
}

export const CLOUDNATIVE_PG_BACKUP_DEFAULTS = {
  path: "backups/postgres",
  retentionPolicy: "7d",
  schedule: "0 0 2 * * *",
  sidecarResources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "256Mi" } },
  pluginResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  objectStoreName: "platform-db-backups",
} as const;

export class CloudNativePgBackups extends pulumi.ComponentResource {
  /** `s3://bucket/path` the backups go to. */
  readonly destinationPath: pulumi.Output<string>;

  constructor(name: string, args: CloudNativePgBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:edge:CloudNativePgBackups", name, {}, opts);
    const d = CLOUDNATIVE_PG_BACKUP_DEFAULTS;

    const plugin = new k8s.helm.v3.Release(
      `${name}-plugin`,
      {
        name: "barman-cloud",
        ...releaseArgs(
          "barmanCloudPlugin",
          {
            namespace: args.operatorNamespace,
            values: barmanCloudPluginValues(args.source, args.pluginResources ?? d.pluginResources),
          },
          args.source,
        ),
      },
      // Children do not inherit the component's dependsOn: the plugin itself must wait for cert-manager.
      { parent: this, dependsOn: opts?.dependsOn },
    );

    const credentials = new k8s.core.v1.Secret(
      `${name}-s3-credentials`,
      {
        metadata: { name: `${args.clusterName}-backup-s3`, namespace: args.clusterNamespace },
        stringData: { ACCESS_KEY_ID: args.accessKeyId, ACCESS_SECRET_KEY: args.secretAccessKey },
      },
      { parent: this },
    );

    this.destinationPath = pulumi.interpolate`s3://${args.bucket}/${args.path ?? d.path}`;
    const store = new k8s.apiextensions.CustomResource(
      `${name}-object-store`,
      {
        apiVersion: "barmancloud.cnpg.io/v1",
        kind: "ObjectStore",
        metadata: { name: d.objectStoreName, namespace: args.clusterNamespace },
        spec: {
          retentionPolicy: args.retentionPolicy ?? d.retentionPolicy,
          configuration: {
            destinationPath: this.destinationPath,
            endpointURL: args.endpoint,
            s3Credentials: {
              accessKeyId: { name: credentials.metadata.name, key: "ACCESS_KEY_ID" },
              secretAccessKey: { name: credentials.metadata.name, key: "ACCESS_SECRET_KEY" },
            },
            wal: { compression: "gzip" },
            data: { compression: "gzip" },
          },
          instanceSidecarConfiguration: { resources: args.sidecarResources ?? d.sidecarResources },
        },
      },
      // The ObjectStore CRD comes with the plugin's chart.
      { parent: this, dependsOn: [plugin] },
    );

    const archiving = new k8s.apiextensions.CustomResourcePatch(
      `${name}-cluster-plugin`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: args.clusterName, namespace: args.clusterNamespace },
        spec: {
          plugins: [
            {
              name: BARMAN_CLOUD_PLUGIN,
              isWALArchiver: true,
              parameters: { barmanObjectName: d.objectStoreName },
            },
          ],
        },
      },
      { parent: this, dependsOn: [args.cluster, store] },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-nightly`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "ScheduledBackup",
        metadata: { name: `${args.clusterName}-nightly`, namespace: args.clusterNamespace },
        spec: {
          schedule: args.schedule ?? d.schedule,
          backupOwnerReference: "self",
          cluster: { name: args.clusterName },
          method: "plugin",
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        },
      },
      { parent: this, dependsOn: [archiving] },
    );

    this.registerOutputs({ destinationPath: this.destinationPath });
  }
}

/** Values for the plugin-barman-cloud chart: pinned (mirrored) plugin and sidecar images, small requests. */
export function barmanCloudPluginValues(
  source: ArtifactSource,
  resources: ContainerResources = CLOUDNATIVE_PG_BACKUP_DEFAULTS.pluginResources,
): Record<string, unknown> {
  return {
    replicaCount: 1,
    image: imageParts(IMAGES.barmanCloudPlugin, source),
    sidecarImage: imageParts(IMAGES.barmanCloudSidecar, source),
    resources,
  };
}
