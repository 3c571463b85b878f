/**
 * Edge capacity: what each kind of workload counts for in the estimate (DaemonSets per node, Deployments
 * per replica, Jobs apart, users' SparkApplications left out, unreadable releases unknown, project charts,
 * chart defaults, kube-prometheus-stack's pods), on synthetic runs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { edgeCapacityEstimate } from "../tools/plan/estimates/edge-capacity";
import { fakeRun, pod, release, res } from "./lib/edge-capacity-runs";

describe("edge capacity estimate: platform requests against the nodes", () => {
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
});
