/**
 * Edge target: an existing cluster from its kubeconfig (k3s on Raspberry Pis, or any conformant cluster of
 * a private cloud) -> in-cluster Database + ObjectStore -> Platform -> database backups.
 *
 * Nothing here assumes Pi hardware: the node model only feeds the plan's capacity estimate.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  CloudNativePgBackups,
  CloudNativePgDatabase,
  K3sEtcdSnapshots,
  largestEdgeNode,
  SeaweedFsObjectStore,
} from "../components/edge";
import { notebookSizingFor } from "../components/platform/notebooks/profile-fit";
import type { ArtifactSource } from "../components/shared/artifacts";
import { ClusterInput, Platform, TlsIssuerInput } from "../components/platform";
import type { EdgeConfig, PlatformConfig } from "./config";
import { platformSettings } from "./platform-args";
import type { StackOutputs } from "./program";

export async function edgeStack(cfg: PlatformConfig): Promise<StackOutputs> {
  const e = cfg.edge!;
  const provider = new k8s.Provider("edge-cluster", {
    kubeconfig: e.kubeconfig,
    enableServerSideApply: true,
  });

  const source = artifactSource(e);
  const cluster = clusterInput(e, provider);

  const objectStore = new SeaweedFsObjectStore(
    "object-store",
    {
      storageClass: e.storageClass,
      source,
      tenants: cfg.tenants.map((t) => t.name),
      etcdSnapshotBucket: e.etcdSnapshots.toObjectStore ? ETCD_SNAPSHOT_BUCKET : undefined,
    },
    { provider },
  );
  const database = new CloudNativePgDatabase(
    "database",
    {
      storageClass: e.storageClass,
      instances: cfg.production ? 2 : 1,
      source,
    },
    { provider },
  );

  const tls = tlsIssuer(cfg);

  const platform = new Platform("platform", {
    cluster,
    database: database.input,
    objectStore: objectStore.input,
    tls,
    ...platformSettings(cfg),
    // Sized for the node model: a 4 GB Pi cannot hold the defaults' 4G and 6G guarantees.
    notebookSizing: notebookSizingFor(
      largestEdgeNode({ cpu: e.nodeCpu, memoryGi: e.nodeMemoryGi }, e.nodeCount),
    ),
  });

  // After the platform (the plugin's certificates come from its cert-manager) and the operator it joins.
  const backups = new CloudNativePgBackups(
    "database-backups",
    {
      cluster: database.cluster,
      clusterName: database.clusterName,
      clusterNamespace: database.namespace,
      operatorNamespace: database.operatorNamespace,
      endpoint: objectStore.input.endpoint,
      bucket: objectStore.backupBucket,
      // Keys of the backups bucket alone: no notebook, job or tenant holds them.
      accessKeyId: objectStore.databaseBackupKeys.accessKeyId,
      secretAccessKey: objectStore.databaseBackupKeys.secretAccessKey,
      retentionPolicy: `${cfg.notebookBackupRetentionDays}d`,
      source,
    },
    { provider, dependsOn: [platform, database] },
  );

  // A custom cluster's control plane is not ansible-pi's k3s: nothing here would be read.
  const etcdSnapshots =
    e.nodeModel === "custom" && !e.etcdSnapshots.toObjectStore
      ? undefined
      : new K3sEtcdSnapshots(
          "etcd-snapshots",
          {
            schedule: e.etcdSnapshots.schedule,
            retention: e.etcdSnapshots.retention,
            objectStore: objectStore.etcdSnapshotKeys && {
              namespace: objectStore.namespace,
              podSelector: objectStore.s3PodSelector,
              port: objectStore.s3Port,
              nodePort: e.etcdSnapshots.nodePort,
              bucket: ETCD_SNAPSHOT_BUCKET,
              accessKeyId: objectStore.etcdSnapshotKeys.accessKeyId,
              secretAccessKey: objectStore.etcdSnapshotKeys.secretAccessKey,
            },
          },
          { provider, dependsOn: [objectStore] },
        );

  return {
    clusterProviderUrn: provider.urn,
    ...(etcdSnapshots ? { etcdSnapshots: etcdSnapshots.settings } : {}),
    urls: platform.urls,
    databaseHost: database.input.host,
    objectStoreEndpoint: objectStore.input.endpoint,
    databaseBackups: backups.destinationPath,
  };
}

/** Bucket of the k3s servers' etcd snapshot copies in the site's SeaweedFS. */
export const ETCD_SNAPSHOT_BUCKET = "k3s-etcd-snapshots";

/** Where charts and images come from: one key (airGapped) switches to the local folder and the mirror. */
export function artifactSource(e: EdgeConfig): ArtifactSource {
  return e.airGapped ? { localChartsDir: e.chartsDir, imageRegistry: e.registryMirror } : {};
}

/** The cluster as the platform layer sees it; nothing here depends on Raspberry Pi hardware. */
export function clusterInput(e: EdgeConfig, provider: k8s.Provider): ClusterInput {
  const source = artifactSource(e);
  return {
    provider,
    storageClass: e.storageClass,
    // Raspberry Pis are arm64; a custom (private cloud) cluster may mix architectures.
    architectures: e.nodeModel === "custom" ? ["amd64", "arm64"] : ["arm64"],
    // k3s ships Traefik; install one only where the cluster has no ingress controller.
    installIngress: e.installIngress,
    ingressClass: "traefik",
    nodePools: {},
    artifacts: source,
  };
}

/** Air-gapped sites cannot reach an ACME CA: certificates come from a private CA made in the cluster. */
export function tlsIssuer(cfg: PlatformConfig): TlsIssuerInput {
  return { kind: "privateCa", commonName: `${cfg.domain} private CA` };
}
