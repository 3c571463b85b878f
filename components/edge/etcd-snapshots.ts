/**
 * The k3s servers' etcd snapshots, as the platform states them: the schedule and retention (one place, the
 * edge stack's config), and where each snapshot is copied: the site's SeaweedFS, through a NodePort the
 * servers reach from their own network (k3s uploads from the host, outside any pod), with keys for the
 * snapshots' bucket alone.
 *
 * k3s reads these settings from its config file, which ansible-pi writes: its `k3s_server` role reads the
 * Secret made here from the cluster (`k3s kubectl -n kube-system get secret datavis-etcd-snapshots`) and
 * writes `etcd-snapshot-schedule-cron`, `etcd-snapshot-retention` and the `etcd-s3-*` keys from it
 * (ansible-pi/roles/k3s_server/tasks/platform-etcd-settings.yml; k3s docs, "etcd-snapshot", S3 options).
 * Snapshots are also kept on each server's disk; a SeaweedFS inside the cluster it backs up is down while
 * that cluster is, so a restore starts from a server's local copy and the object store covers a lost disk.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface K3sEtcdSnapshotsArgs {
  /** Cron schedule of the snapshots (k3s `etcd-snapshot-schedule-cron`). */
  schedule: string;
  /** Snapshots kept on each server and in the bucket (k3s `etcd-snapshot-retention`). */
  retention: number;
  /** Where the copies go; unset: snapshots stay on the servers' disks. */
  objectStore?: {
    /** Namespace of the S3 gateway's pod. */
    namespace: pulumi.Input<string>;
    /** Labels selecting the S3 gateway's pod. */
    podSelector: Record<string, string>;
    /** The gateway's S3 port in the pod. */
    port: number;
    /** Port opened on every node for the servers (30000-32767). */
    nodePort: number;
    /** Bucket of the copies (created by the object store). */
    bucket: string;
    /** Keys for that bucket alone. */
    accessKeyId: pulumi.Input<string>;
    secretAccessKey: pulumi.Input<string>;
  };
  /** Folder inside the bucket (default `k3s-etcd`). */
  folder?: string;
}

export const K3S_ETCD_SNAPSHOT_DEFAULTS = {
  folder: "k3s-etcd",
  /** The Secret ansible-pi reads; kube-system: readable by cluster administrators only. */
  secretName: "datavis-etcd-snapshots",
  secretNamespace: "kube-system",
  serviceName: "k3s-etcd-snapshot-s3",
  /** SeaweedFS accepts any region; k3s's S3 client needs one. */
  region: "us-east-1",
};

export class K3sEtcdSnapshots extends pulumi.ComponentResource {
  /** What the plan and the stack output show (no keys). */
  readonly settings: Record<string, string | number | boolean>;

  constructor(name: string, args: K3sEtcdSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:edge:K3sEtcdSnapshots", name, {}, opts);
    const d = K3S_ETCD_SNAPSHOT_DEFAULTS;
    const store = args.objectStore;
    const folder = args.folder ?? d.folder;

    if (store) {
      new k8s.core.v1.Service(
        `${name}-s3`,
        {
          metadata: { name: d.serviceName, namespace: store.namespace },
          spec: {
            type: "NodePort",
            selector: store.podSelector,
            ports: [{ name: "s3", port: store.port, targetPort: store.port, nodePort: store.nodePort }],
          },
        },
        { parent: this },
      );
    }

    this.settings = {
      schedule: args.schedule,
      retention: args.retention,
      copyToObjectStore: !!store,
      ...(store
        ? {
            bucket: store.bucket,
            folder,
            nodePort: store.nodePort,
            endpoint: `<each server>:${store.nodePort}`,
          }
        : {}),
    };
    new k8s.core.v1.Secret(
      `${name}-settings`,
      {
        metadata: {
          name: d.secretName,
          namespace: d.secretNamespace,
          labels: { "app.kubernetes.io/part-of": "datavis" },
        },
        stringData: {
          schedule: args.schedule,
          retention: String(args.retention),
          s3: store ? "true" : "false",
          ...(store
            ? {
                bucket: store.bucket,
                folder,
                region: d.region,
                "node-port": String(store.nodePort),
                "access-key-id": store.accessKeyId,
                "secret-access-key": pulumi.secret(store.secretAccessKey),
              }
            : {}),
        },
      },
      { parent: this },
    );
    this.registerOutputs({ settings: this.settings });
  }
}
