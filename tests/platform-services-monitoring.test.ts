/**
 * Platform services (issue 5). Monitoring and dashboards: Prometheus sizing and alert rules, Grafana's
 * datasources, admin secret, sign-in and database, and the dashboards shipped as code. Evaluated under
 * mocks by the test-only composition in tests/lib/services-run.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { DATABASE_ROLES } from "../components/platform/services/database-roles";
import {
  DASHBOARDS_CHART,
  DASHBOARDS_CHART_DIR,
  PROMETHEUS_URL,
} from "../components/platform/services/monitoring";
import { memoryBytes } from "../components/platform/services/sizing";
import { type Kind, TARGETS, customResources, ofType, releases, run, values } from "./lib/services-run";

describe("platform services: monitoring and dashboards", () => {
  it("Prometheus retention and resources are sized per target", async () => {
    const spec = async (k: Kind) => values(await run(k), "kube-prometheus-stack").prometheus.prometheusSpec;
    const [edge, dev, prod] = [await spec("edge"), await spec("aws-dev"), await spec("aws-prod")];
    expect([edge.retention, dev.retention, prod.retention]).to.deep.equal(["7d", "15d", "30d"]);
    const mem = (s: any) => memoryBytes(s.resources.requests.memory);
    expect(mem(edge)).to.be.lessThan(mem(dev));
    expect(mem(dev)).to.be.lessThan(mem(prod));
    expect(edge.storageSpec.volumeClaimTemplate.spec.storageClassName).to.equal("local-path");
    expect(dev.storageSpec.volumeClaimTemplate.spec.storageClassName).to.equal("gp3-encrypted");
  });

  it("kube-prometheus-stack runs without its own Grafana", async () => {
    expect(values(await run("aws-dev"), "kube-prometheus-stack").grafana.enabled).to.be.false;
  });

  for (const kind of TARGETS) {
    it(`alert rules cover hub down, database unreachable, a volume filling and a certificate expiring (${kind})`, async () => {
      const r = await run(kind);
      const [rule] = customResources(r, "PrometheusRule");
      const alerts = rule.inputs.spec.groups.flatMap((g: any) => g.rules);
      const byName = Object.fromEntries(alerts.map((a: any) => [a.alert, a.expr]));
      expect(byName.JupyterHubDown)
        .to.include("kube_deployment_status_replicas_available")
        .and.include("hub");
      expect(byName.DatabaseUnreachable).to.include("pg_up");
      expect(byName.VolumeFillingUp).to.include("kubelet_volume_stats_available_bytes");
      expect(byName.CertificateExpiringSoon).to.include(
        "certmanager_certificate_expiration_timestamp_seconds",
      );
      // The exporter behind pg_up and the cert-manager metrics are both scraped.
      expect(customResources(r, "ServiceMonitor").map((x) => x.inputs.metadata.name)).to.include(
        "postgres-exporter",
      );
      expect(values(r, "cert-manager").prometheus.servicemonitor.enabled).to.be.true;
    });
  }

  for (const kind of TARGETS) {
    it(`Grafana's PostgreSQL datasource uses the read-only role (${kind})`, async () => {
      const r = await run(kind);
      const ds = values(r, "grafana").datasources["datasources.yaml"].datasources;
      const pg = ds.find((d: any) => d.type === "grafana-postgresql-datasource");
      expect(pg.user).to.equal(DATABASE_ROLES.reader);
      expect(pg.secureJsonData.password).to.equal("$GRAFANA_READER_PASSWORD");
      const env = values(r, "grafana").envValueFrom.GRAFANA_READER_PASSWORD.secretKeyRef;
      const secret = ofType(r, "kubernetes:core/v1:Secret").find((x) => x.inputs.metadata.name === env.name)!;
      const reader = await new Promise<string>((res) => r.services!.readerDatabase.password.apply(res));
      expect(secret.inputs.stringData[env.key]).to.equal(reader);
      expect(pg.jsonData.sslmode).to.equal(kind === "edge" ? "require" : "verify-full");
    });
  }

  it("Grafana's Prometheus datasource is the stack's Prometheus and is the default", async () => {
    const ds = values(await run("edge"), "grafana").datasources["datasources.yaml"].datasources;
    const prom = ds.find((d: any) => d.type === "prometheus");
    expect(prom.url).to.equal(PROMETHEUS_URL);
    expect(PROMETHEUS_URL).to.equal("http://kps-prometheus.monitoring.svc:9090");
    expect(values(await run("edge"), "kube-prometheus-stack").fullnameOverride).to.equal("kps");
    expect(prom.isDefault).to.be.true;
  });

  it("Grafana's admin password is a generated secret, not a chart value", async () => {
    const r = await run("aws-dev");
    const v = values(r, "grafana");
    expect(v).to.not.have.property("adminPassword");
    expect(v.admin.existingSecret).to.equal("grafana-credentials");
    expect(ofType(r, "random:index/randomPassword:RandomPassword").map((p) => p.name)).to.include(
      "grafana-admin-password",
    );
    const password = await new Promise<string>((res) => r.services!.grafanaAdminPassword.apply(res));
    const secret = ofType(r, "kubernetes:core/v1:Secret").find(
      (x) => x.inputs.metadata.name === "grafana-credentials",
    )!;
    expect(secret.inputs.stringData["admin-password"]).to.equal(password);
  });

  it("no secret value is written into grafana.ini: sensitive keys use variable expansion", async () => {
    for (const kind of [...TARGETS, "google"] as Kind[]) {
      const ini = values(await run(kind), "grafana")["grafana.ini"];
      for (const [section, body] of Object.entries<any>(ini)) {
        for (const key of ["password", "client_secret", "secret_key"]) {
          if (key in body) expect(body[key], `${section}.${key}`).to.match(/^\$__env\{[A-Z_]+\}$/);
        }
      }
    }
  });

  it("Grafana signs in through the same identity provider as JupyterHub (GitHub on AWS dev)", async () => {
    const r = await run("aws-dev");
    const gh = values(r, "grafana")["grafana.ini"]["auth.github"];
    expect(gh.enabled).to.be.true;
    expect(gh.client_id).to.equal(r.settings.auth.clientId);
    expect(gh.allowed_organizations).to.equal("example-org");
    expect(gh.role_attribute_path).to.include("'platform-admin'");
    expect(values(r, "grafana")["grafana.ini"]["auth.anonymous"].enabled).to.be.false;
  });

  it("Grafana uses Google sign-in fenced to the allowed domains when JupyterHub does", async () => {
    const g = values(await run("google"), "grafana")["grafana.ini"]["auth.google"];
    expect(g.enabled).to.be.true;
    expect(g.allowed_domains).to.equal("example.edu");
  });

  it("on edge (local sign-in) Grafana uses local accounts and no OAuth", async () => {
    const ini = values(await run("edge"), "grafana")["grafana.ini"];
    expect(Object.keys(ini).filter((k) => /^auth\.(github|google|azuread|generic_oauth)$/.test(k))).to.be
      .empty;
    expect(ini["auth.basic"].enabled).to.be.true;
  });

  it("Grafana keeps its state in PostgreSQL under its own role, so replicas share it", async () => {
    const db = values(await run("aws-prod"), "grafana")["grafana.ini"].database;
    expect(db.type).to.equal("postgres");
    expect(db.user).to.equal(DATABASE_ROLES.grafana);
    expect(db.ssl_mode).to.equal("verify-full");
    expect(db.ca_cert_path).to.be.a("string");
  });

  it("dashboards ship as code: a release of charts/dashboards whose ConfigMaps carry the sidecar's label", async () => {
    const r = await run("edge");
    const rel = releases(r).get("platform-dashboards")!;
    expect(rel.inputs.chart).to.equal(DASHBOARDS_CHART);
    expect(path.resolve(DASHBOARDS_CHART)).to.equal(DASHBOARDS_CHART_DIR);
    const sidecar = values(r, "grafana").sidecar.dashboards;
    expect(sidecar.enabled).to.be.true;
    expect({ key: sidecar.label, value: sidecar.labelValue }).to.deep.equal(rel.inputs.values.label);
    const template = fs.readFileSync(path.join(DASHBOARDS_CHART_DIR, "templates", "configmaps.yaml"), "utf8");
    // Every JSON file in dashboards/ is loaded (the data-path issue adds data-*.json there).
    expect(template).to.include('.Files.Glob "dashboards/*.json"');
    expect(template).to.include("$.Values.label.key");
  });

  const dashboardFiles = () =>
    fs
      .readdirSync(path.join(DASHBOARDS_CHART_DIR, "dashboards"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => ({
        f,
        d: JSON.parse(fs.readFileSync(path.join(DASHBOARDS_CHART_DIR, "dashboards", f), "utf8")),
      }));

  it("the platform health, JupyterHub usage, Spark jobs and usage dashboards exist with unique uids", () => {
    const all = dashboardFiles();
    expect(all.map((x) => x.f)).to.include.members([
      "platform-health.json",
      "jupyterhub-usage.json",
      "spark-jobs.json",
      "usage.json",
    ]);
    const uids = all.map((x) => x.d.uid);
    expect(new Set(uids).size).to.equal(uids.length);
    for (const { f, d } of all) {
      expect(d.title, f).to.be.a("string").and.not.be.empty;
      expect(d.panels, f).to.be.an("array").and.not.be.empty;
    }
  });

  it("every platform dashboard panel queries a datasource provisioned as code", async () => {
    const ds = values(await run("edge"), "grafana").datasources["datasources.yaml"].datasources;
    const uids = new Set(ds.map((d: any) => d.uid));
    for (const { f, d } of dashboardFiles().filter((x) => !x.f.startsWith("data-"))) {
      for (const p of d.panels) {
        expect(uids, `${f}: ${p.title}`).to.include(p.datasource.uid);
        expect(p.targets, `${f}: ${p.title}`).to.not.be.empty;
        for (const t of p.targets) expect(t.expr, `${f}: ${p.title}`).to.be.a("string").and.not.be.empty;
      }
    }
  });

  it("the usage dashboard shows CPU-hours, memory and storage per user and per tenant", () => {
    const usage = dashboardFiles().find((x) => x.f === "usage.json")!.d;
    const titles = usage.panels.map((p: any) => p.title);
    expect(titles).to.include.members([
      "CPU-hours per user",
      "CPU-hours per tenant",
      "Memory GiB-hours per user",
      "Memory GiB-hours per tenant",
      "Storage used per user",
      "Storage used per tenant",
    ]);
    const expr = (t: string) => usage.panels.find((p: any) => p.title === t).targets[0].expr as string;
    expect(expr("CPU-hours per user"))
      .to.include("container_cpu_usage_seconds_total")
      .and.include("label_hub_jupyter_org_username");
    expect(expr("CPU-hours per tenant")).to.include('namespace=~"tenant-.+"');
    expect(expr("Storage used per user")).to.include("kubelet_volume_stats_used_bytes");
    // The per-user label is exported by kube-state-metrics only when allow-listed.
    return run("edge").then((r) =>
      expect(
        values(r, "kube-prometheus-stack")["kube-state-metrics"].metricLabelsAllowlist.join(),
      ).to.include("hub.jupyter.org/username"),
    );
  });
});
