/**
 * Platform services (issue 5). Availability and resources: replicas and disruption budgets per target,
 * requests and limits on every container, the requests summary and the edge memory budget, the endpoints.
 * Evaluated under mocks by the test-only composition in tests/lib/services-run.ts.
 */
import { expect } from "chai";
import {
  cpuCores,
  memoryBytes,
  platformServicesRequests,
  SIZES,
  sizeProfile,
} from "../components/platform/services/sizing";
import { TARGETS, type Kind, type ServicesRun, ofType, releases, run, values } from "./lib/services-run";

describe("platform services: availability and resources", () => {
  const replicated = (r: ServicesRun) => {
    const v = (n: string) => values(r, n);
    return {
      traefik: [v("traefik").deployment.replicas, v("traefik").podDisruptionBudget.enabled],
      certManager: [v("cert-manager").replicaCount, v("cert-manager").podDisruptionBudget.enabled],
      certManagerWebhook: [
        v("cert-manager").webhook.replicaCount,
        v("cert-manager").webhook.podDisruptionBudget.enabled,
      ],
      grafana: [v("grafana").replicas, Object.keys(v("grafana").podDisruptionBudget).length > 0],
      headlamp: [v("headlamp").replicaCount, v("headlamp").podDisruptionBudget.enabled],
      sparkController: [
        v("spark-operator").controller.replicas,
        v("spark-operator").controller.podDisruptionBudget.enable,
      ],
      sparkWebhook: [
        v("spark-operator").webhook.replicas,
        v("spark-operator").webhook.podDisruptionBudget.enable,
      ],
      prometheus: [
        v("kube-prometheus-stack").prometheus.prometheusSpec.replicas,
        v("kube-prometheus-stack").prometheus.podDisruptionBudget.enabled,
      ],
      alertmanager: [
        v("kube-prometheus-stack").alertmanager.alertmanagerSpec.replicas,
        v("kube-prometheus-stack").alertmanager.podDisruptionBudget.enabled,
      ],
    };
  };

  it("in production every replicable service runs two replicas with a PodDisruptionBudget", async () => {
    for (const [name, [n, pdb]] of Object.entries(replicated(await run("aws-prod")))) {
      expect([n, pdb], name).to.deep.equal([2, true]);
    }
  });

  it("in dev one replica of each and no PodDisruptionBudget (a drain is never blocked)", async () => {
    for (const [name, [n, pdb]] of Object.entries(replicated(await run("aws-dev")))) {
      expect([n, pdb], name).to.deep.equal([1, false]);
    }
  });

  /** Resources of every container each chart runs, at the values paths that set them. */
  const chartResources = (r: ServicesRun): [string, any][] => {
    const v = (n: string) => values(r, n);
    const kps = v("kube-prometheus-stack");
    const cm = v("cert-manager");
    const list: [string, any][] = [
      ["cert-manager", cm.resources],
      ["cert-manager webhook", cm.webhook.resources],
      ["cert-manager cainjector", cm.cainjector.resources],
      ["cert-manager startupapicheck", cm.startupapicheck.resources],
      ["spark controller", v("spark-operator").controller.resources],
      ["spark webhook", v("spark-operator").webhook.resources],
      ["prometheus", kps.prometheus.prometheusSpec.resources],
      ["alertmanager", kps.alertmanager.alertmanagerSpec.resources],
      ["prometheus-operator", kps.prometheusOperator.resources],
      ["config reloader", kps.prometheusOperator.prometheusConfigReloader.resources],
      ["admission patch job", kps.prometheusOperator.admissionWebhooks.patch.resources],
      ["kube-state-metrics", kps["kube-state-metrics"].resources],
      ["node exporter", kps["prometheus-node-exporter"].resources],
      ["grafana", v("grafana").resources],
      ["grafana sidecar", v("grafana").sidecar.resources],
      ["headlamp", v("headlamp").resources],
    ];
    if (releases(r).has("traefik")) list.push(["traefik", v("traefik").resources]);
    return list;
  };

  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`every container sets CPU and memory requests and limits, requests within limits (${kind})`, async () => {
      const r = await run(kind);
      const pods = [
        ...ofType(r, "kubernetes:batch/v1:Job").map((j) => j.inputs.spec.template.spec),
        ...ofType(r, "kubernetes:apps/v1:Deployment").map((d) => d.inputs.spec.template.spec),
      ];
      const raw: [string, any][] = pods.flatMap((p) => p.containers.map((c: any) => [c.name, c.resources]));
      for (const [name, res] of [...chartResources(r), ...raw]) {
        expect(res?.requests, name).to.have.keys("cpu", "memory");
        expect(res?.limits, name).to.have.keys("cpu", "memory");
        expect(cpuCores(res.requests.cpu), name).to.be.at.most(cpuCores(res.limits.cpu));
        expect(memoryBytes(res.requests.memory), name).to.be.at.most(memoryBytes(res.limits.memory));
      }
    });
  }

  it("platformServicesRequests lists exactly the requests passed to the charts", async () => {
    const r = await run("edge");
    const table = SIZES[sizeProfile(r.settings)];
    const rows = platformServicesRequests(r.settings, false);
    for (const row of rows) expect(row.requests, row.container).to.deep.equal(table[row.container].requests);
    const passed = chartResources(r).map(([, res]) => JSON.stringify(res.requests));
    for (const row of rows.filter((x) => x.container !== "postgresExporter")) {
      expect(passed, row.container).to.include(JSON.stringify(row.requests));
    }
    expect(rows.some((x) => x.release === "traefik")).to.be.false;
  });

  it("on edge (3 x Pi 4) the services request under 1 GiB of the platform's 2 GiB budget", async () => {
    const r = await run("edge");
    const nodes = r.settings.edge!.nodeCount;
    const total = platformServicesRequests(r.settings, false).reduce(
      (sum, x) => sum + memoryBytes(x.requests.memory) * x.replicas * (x.perNode ? nodes : 1),
      0,
    );
    expect(total / 2 ** 20).to.be.lessThan(1024);
  });

  it("the endpoints are https URLs of grafana. and headlamp. under the domain", async () => {
    const r = await run("aws-dev");
    expect(r.services!.urls).to.deep.equal({
      grafana: "https://grafana.dev.datavis.example.org",
      headlamp: "https://headlamp.dev.datavis.example.org",
    });
  });
});
