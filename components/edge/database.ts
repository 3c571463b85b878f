/**
 * In-cluster PostgreSQL through CloudNativePG: the operator chart, generated superuser and owner passwords,
 * and one `postgresql.cnpg.io/v1` Cluster on the cluster's StorageClass. Backups are added by
 * `CloudNativePgBackups` (./backups.ts) once the platform's cert-manager is running.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ArtifactSource, ContainerResources, imageRef, imageRepoTag, releaseArgs } from "../shared/artifacts";
import type { DatabaseInput } from "../shared/inputs";
import { IMAGES } from "../versions";

export interface CloudNativePgDatabaseArgs {
  /** StorageClass of the PostgreSQL data volume (`local-path` on k3s). */
  storageClass: string;
  /** Size of each instance's data volume (default 5Gi). */
  storageSize?: string;
  /** PostgreSQL instances: 1 primary, plus streaming replicas above 1 (default 1). */
  instances?: number;
  /** Database the platform's data lives in (default `platform`). */
  database?: string;
  /** Role that owns `database` (default `platform`). */
  owner?: string;
  /** Namespace of the PostgreSQL Cluster (default `database`). */
  namespace?: string;
  /** Namespace of the operator (default `cnpg-system`; the backup plugin must run there too). */
  operatorNamespace?: string;
  /** Requests/limits of each PostgreSQL instance (default: 100m / 192Mi, limit 512Mi: a Raspberry Pi). */
  resources?: ContainerResources;
  /** Requests/limits of the operator (default 50m / 64Mi, limit 256Mi). */
  operatorResources?: ContainerResources;
  /** PostgreSQL parameters, merged over small-memory defaults. */
  parameters?: Record<string, string>;
  /** Where charts and images come from (air-gapped sites: local chart folder and registry mirror). */
  source: ArtifactSource;
}

/** Small, secure defaults: one instance sized for a 4 GB Raspberry Pi that shares the node with notebooks. */
export const CLOUDNATIVE_PG_DEFAULTS = {
  storageSize: "5Gi",
  instances: 1,
  database: "platform",
  owner: "platform",
  namespace: "database",
  operatorNamespace: "cnpg-system",
  clusterName: "platform-db",
  resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { memory: "512Mi" } },
  operatorResources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
  /** shared_buffers well inside the 192Mi request; few connections (each costs memory on a Pi). */
  parameters: {
    shared_buffers: "48MB",
    effective_cache_size: "128MB",
    work_mem: "2MB",
    maintenance_work_mem: "32MB",
    max_connections: "60",
  },
} satisfies Omit<CloudNativePgDatabaseArgs, "storageClass" | "source"> & { clusterName: string };

export class CloudNativePgDatabase extends pulumi.ComponentResource {
  /** The platform layer's database input: the Cluster's read-write service and the superuser. */
  readonly input: DatabaseInput;
  /** Name and namespace of the Cluster resource (for backups). */
  readonly clusterName: string;
  readonly namespace: string;
  readonly operatorNamespace: string;
  /** The Cluster custom resource. */
  readonly cluster: k8s.apiextensions.CustomResource;
  /** The operator release (its CRDs must exist before any CloudNativePG resource). */
  readonly operator: k8s.helm.v3.Release;

  constructor(name: string, args: CloudNativePgDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:edge:CloudNativePgDatabase", name, {}, opts);
    const d = CLOUDNATIVE_PG_DEFAULTS;
    this.clusterName = d.clusterName;
    this.namespace = args.namespace ?? d.namespace;
    this.operatorNamespace = args.operatorNamespace ?? d.operatorNamespace;
    const database = args.database ?? d.database;
    const owner = args.owner ?? d.owner;
    const instances = args.instances ?? d.instances;

    const operatorNs = new k8s.core.v1.Namespace(
      `${name}-operator-ns`,
      { metadata: { name: this.operatorNamespace } },
      { parent: this },
    );
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: this.namespace } },
      { parent: this },
    );

    this.operator = new k8s.helm.v3.Release(
      `${name}-operator`,
      {
        name: "cnpg",
        ...releaseArgs(
          "cloudnativePg",
          {
            namespace: operatorNs.metadata.name,
            values: cloudnativePgValues(args.source, args.operatorResources ?? d.operatorResources),
          },
          args.source,
        ),
      },
      { parent: this },
    );

    // Generated credentials, never in config: letters and digits only, so they survive connection URLs.
    const superuserPassword = new random.RandomPassword(
      `${name}-superuser-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const ownerPassword = new random.RandomPassword(
      `${name}-owner-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const basicAuth = (secretName: string, username: string, password: pulumi.Output<string>) =>
      new k8s.core.v1.Secret(
        `${name}-${secretName}`,
        {
          metadata: { name: `${d.clusterName}-${secretName}`, namespace: ns.metadata.name },
          type: "kubernetes.io/basic-auth",
          stringData: { username, password },
        },
        { parent: this },
      );
    const superuserSecret = basicAuth("superuser", "postgres", superuserPassword.result);
    const ownerSecret = basicAuth("owner", owner, ownerPassword.result);

    this.cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: d.clusterName, namespace: ns.metadata.name },
        spec: {
          instances,
          imageName: imageRef(IMAGES.cnpgPostgres, args.source),
          // The platform creates its app and read-only roles with the superuser.
          enableSuperuserAccess: true,
          superuserSecret: { name: superuserSecret.metadata.name },
          bootstrap: { initdb: { database, owner, secret: { name: ownerSecret.metadata.name } } },
          storage: { storageClass: args.storageClass, size: args.storageSize ?? d.storageSize },
          resources: args.resources ?? d.resources,
          postgresql: { parameters: { ...d.parameters, ...args.parameters } },
          // A single instance's PodDisruptionBudget would block `kubectl drain` in rolling node upgrades.
          enablePDB: instances > 1,
          primaryUpdateStrategy: "unsupervised",
        },
      },
      { parent: this, dependsOn: [this.operator] },
    );

    this.input = {
      // `<cluster>-rw.<namespace>.svc` resolves on any cluster domain, not only cluster.local.
      host: pulumi.interpolate`${d.clusterName}-rw.${ns.metadata.name}.svc`,
      port: 5432,
      database,
      adminUser: "postgres",
      adminPassword: pulumi.secret(superuserPassword.result),
      // CloudNativePG serves TLS with its own CA; clients require encryption.
      sslMode: "require",
    };
    this.registerOutputs({ host: this.input.host });
  }
}

/** Values for the cloudnative-pg chart: pinned (mirrored) operator image, small requests, cluster-wide. */
export function cloudnativePgValues(
  source: ArtifactSource,
  resources: ContainerResources = CLOUDNATIVE_PG_DEFAULTS.operatorResources,
): Record<string, unknown> {
  const img = imageRepoTag(IMAGES.cnpgOperator, source);
  return {
    replicaCount: 1,
    image: { repository: img.repository, tag: img.tag },
    crds: { create: true },
    config: { clusterWide: true },
    resources,
    monitoring: { podMonitorEnabled: false, grafanaDashboard: { create: false } },
  };
}
