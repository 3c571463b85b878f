import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { runStack, type ProgramRun, type RecordedResource } from "./harness";
import { estimate } from "../tools/plan/estimates";
import { planText } from "../tools/plan/plan";
import { parseConfig } from "../stacks/config";
import { edgeCapacityEstimate, K3S_RESERVE } from "../tools/plan/estimates/edge-capacity";
import { KUBELET_EVICTION_MI, NODE_SYSTEM_RESERVED } from "../components/edge/nodes";
import { cpuMilli, memoryMi, spawnerMemoryMi } from "../tools/plan/estimates/requests";

/** A run with only the given resources, on `edge` config with these overrides (no program evaluated). */
function fakeRun(
  resources: { type: string; name: string; inputs: any }[],
  overrides: Record<string, string> = {},
) {
  const config = parseConfig(
    {
      values: { target: "edge", domain: "lab.example.org", kubeconfig: "kc", ...overrides },
      secretKeys: new Set(["kubeconfig"]),
    },
    "edge",
  );
  const recorded: RecordedResource[] = resources.map((r) => ({
    ...r,
    urn: `urn:${r.name}`,
    custom: true,
    remote: false,
    displayInputs: r.inputs,
    protect: false,
    retainOnDelete: false,
    dependencies: [],
  }));
  return { project: "datavis", stack: "edge", config, resources: recorded, outputs: {} } as ProgramRun;
}

