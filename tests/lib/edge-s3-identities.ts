/**
 * Prints the SeaweedFS S3 identities document the edge program registers (its Secret
 * `seaweedfs-s3-identities`, with the mock runtime's generated keys), the buckets, and the keys each
 * holder gets (notebooks and Spark jobs per tenant namespace, the sample-data Job), for a class of two
 * tenants: what tests/tenancy/test_edge_object_store.py serves from a real SeaweedFS.
 *
 *   node -r ./tools/register.js tests/lib/edge-s3-identities.ts [tenantA tenantB]
 */
import { runOffline } from "../../tools/plan/offline";

async function main(): Promise<void> {
  const tenants = process.argv.slice(2).length ? process.argv.slice(2) : ["physics-101", "stats-101"];
  const run = await runOffline({
    stack: "edge",
    overrides: {
      tenants: JSON.stringify(tenants.map((name) => ({ name, cpu: 1, memoryGi: 1, storageGi: 5 }))),
    },
  });
  const secret = run.resources.find(
    (r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === "seaweedfs-s3-identities",
  );
  if (!secret) throw new Error("the edge program registers no seaweedfs-s3-identities Secret");
  const release = run.resources.find(
    (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "seaweedfs",
  );
  const buckets = (release?.inputs.values?.allInOne?.s3?.createBuckets ?? []).map(
    (b: { name: string }) => b.name,
  );
  // Keys each tenant namespace's notebooks hold (their notebook-object-store Secret).
  const held: Record<string, { accessKey: string; secretKey: string }> = {};
  for (const r of run.resources) {
    const m = r.inputs.metadata;
    if (r.type === "kubernetes:core/v1:Secret" && m?.name === "notebook-object-store")
      held[m.namespace] = {
        accessKey: r.inputs.stringData["access-key-id"],
        secretKey: r.inputs.stringData["secret-access-key"],
      };
    // Keys each tenant namespace's home-backup copier Jobs hold (write-only, notebook-backup-writer).
    if (r.type === "kubernetes:core/v1:Secret" && m?.name === "notebook-backup-writer")
      held[`${m.namespace}/backup-writer`] = {
        accessKey: r.inputs.stringData["access-key-id"],
        secretKey: r.inputs.stringData["secret-access-key"],
      };
    // The k3s servers' keys for etcd snapshot copies (the Secret ansible-pi reads).
    if (r.type === "kubernetes:core/v1:Secret" && m?.name === "datavis-etcd-snapshots")
      held["k3s-servers"] = {
        accessKey: r.inputs.stringData["access-key-id"],
        secretKey: r.inputs.stringData["secret-access-key"],
        bucket: r.inputs.stringData.bucket,
        folder: r.inputs.stringData.folder,
      } as (typeof held)[string];
  }
  // Keys each tenant namespace's Spark jobs hold (spark-s3), and the sample-data Job's (sample-data-s3).
  const spark: Record<string, { accessKey: string; secretKey: string }> = {};
  let sampleData: { accessKey: string; secretKey: string } | undefined;
  for (const r of run.resources) {
    const m = r.inputs.metadata;
    if (r.type !== "kubernetes:core/v1:Secret" || !["spark-s3", "sample-data-s3"].includes(m?.name)) continue;
    const keys = {
      accessKey: r.inputs.stringData.AWS_ACCESS_KEY_ID,
      secretKey: r.inputs.stringData.AWS_SECRET_ACCESS_KEY,
    };
    if (m.name === "spark-s3") spark[m.namespace] = keys;
    else sampleData = keys;
  }
  // The home backups' controller: its namespace and environment (pod templates, tenant prefixes).
  const cron = run.resources.find(
    (r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata?.name === "notebook-backup",
  );
  const backup = cron && {
    namespace: cron.inputs.metadata.namespace,
    env: cron.inputs.spec.jobTemplate.spec.template.spec.containers[0].env,
  };
  process.stdout.write(
    JSON.stringify({
      identities: JSON.parse(secret.inputs.stringData.seaweedfs_s3_config),
      buckets,
      held,
      spark,
      sampleData,
      backup,
    }) + "\n",
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
