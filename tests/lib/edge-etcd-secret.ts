/**
 * Prints the Secret kube-system/datavis-etcd-snapshots the edge program registers (with the mock runtime's
 * generated keys) as a manifest `kubectl apply` takes: what ansible-pi/tests/etcd_settings_test.py puts in
 * a real API server for the k3s_server role to read.
 *
 *   node -r ./tools/register.js tests/lib/edge-etcd-secret.ts '{"etcdSnapshotRetention":"12"}'
 */
import { runOffline } from "../../tools/plan/offline";

async function main(): Promise<void> {
  const overrides = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
  const run = await runOffline({ stack: "edge", overrides });
  const secret = run.resources.find(
    (r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === "datavis-etcd-snapshots",
  );
  if (!secret) throw new Error("the edge program registers no datavis-etcd-snapshots Secret");
  const { apiVersion, kind, metadata, stringData } = secret.inputs;
  process.stdout.write(JSON.stringify({ apiVersion, kind, metadata, stringData }) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
