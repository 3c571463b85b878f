/**
 * The edge plan's `etcdSnapshots`: the k3s etcd snapshot settings as the cluster will hold them (the Secret
 * ansible-pi's k3s_server role reads, components/edge/etcd-snapshots.ts), without the keys.
 */
import type { ProgramRun } from "../offline";
import { K3S_ETCD_SNAPSHOT_DEFAULTS as D } from "../../../components/edge/etcd-snapshots";

export function etcdSnapshotSummary(run: Pick<ProgramRun, "resources">): Record<string, unknown> {
  const secret = run.resources.find(
    (r) =>
      r.type === "kubernetes:core/v1:Secret" &&
      r.inputs.metadata?.name === D.secretName &&
      r.inputs.metadata?.namespace === D.secretNamespace,
  );
  if (!secret) return { settings: "none (a custom cluster's control plane is backed up by its operator)" };
  const s = secret.inputs.stringData ?? {};
  const copy = s.s3 === "true";
  return {
    schedule: s.schedule,
    retention: `${s.retention} snapshots on each server${copy ? " and in the bucket" : ""}`,
    objectStoreCopy: copy
      ? `s3://${s.bucket}/${s.folder}/ via NodePort ${s["node-port"]} on each server (keys for that bucket only)`
      : "off (snapshots stay on the servers' disks)",
    appliedBy: `ansible-pi site.yml, from Secret ${D.secretNamespace}/${D.secretName} (servers with embedded etcd)`,
  };
}