const res = (cpu: string, memory: string) => ({ requests: { cpu, memory } });
const pod = (name: string, cpu: string, memory: string) => ({
  containers: [{ name, resources: res(cpu, memory) }],
});
const release = (name: string, chart: string, values: any) => ({
  type: "kubernetes:helm.sh/v3:Release",
  name,
  inputs: { name, chart, values },
});

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

  it("a DaemonSet counts once per node and a Deployment once per replica", () => {
    const e = edgeCapacityEstimate(
      fakeRun(
        [
          {
            type: "kubernetes:apps/v1:DaemonSet",
            name: "agent",
            inputs: {
              metadata: { name: "agent", namespace: "ops" },
              spec: { template: { spec: pod("a", "10m", "20Mi") } },
            },
          },
          {
            type: "kubernetes:apps/v1:Deployment",
            name: "api",
            inputs: {
              metadata: { name: "api", namespace: "ops" },
              spec: { replicas: 2, template: { spec: pod("api", "100m", "100Mi") } },
            },
          },
        ],
        { edgeNodeCount: "5" },
      ),
    );
    expect(e.components).to.deep.equal({
      "Deployment ops/api": "200m CPU, 200Mi (2 pods)",
      "DaemonSet ops/agent": "50m CPU, 100Mi (5 pods)",
    });
    expect(e.platform).to.deep.equal({ cpuCores: 0.25, memoryGi: 0.29, memoryMi: 300 });
  });

  it("Jobs, CronJobs and install hooks count apart from what runs all the time", () => {
    const e = edgeCapacityEstimate(
      fakeRun([
        {
          type: "kubernetes:batch/v1:CronJob",
          name: "nightly",
          inputs: {
            metadata: { name: "nightly", namespace: "jobs" },
            spec: { jobTemplate: { spec: { template: { spec: pod("run", "500m", "1Gi") } } } },
          },
        },
        release("cert-manager", "cert-manager", {
          resources: res("10m", "40Mi"),
          webhook: { resources: res("5m", "20Mi") },
          cainjector: { resources: res("5m", "40Mi") },
          startupapicheck: { resources: res("5m", "16Mi") },
        }),
      ]),
    );
    expect(e.jobs).to.deep.equal({
      "CronJob jobs/nightly": "500m CPU, 1024Mi (1 pod)",
      "cert-manager/startupapicheck": "5m CPU, 16Mi (1 pod)",
    });
    expect(e.platform.memoryMi).to.equal(100);
  });

  it("SparkApplications are users' jobs and are left out", () => {
    const e = edgeCapacityEstimate(
      fakeRun([
        {
          type: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
          name: "pi",
          inputs: { metadata: { name: "pi", namespace: "tenant-lab" }, spec: { driver: { memory: "4g" } } },
        },
      ]),
    );
    expect(e.excluded).to.deep.equal(["SparkApplication tenant-lab/pi"]);
    expect(e.platform.memoryMi).to.equal(0);
  });

  it("a release whose requests cannot be read is listed as unknown and the goal is not met", () => {
    const e = edgeCapacityEstimate(
      fakeRun([
        release("jupyterhub", "jupyterhub", {
          hub: { resources: res("100m", "256Mi") },
          proxy: { chp: {} },
          scheduling: { userScheduler: { enabled: false } },
          prePuller: { continuous: { enabled: false }, hook: { enabled: false } },
        }),
        release("mystery", "/opt/charts/mystery", {}),
      ]),
    );
    expect(e.unknown).to.deep.equal({
      "jupyterhub/proxy": "no cpu or memory request in the values and none in the chart",
      mystery: "no request reader for chart /opt/charts/mystery",
    });
    expect(e.components).to.deep.equal({ "jupyterhub/hub": "100m CPU, 256Mi (1 pod)" });
    expect(e.goal.withinBudget).to.equal(false);
    expect(e.summary).to.contain("2 component(s) with UNKNOWN requests not counted");
  });

  it("a project chart whose templates run no pods adds nothing; one that runs pods without a reader is unknown", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
    const chart = (name: string, kind: string) => {
      fs.mkdirSync(path.join(dir, name, "templates"), { recursive: true });
      fs.writeFileSync(
        path.join(dir, name, "templates", "x.yaml"),
        `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: x\n`,
      );
      return path.join(dir, name);
    };
    try {
      const e = edgeCapacityEstimate(
        fakeRun([
          release("dashboards", chart("dashboards", "ConfigMap"), {}),
          release("loader", chart("loader", "Deployment"), {}),
        ]),
      );
      expect(e.unknown).to.deep.equal({ loader: `no request reader for chart ${path.join(dir, "loader")}` });
      expect(e.components).to.deep.equal({});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a chart's own default requests count when the values set none", () => {
    const e = edgeCapacityEstimate(
      fakeRun([release("seaweedfs", "/bundle/charts/seaweedfs-4.44.0.tgz", { allInOne: { enabled: true } })]),
    );
    expect(e.components).to.deep.equal({ "seaweedfs/all-in-one": "500m CPU, 1024Mi (1 pod)" });
  });

  it("kube-prometheus-stack counts node exporters per node, config reloaders and Grafana's sidecars", () => {
    const e = edgeCapacityEstimate(
      fakeRun([
        release("monitoring", "kube-prometheus-stack", {
          prometheus: { prometheusSpec: { resources: res("100m", "256Mi") } },
          alertmanager: { enabled: false },
          prometheusOperator: {
            resources: res("10m", "40Mi"),
            admissionWebhooks: { enabled: false },
          },
          "kube-state-metrics": { resources: res("10m", "32Mi") },
          "prometheus-node-exporter": { resources: res("10m", "16Mi") },
          grafana: { resources: res("50m", "112Mi"), sidecar: { resources: res("5m", "40Mi") } },
        }),
      ]),
    );
    expect(e.components).to.deep.equal({
      "monitoring/prometheus": "100m CPU, 256Mi (1 pod)",
      // Grafana plus the dashboards and datasources sidecars the stack enables by default.
      "monitoring/grafana": "60m CPU, 192Mi (1 pod)",
      "monitoring/prometheus-config-reloader": "10m CPU, 50Mi (1 pod)",
      "monitoring/node-exporter": "30m CPU, 48Mi (3 pods)",
      "monitoring/operator": "10m CPU, 40Mi (1 pod)",
      "monitoring/kube-state-metrics": "10m CPU, 32Mi (1 pod)",
    });
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
