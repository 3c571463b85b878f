import { expect } from "chai";
import { configError, one, ofType, releaseValues, runStack, planCli } from "./harness";

/** The Secret ansible-pi reads to configure the k3s servers' etcd snapshots. */
function settingsSecret(run: Awaited<ReturnType<typeof runStack>>) {
  return ofType(run, "kubernetes:core/v1:Secret").find(
    (r) => r.inputs.metadata?.name === "datavis-etcd-snapshots",
  );
}

describe("edge: k3s etcd snapshots, stated by the stack and copied to the site's object store", () => {
  it("the k3s servers find the schedule and retention from the stack's config in kube-system", async () => {
    const run = await runStack("edge", { etcdSnapshotSchedule: "15 */4 * * *", etcdSnapshotRetention: "12" });
    const secret = settingsSecret(run)!;
    expect(secret.inputs.metadata.namespace).to.equal("kube-system");
    expect(secret.inputs.stringData).to.include({ schedule: "15 */4 * * *", retention: "12", s3: "true" });
  });

  it("their keys are the object store's identity for the snapshots' bucket alone", async () => {
    const run = await runStack("edge");
    const data = settingsSecret(run)!.inputs.stringData;
    const identities = JSON.parse(
      ofType(run, "kubernetes:core/v1:Secret").find(
        (r) => r.inputs.metadata?.name === "seaweedfs-s3-identities",
      )!.inputs.stringData.seaweedfs_s3_config,
    ).identities;
    const holder = identities.find((i: any) => i.credentials[0].accessKey === data["access-key-id"]);
    expect(holder.credentials[0].secretKey).to.equal(data["secret-access-key"]);
    expect(holder.actions).to.deep.equal([
      "Read:k3s-etcd-snapshots",
      "Write:k3s-etcd-snapshots",
      "List:k3s-etcd-snapshots",
    ]);
  });

  it("the servers reach the S3 gateway on a NodePort that selects the SeaweedFS pod", async () => {
    const run = await runStack("edge", { etcdSnapshotNodePort: "31900" });
    const svc = one(run, "kubernetes:core/v1:Service", "etcd-snapshots-s3");
    expect(svc.inputs.spec.type).to.equal("NodePort");
    expect(svc.inputs.spec.ports).to.deep.equal([
      { name: "s3", port: 8333, targetPort: 8333, nodePort: 31900 },
    ]);
    expect(releaseValues(run, "seaweedfs").allInOne.podLabels).to.deep.equal(svc.inputs.spec.selector);
    expect(settingsSecret(run)!.inputs.stringData["node-port"]).to.equal("31900");
  });

  it("without the object-store copy there is no bucket, no keys and no NodePort, and the schedule still applies", async () => {
    const run = await runStack("edge", { etcdSnapshotsToObjectStore: "false" });
    expect(settingsSecret(run)!.inputs.stringData).to.deep.equal({
      schedule: "0 */6 * * *",
      retention: "28",
      s3: "false",
    });
    expect(ofType(run, "kubernetes:core/v1:Service").map((s) => s.name)).not.to.include("etcd-snapshots-s3");
    const buckets = releaseValues(run, "seaweedfs").allInOne.s3.createBuckets.map((b: any) => b.name);
    expect(buckets).not.to.include("k3s-etcd-snapshots");
  });

  it("a custom cluster (not ansible-pi's k3s) gets no etcd snapshot settings unless asked", async () => {
    const run = await runStack("edge", { edgeNodeModel: "custom" });
    expect(settingsSecret(run)).to.equal(undefined);
  });

  it("a schedule that is not cron is refused naming the key", async () => {
    const e = await configError("edge", { etcdSnapshotSchedule: "every 6 hours" });
    expect(e.message).to.match(/^config datavis:etcdSnapshotSchedule: "every 6 hours" is not valid/);
  });

  it("the edge plan shows the etcd snapshot settings", function () {
    this.timeout(120000);
    const r = planCli(["--stack", "edge"]);
    expect(r.stdout).to.match(
      /etcdSnapshots:\n {4}schedule: 0 \*\/6 \* \* \*\n {4}retention: 28 snapshots on each server and in the bucket\n {4}objectStoreCopy: s3:\/\/k3s-etcd-snapshots\/k3s-etcd\/ via NodePort 30833/,
    );
  });
});
