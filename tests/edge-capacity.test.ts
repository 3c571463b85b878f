/**
 * Edge capacity: the platform's requests against the nodes' capacity on the edge plan, the capacity of a
 * node model, the headroom for small notebooks, the 2 GiB / 70% goal and how quantities are read. What
 * each kind of workload counts for: tests/edge-capacity-counting.test.ts.
 */
import { expect } from "chai";
import { runStack } from "./harness";
import { estimate } from "../tools/plan/estimates";
import { planText } from "../tools/plan/plan";
import { edgeCapacityEstimate, K3S_RESERVE } from "../tools/plan/estimates/edge-capacity";
import { KUBELET_EVICTION_MI, NODE_SYSTEM_RESERVED } from "../components/edge/nodes";
import { cpuMilli, memoryMi, spawnerMemoryMi } from "../tools/plan/estimates/requests";
import { fakeRun, pod, release, res } from "./lib/edge-capacity-runs";

describe("edge capacity estimate: platform requests against the nodes", () => {
  it("the edge plan lists each edge component's requests and counts them in the total", async () => {
    const run = await runStack("edge");
    const e = edgeCapacityEstimate(run);
    expect(e.components).to.include({
      "Cluster database/platform-db": "100m CPU, 192Mi (1 pod)",
      "Cluster database/platform-db barman-cloud sidecar": "10m CPU, 48Mi (1 pod)",
      "cnpg/operator": "50m CPU, 64Mi (1 pod)",
      "barman-cloud/plugin": "10m CPU, 32Mi (1 pod)",
      "seaweedfs/all-in-one": "100m CPU, 192Mi (1 pod)",
    });
    expect(e.jobs).to.include({ "seaweedfs/bucket-hook": "10m CPU, 32Mi (1 pod)" });
    const summed = Object.values(e.components).reduce((s, l) => s + Number(/, (\d+)Mi/.exec(l)![1]), 0);
    expect(Math.abs(summed - e.platform.memoryMi)).to.be.lessThan(Object.keys(e.components).length);
    expect(e.nodes).to.deep.equal({ count: 3, model: "pi4-4gb", cpuPerNode: 4, memoryGiPerNode: 4 });
    expect(e.capacity).to.deep.equal({ cpuCores: 12, memoryGi: 12 });
  });

  it("the edge stack's own database, object store and backups request under 600 MiB", async () => {
    const e = edgeCapacityEstimate(await runStack("edge"));
    const mine = Object.entries(e.components).filter(([k]) =>
      /^(Cluster database\/|cnpg\/|barman-cloud\/|seaweedfs\/)/.test(k),
    );
    expect(mine).to.have.lengthOf(5);
    const total = mine.reduce((s, [, l]) => s + Number(/, (\d+)Mi/.exec(l)![1]), 0);
    expect(total).to.equal(528);
  });

  it("the edge plan's estimates are the capacity estimate, printed under Estimates", async () => {
    const run = await runStack("edge");
    const estimates = estimate(run);
    // The capacity estimate, then the k3s etcd snapshot settings the servers will apply.
    const { etcdSnapshots, ...capacity } = estimates as Record<string, unknown>;
    expect(capacity).to.deep.equal(edgeCapacityEstimate(run));
    expect(etcdSnapshots).to.have.property("schedule", "0 */6 * * *");
    const text = planText({ run, violations: [], estimates });
    expect(text).to.match(
      /Estimates:\n {2}summary: platform requests [\d.]+ CPU \/ [\d.]+ GiB of 12 CPU \/ 12 GiB/,
    );
    expect(text).to.contain("    seaweedfs/all-in-one: 100m CPU, 192Mi (1 pod)");
    expect(text).to.match(/goal:\n {4}platformMemoryGi: [\d.]+\n {4}budgetGi: 2\n/);
  });

  it("capacity is node count x model, less k3s's own share, and a custom model uses its cores and memory", async () => {
    const run = await runStack("edge", {
      edgeNodeCount: "4",
      edgeNodeModel: "custom",
      edgeNodeCpu: "8",
      edgeNodeMemoryGi: "32",
    });
    const e = edgeCapacityEstimate(run);
    expect(e.capacity).to.deep.equal({ cpuCores: 32, memoryGi: 128 });
    // k3s's share, plus on each of the 4 nodes the OS's system-reserved and the eviction threshold.
    const reserveMi =
      K3S_RESERVE.server.memoryMi +
      3 * K3S_RESERVE.agent.memoryMi +
      K3S_RESERVE.packagedPods.memoryMi +
      4 * (NODE_SYSTEM_RESERVED.memoryMi + KUBELET_EVICTION_MI);
    expect(e.systemReserve.memoryGi).to.equal(Math.round((reserveMi / 1024) * 100) / 100);
    expect(e.systemReserve.cpuCores).to.equal(1.15);
    expect(e.allocatable.cpuCores).to.equal(30.85);
  });

  it("the headroom says how many small notebooks fit, from JupyterHub's small profile", () => {
    const e = edgeCapacityEstimate(
      fakeRun(
        [
          release("jupyterhub", "jupyterhub", {
            hub: { resources: res("100m", "1Gi") },
            proxy: { chp: { resources: res("0", "0") } },
            scheduling: { userScheduler: { enabled: false } },
            prePuller: { continuous: { enabled: false }, hook: { enabled: false } },
            singleuser: {
              profileList: [
                {
                  display_name: "Large",
                  slug: "large",
                  kubespawner_override: { mem_guarantee: "4G", cpu_guarantee: 2 },
                },
                {
                  display_name: "Small",
                  slug: "small",
                  kubespawner_override: { mem_guarantee: "1G", cpu_guarantee: 0.5 },
                },
              ],
            },
          }),
        ],
        { activeUsers: "7" },
      ),
    );
    // 12 GiB - k3s 1891 Mi - OS and eviction 3 x 456 Mi - hub 1024 Mi = 8005 Mi free: 7 notebooks of 1 GiB.
    expect(e.headroom.memoryGi).to.equal(7.82);
    expect(e.headroom.smallNotebook).to.equal("500m CPU, 1024Mi guaranteed (profile small)");
    expect(e.headroom.smallNotebooksFit).to.equal(7);
    expect(e.headroom.activeUsersFit).to.equal(true);
  });

  it("the goal holds a 3 x Pi 4 platform to 2 GiB and reports honestly whether users keep 70%", () => {
    const withPlatform = (memory: string) =>
      edgeCapacityEstimate(
        fakeRun([
          {
            type: "kubernetes:apps/v1:Deployment",
            name: "platform",
            inputs: { metadata: { name: "platform" }, spec: { template: { spec: pod("p", "1", memory) } } },
          },
        ]),
      ).goal;
    // 2 GiB is within budget, but after k3s's ~1.85 GiB and the OS and eviction reserve ansible-pi sets on
    // each Pi (3 x 456 Mi) users keep (12288 - 3259 - 2048) / 12288 = 56.8%: the 70% goal needs a platform
    // under ~420 MiB on 4 GB Pis.
    expect(withPlatform("2Gi")).to.deep.include({ withinBudget: true, usersShareMet: false });
    expect(withPlatform("2Gi").usersShareOfCapacityPercent).to.equal(56.8);
    expect(withPlatform("400Mi")).to.deep.include({ withinBudget: true, usersShareMet: true });
    expect(withPlatform("2049Mi").withinBudget).to.equal(false);
  });

  it("quantities read as Kubernetes and KubeSpawner write them", () => {
    expect([cpuMilli("250m"), cpuMilli("1.5"), cpuMilli(2), cpuMilli("lots")]).to.deep.equal([
      250,
      1500,
      2000,
      undefined,
    ]);
    expect([memoryMi("1Gi"), memoryMi("512Mi"), memoryMi(String(2 ** 20)), memoryMi("1G")]).to.deep.equal([
      1024,
      512,
      1,
      1e9 / 2 ** 20,
    ]);
    // KubeSpawner's "1G" is a power of 1024.
    expect([spawnerMemoryMi("1G"), spawnerMemoryMi("512M"), spawnerMemoryMi("2Gi")]).to.deep.equal([
      1024, 512, 2048,
    ]);
  });
});
