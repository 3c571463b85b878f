/**
 * The notebook platform (issue 4) under both targets' inputs: AWS (dev, prod) and edge. Every behaviour is
 * read from what the program registers, as `pulumi up` would send it.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { expect } from "chai";
import * as yaml from "js-yaml";
import { configError, one, ofType, releases, releaseValues, runStack, type ProgramRun } from "./harness";
import { chartValuesErrors, mergeValues, chartDefaults } from "./lib/chart-values";
import { IMAGES, SPARK_VERSION } from "../components/versions";
import { WORKLOAD_SERVICE_ACCOUNTS } from "../components/aws/identity";
import {
  scheduledNotebooksChartVersion,
  scheduledRunsValues,
  SCHEDULED_NOTEBOOKS_CHART,
} from "../components/platform/notebooks/scheduled-runs";
import { objectStorePort } from "../components/platform/tenants";

const HUB = "jupyterhub";
const hub = (run: ProgramRun) => releaseValues(run, HUB);
const byName = (run: ProgramRun, type: string, name: string) => one(run, type, name).inputs;
const envOf = (run: ProgramRun) => hub(run).singleuser.extraEnv as Record<string, any>;

const GOOGLE = {
  authProvider: "google",
  authAllowedDomains: '["example.edu"]',
  authAllowedOrganizations: "[]",
  // dev's class maps a GitHub team; with Google sign-in students are listed by name (no groups).
  tenants: JSON.stringify([{ name: "stats-101", members: ["student-a"] }]),
};
const ENTRA = { authProvider: "entra", authEntraTenantId: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0" };
const MAINTENANCE = { maintenanceMode: "true", maintenanceMessage: "Upgrading the database until 10:00 UTC" };
const TUNED = {
  cullIdleMinutes: "30",
  notebookStorageGi: "25",
  notebookBackupRetentionDays: "14",
  activityLogRetentionDays: "400",
  singleUserImage: "registry.example.org/data/singleuser:2026.01.05",
};
const AIR_GAPPED = {
  airGapped: "true",
  registryMirror: "registry.lab.local:5000",
  notebookPackageIndex: "http://pypi.lab.internal:3141/root/pypi/+simple/",
};
const RUNS_ARGS = {
  namespace: "platform-jobs",
  objectStore: {
    region: "us-east-1",
    forcePathStyle: false,
    buckets: { notebooks: "nb", datasets: "ds", spark: "sp" },
    identity: {
      kind: "workload" as const,
      roleArns: { scheduledRuns: "arn:aws:iam::123456789012:role/runs" },
    },
  },
  image: IMAGES.singleuser,
  env: {},
  suspend: false,
};

/** The scheduled-notebooks chart's own values schema (Helm validates values against it). */
function scheduledRunsSchemaErrors(values: unknown): string[] {
  const dir = path.resolve(__dirname, "..", SCHEDULED_NOTEBOOKS_CHART);
  const schema = JSON.parse(fs.readFileSync(path.join(dir, "values.schema.json"), "utf8"));
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const merged = mergeValues(yaml.load(fs.readFileSync(path.join(dir, "values.yaml"), "utf8")), values);
  return validate(merged) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe("notebook platform: JupyterHub release", () => {
  for (const stack of ["dev", "prod", "edge"]) {
    it(`${stack}: JupyterHub is the zero-to-jupyterhub chart pinned at 4.4.0, in namespace jupyterhub`, async () => {
      const r = releases(await runStack(stack)).get(HUB)!;
      expect(r.inputs.chart).to.equal("jupyterhub");
      expect(r.inputs.version).to.equal("4.4.0");
      expect(r.inputs.repositoryOpts.repo).to.equal("https://hub.jupyter.org/helm-chart/");
      expect(r.inputs.namespace).to.equal("jupyterhub");
    });

    it(`${stack}: the z2jh values merged onto the chart's defaults pass the chart's values schema`, async () => {
      expect(chartValuesErrors("jupyterhub", hub(await runStack(stack)))).to.deep.equal([]);
    });
  }

  for (const [label, overrides] of Object.entries({ GOOGLE, ENTRA, MAINTENANCE, TUNED })) {
    it(`dev with ${label} settings: the z2jh values still pass the chart's values schema`, async () => {
      expect(chartValuesErrors("jupyterhub", hub(await runStack("dev", overrides)))).to.deep.equal([]);
    });
  }

  it("edge air-gapped: the z2jh values pass the schema and the chart comes from the local folder", async () => {
    const run = await runStack("edge", AIR_GAPPED);
    expect(chartValuesErrors("jupyterhub", hub(run))).to.deep.equal([]);
    expect(releases(run).get(HUB)!.inputs.chart).to.equal("bundle/charts/jupyterhub-4.4.0.tgz");
  });

  it("a misspelled key in the z2jh values is rejected by the chart's schema", async () => {
    const values = hub(await runStack("dev"));
    const wrong = { ...values, hub: { ...values.hub, extraConfigs: { x: "pass" } } };
    expect(chartValuesErrors("jupyterhub", wrong)).to.include(
      "/hub must NOT have additional properties (extraConfigs)",
    );
  });

  it("a value of the wrong type in the z2jh values is rejected by the chart's schema", async () => {
    const values = hub(await runStack("dev"));
    const wrong = { ...values, cull: { ...values.cull, timeout: "one hour" } };
    expect(chartValuesErrors("jupyterhub", wrong).join("\n")).to.contain("/cull/timeout");
  });
});

describe("notebook platform: sign-in and admins", () => {
  it("dev signs in with GitHub, limited to the configured organizations", async () => {
    const cfg = hub(await runStack("dev")).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("github");
    expect(cfg.GitHubOAuthenticator.allowed_organizations).to.deep.equal(["example-org"]);
    expect(cfg.GitHubOAuthenticator.oauth_callback_url).to.equal(
      "https://hub.dev.datavis.example.org/hub/oauth_callback",
    );
    expect(cfg.GitHubOAuthenticator.client_id).to.equal("Iv1.0123456789abcdef");
  });

  it("the OAuth client secret reaches the hub from a Kubernetes Secret, never through the chart values", async () => {
    const run = await runStack("dev");
    const values = hub(run);
    expect(JSON.stringify(values)).not.to.contain("offline-placeholder-for-authClientSecret");
    expect(values.hub.extraEnv.OAUTH_CLIENT_SECRET.valueFrom.secretKeyRef).to.deep.equal({
      name: "hub-oauth",
      key: "client-secret",
    });
    const secret = one(run, "kubernetes:core/v1:Secret", "hub-oauth");
    expect(secret.displayInputs.stringData).to.equal("[secret]");
    expect(secret.inputs.metadata.namespace).to.equal("jupyterhub");
  });

  it("Google sign-in is limited to the configured Workspace domains", async () => {
    const cfg = hub(await runStack("dev", GOOGLE)).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("google");
    expect(cfg.GoogleOAuthenticator.hosted_domain).to.deep.equal(["example.edu"]);
  });

  it("Microsoft Entra ID sign-in is bound to the configured directory (tenant) id", async () => {
    const cfg = hub(await runStack("dev", ENTRA)).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("azuread");
    expect(cfg.AzureAdOAuthenticator.tenant_id).to.equal(ENTRA.authEntraTenantId);
  });

  it("edge signs in locally (NativeAuthenticator, no OAuth) and new accounts wait for an admin", async () => {
    const run = await runStack("edge");
    const cfg = hub(run).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("native");
    expect(cfg.NativeAuthenticator.open_signup).to.equal(false);
    expect(cfg.NativeAuthenticator.minimum_password_length).to.be.at.least(12);
    expect(hub(run).hub.extraEnv ?? {}).to.not.have.property("OAUTH_CLIENT_SECRET");
    expect(ofType(run, "kubernetes:core/v1:Secret").map((s) => s.name)).not.to.include("hub-oauth");
  });

  it("the admins from config are JupyterHub admins on both targets", async () => {
    for (const stack of ["dev", "edge"]) {
      expect(hub(await runStack(stack)).hub.config.Authenticator.admin_users).to.deep.equal([
        "platform-admin",
      ]);
    }
  });
});

describe("notebook platform: servers, storage and network", () => {
  it("users choose small, large or Spark servers, each with CPU and memory guarantees below their limits", async () => {
    const profiles = hub(await runStack("dev")).singleuser.profileList as any[];
    expect(profiles.map((p) => p.slug)).to.deep.equal(["small", "large", "spark"]);
    expect(profiles.filter((p) => p.default).map((p) => p.slug)).to.deep.equal(["small"]);
    const bytes = (q: string) => Number(q.slice(0, -1)) * 1e9;
    for (const p of profiles) {
      const o = p.kubespawner_override;
      expect(o.cpu_guarantee, p.slug).to.be.greaterThan(0).and.at.most(o.cpu_limit);
      expect(bytes(o.mem_guarantee), p.slug).to.be.greaterThan(0).and.at.most(bytes(o.mem_limit));
    }
    expect(profiles[2].kubespawner_override.environment.PYSPARK_SUBMIT_ARGS).to.match(
      /--master local\[\d+\]/,
    );
  });

  it("idle servers are culled after cullIdleMinutes", async () => {
    expect(hub(await runStack("dev")).cull).to.include({ enabled: true, timeout: 3600 });
    expect(hub(await runStack("dev", TUNED)).cull).to.include({ enabled: true, timeout: 1800 });
  });

  it("each user gets a volume of notebookStorageGi on the cluster's storage class", async () => {
    expect(hub(await runStack("dev")).singleuser.storage).to.include({ type: "dynamic", capacity: "10Gi" });
    expect(hub(await runStack("dev", TUNED)).singleuser.storage.capacity).to.equal("25Gi");
    expect(hub(await runStack("edge")).singleuser.storage.dynamic.storageClass).to.equal("local-path");
    const devRun = await runStack("dev");
    const devClass = hub(devRun).singleuser.storage.dynamic.storageClass;
    expect(devClass).to.be.a("string").and.not.equal("local-path");
    // The hub's one volume (its activity log; its database is the platform's PostgreSQL) too.
    const activity = one(devRun, "kubernetes:core/v1:PersistentVolumeClaim", "hub-activity-log");
    expect(activity.inputs.spec.storageClassName).to.equal(devClass);
  });

  it("z2jh network policies are on for the hub, the proxy and user servers; servers cannot reach cloud metadata", async () => {
    for (const stack of ["dev", "edge"]) {
      const v = mergeValues(chartDefaults("jupyterhub"), hub(await runStack(stack))) as any;
      expect(v.hub.networkPolicy.enabled).to.equal(true);
      expect(v.proxy.chp.networkPolicy.enabled).to.equal(true);
      expect(v.singleuser.networkPolicy.enabled).to.equal(true);
      expect(v.singleuser.networkPolicy.egressAllowRules.cloudMetadataServer).to.equal(false);
      expect(v.singleuser.networkPolicy.egressAllowRules.privateIPs).to.equal(false);
      // No privileged iptables init container in user pods.
      expect(v.singleuser.cloudMetadata.blockWithIptables).to.equal(false);
    }
  });

  it("user servers may reach the database and object storage ports, and only those, inside private networks", async () => {
    const edgeEgress = hub(await runStack("edge")).singleuser.networkPolicy.egress;
    expect(edgeEgress).to.deep.equal([
      {
        ports: [
          { protocol: "TCP", port: 5432 },
          { protocol: "TCP", port: 8333 },
        ],
      },
    ]);
    expect(objectStorePort(undefined)).to.equal(443);
    expect(objectStorePort("http://store.svc")).to.equal(80);
  });

  it("user servers run the pinned single-user image as a non-root user", async () => {
    const su = mergeValues(chartDefaults("jupyterhub"), hub(await runStack("dev"))) as any;
    expect(`${su.singleuser.image.name}:${su.singleuser.image.tag}`).to.equal(IMAGES.singleuser);
    expect(IMAGES.singleuser).to.match(/:[0-9][\w.-]*$/);
    // The project's own image (the option) carries pyspark of the Spark the cluster's jobs run.
    expect(IMAGES.singleuserProject).to.contain(`spark${SPARK_VERSION}`);
    expect(su.singleuser.uid).to.equal(1000);
    expect(su.singleuser.allowPrivilegeEscalation).to.equal(false);
    expect(su.singleuser.extraPodConfig.securityContext.runAsNonRoot).to.equal(true);
  });

  it("a fork's own single-user image (singleUserImage) replaces the pinned one", async () => {
    const image = hub(await runStack("dev", TUNED)).singleuser.image;
    expect(image).to.include({ name: "registry.example.org/data/singleuser", tag: "2026.01.05" });
  });

  it("air-gapped sites pull the single-user image and every chart image from the registry mirror", async () => {
    const v = hub(await runStack("edge", AIR_GAPPED));
    expect(v.singleuser.image.name).to.equal("registry.lab.local:5000/jupyter/pyspark-notebook");
    expect(v.hub.image.name).to.equal("registry.lab.local:5000/jupyterhub/k8s-hub");
    expect(v.proxy.chp.image.name).to.equal("registry.lab.local:5000/jupyterhub/configurable-http-proxy");
    expect(v.proxy.traefik.image.name).to.equal("registry.lab.local:5000/library/traefik");
  });

  it("on AWS user servers sit on the notebook node pool", async () => {
    const su = hub(await runStack("dev")).singleuser;
    expect(Object.keys(su.nodeSelector)).to.have.lengthOf(1);
    expect(su.extraTolerations[0].effect).to.equal("NoSchedule");
  });

  it("the hub is served over TLS through the cluster's ingress with a cert-manager certificate", async () => {
    const v = hub(await runStack("dev"));
    expect(v.ingress.enabled).to.equal(true);
    expect(v.ingress.hosts).to.deep.equal(["hub.dev.datavis.example.org"]);
    expect(v.ingress.annotations["cert-manager.io/cluster-issuer"]).to.be.a("string").and.not.empty;
    expect(v.ingress.tls[0].hosts).to.deep.equal(["hub.dev.datavis.example.org"]);
    expect(v.proxy.service.type).to.equal("ClusterIP");
  });
});

describe("notebook platform: database and object storage in every notebook", () => {
  it("AWS: libpq settings with verify-full TLS, the password from a Secret, the RDS CA mounted", async () => {
    const run = await runStack("dev");
    const env = envOf(run);
    expect(env).to.include({
      PGSSLMODE: "verify-full",
      PGPORT: "5432",
      PGSSLROOTCERT: "/etc/datavis/db-ca/ca.crt",
    });
    expect(env.PGHOST).to.match(/rds\.amazonaws\.com$/);
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).to.deep.equal({
      name: "notebook-database",
      key: "password",
    });
    expect(env.PGUSER).to.be.a("string").and.not.empty;
    const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find(
      (c) => c.inputs.metadata.name === "datavis-config" && c.inputs.metadata.namespace === "jupyterhub",
    );
    expect(cm, "datavis-config ConfigMap in jupyterhub").to.exist;
    expect(Object.keys(cm!.inputs.data)).to.include("db-ca.crt");
  });

  it("AWS: S3 through the notebook service account's IAM role: region and buckets set, no keys anywhere", async () => {
    const run = await runStack("dev");
    const env = envOf(run);
    expect(env.AWS_REGION).to.equal("us-east-1");
    expect(env.NOTEBOOKS_BUCKET).to.be.a("string").and.not.empty;
    expect(env.DATASETS_BUCKET).to.be.a("string").and.not.empty;
    expect(env).not.to.have.any.keys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL");
    const sa = byName(run, "kubernetes:core/v1:ServiceAccount", "notebook-sa");
    expect(sa.metadata).to.include({ name: "notebook", namespace: "jupyterhub" });
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).to.match(/^arn:aws:iam::\d{12}:role\//);
    expect(sa.automountServiceAccountToken).to.equal(false);
    expect(hub(run).singleuser.serviceAccountName).to.equal("notebook");
  });

  it("edge: the in-cluster S3 endpoint, path-style addressing and keys from a Secret", async () => {
    const run = await runStack("edge");
    const env = envOf(run);
    expect(env.AWS_ENDPOINT_URL).to.match(/^http:\/\/.+:8333$/);
    expect(env.AWS_CONFIG_FILE).to.equal("/etc/datavis/aws/config");
    expect(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.name).to.equal("notebook-object-store");
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.name).to.equal("notebook-object-store");
    expect(env.PGSSLMODE).to.equal("require");
    const keys = ofType(run, "kubernetes:core/v1:Secret").find(
      (s) =>
        s.inputs.metadata.name === "notebook-object-store" && s.inputs.metadata.namespace === "jupyterhub",
    );
    expect(keys!.displayInputs.stringData).to.equal("[secret]");
  });
});

describe("notebook platform: tenants", () => {
  const tenantsOf = (run: ProgramRun) => run.config.tenants.map((t) => t.name);

  for (const stack of ["dev", "edge"]) {
    it(`${stack}: every tenant has its namespace tenant-<name> with Pod Security restricted enforced`, async () => {
      const run = await runStack(stack);
      for (const t of tenantsOf(run)) {
        const ns = byName(run, "kubernetes:core/v1:Namespace", `tenant-${t}`);
        expect(ns.metadata.name).to.equal(`tenant-${t}`);
        expect(ns.metadata.labels).to.include({
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        });
      }
    });

    it(`${stack}: every tenant has one quota from its config and a LimitRange with defaults`, async () => {
      const run = await runStack(stack);
      for (const t of run.config.tenants) {
        const quotas = ofType(run, "kubernetes:core/v1:ResourceQuota").filter(
          (q) => q.inputs.metadata.namespace === `tenant-${t.name}`,
        );
        expect(quotas).to.have.lengthOf(1);
        expect(quotas[0].inputs.spec.hard).to.include({
          "requests.cpu": String(t.cpu),
          "requests.memory": `${t.memoryGi}Gi`,
          "requests.storage": `${t.storageGi}Gi`,
        });
        const lr = byName(run, "kubernetes:core/v1:LimitRange", `tenant-${t.name}-limits`);
        expect(lr.spec.limits[0]).to.have.all.keys("type", "default", "defaultRequest", "max");
      }
    });
  }

  it("each tenant denies all traffic by default, in both directions", async () => {
    const run = await runStack("dev");
    for (const t of tenantsOf(run)) {
      const deny = byName(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `tenant-${t}-default-deny`);
      expect(deny.metadata.namespace).to.equal(`tenant-${t}`);
      expect(deny.spec).to.deep.equal({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
  });

  it("a tenant's pods accept traffic only from their own namespace, the Spark operator and monitoring", async () => {
    const run = await runStack("dev");
    const allow = byName(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-data-science-allow");
    const from = allow.spec.ingress.flatMap((r: any) => r.from);
    expect(from).to.deep.include({ podSelector: {} });
    const namespaces = from
      .filter((f: any) => f.namespaceSelector)
      .map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
    expect(namespaces).to.have.members(["spark-operator", "monitoring"]);
    // No rule names another tenant, nor the hub's user servers.
    expect(JSON.stringify(allow)).not.to.contain("tenant-stats-101").and.not.to.contain("jupyterhub");
  });

  it("a tenant's pods may leave only for DNS, their own namespace, the database, object storage and the API", async () => {
    const run = await runStack("edge");
    const allow = byName(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-lab-allow");
    const egress = allow.spec.egress as any[];
    expect(egress).to.have.lengthOf(3);
    expect(egress[0]).to.deep.equal({ to: [{ podSelector: {} }] });
    expect(egress[1].ports.map((p: any) => p.port)).to.deep.equal([53, 53]);
    expect(egress[2].ports.map((p: any) => p.port)).to.have.members([5432, 8333, 443, 6443]);
  });

  it("tenant owners get edit in their own namespace only, and nothing cluster-wide", async () => {
    const run = await runStack("dev");
    const rb = byName(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "tenant-stats-101-owners");
    expect(rb.metadata.namespace).to.equal("tenant-stats-101");
    expect(rb.roleRef).to.deep.equal({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "edit",
    });
    expect(rb.subjects).to.deep.equal([
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "course-instructor" },
    ]);
    const clusterBindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    expect(JSON.stringify(clusterBindings.map((b) => b.inputs.subjects))).not.to.contain("course-instructor");
  });

  it("a class list of 50 tenants registers the same six resources for each, no more", async () => {
    const tenants = Array.from({ length: 50 }, (_, i) => ({ name: `class-${i}`, owners: ["t"] }));
    const run = await runStack("edge", { tenants: JSON.stringify(tenants) });
    const base = await runStack("edge");
    const perTenant = (r: ProgramRun) =>
      r.resources.filter((x) => x.parent === "tenants").length / r.config.tenants.length;
    expect(perTenant(run)).to.equal(6);
    expect(perTenant(base)).to.equal(6);
    expect(ofType(run, "kubernetes:core/v1:ResourceQuota")).to.have.lengthOf(50);
  });
});

describe("notebook platform: backups, maintenance and the activity log", () => {
  const cronJob = (run: ProgramRun) => byName(run, "kubernetes:batch/v1:CronJob", "notebook-backup");
  const containerEnv = (run: ProgramRun) =>
    Object.fromEntries(
      cronJob(run).spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [
        e.name,
        e.value ?? e.valueFrom,
      ]),
    );

  for (const stack of ["dev", "edge"]) {
    it(`${stack}: every home volume is copied daily into the notebooks bucket, kept notebookBackupRetentionDays`, async () => {
      const run = await runStack(stack);
      const cj = cronJob(run);
      expect(cj.metadata.namespace).to.equal("jupyterhub");
      expect(cj.spec.schedule).to.match(/^\d+ \d+ \* \* \*$/);
      expect(cj.spec.concurrencyPolicy).to.equal("Forbid");
      const env = containerEnv(run);
      expect(env.BACKUP_RETENTION_DAYS).to.equal(String(run.config.notebookBackupRetentionDays));
      expect(env.BACKUP_BUCKET).to.equal(envOf(run).NOTEBOOKS_BUCKET);
      expect(env.BACKUP_PREFIX).to.equal("backups");
      // The volumes the job finds are the ones the hub labels.
      expect(hub(run).singleuser.storage.extraLabels).to.deep.equal({ "datavis.io/notebook-home": "true" });
    });
  }

  it("the backup retention follows notebookBackupRetentionDays", async () => {
    expect(containerEnv(await runStack("dev", TUNED)).BACKUP_RETENTION_DAYS).to.equal("14");
  });

  it("the backup copies run read-only, as the notebook user, without Kubernetes API access", async () => {
    const template = JSON.parse(containerEnv(await runStack("edge")).BACKUP_POD_TEMPLATE);
    expect(template.automountServiceAccountToken).to.equal(false);
    expect(template.securityContext).to.include({ runAsUser: 1000, runAsNonRoot: true });
    expect(template.containers[0].securityContext).to.include({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(template.containers[0].resources.limits).to.have.all.keys("cpu", "memory");
  });

  it("the backup job may only list volumes and pods and manage Jobs in the hub's namespace", async () => {
    const role = byName(
      await runStack("dev"),
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "notebook-backup-role",
    );
    expect(role.metadata.namespace).to.equal("jupyterhub");
    expect(role.rules).to.deep.equal([
      { apiGroups: [""], resources: ["persistentvolumeclaims", "pods"], verbs: ["get", "list"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "delete"] },
    ]);
  });

  it("on AWS the backup service account uses the backup IAM role", async () => {
    const sa = byName(await runStack("dev"), "kubernetes:core/v1:ServiceAccount", "notebook-backup-sa");
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).to.match(/role\/.*/);
  });

  // What people see in maintenance is proven on a real hub: notebooks/hub/test_hub_maintenance.py.
  it("maintenance mode: the hub gets the switch and every page shows the message", async () => {
    const v = hub(await runStack("dev", MAINTENANCE));
    expect(v.custom.datavis.maintenance).to.deep.equal({
      enabled: true,
      message: MAINTENANCE.maintenanceMessage,
    });
    expect(v.hub.templateVars.announcement).to.equal(MAINTENANCE.maintenanceMessage);
    expect(v.hub.extraConfig["10-maintenance"]).to.contain('_mount["readOnly"] = True');
    const normal = hub(await runStack("dev"));
    expect(normal.custom.datavis.maintenance.enabled).to.equal(false);
    expect(normal.hub.templateVars).to.deep.equal({});
  });

  it("maintenance mode suspends every scheduled run", async () => {
    expect(releaseValues(await runStack("dev", MAINTENANCE), "scheduled-notebooks").suspend).to.equal(true);
    expect(releaseValues(await runStack("dev"), "scheduled-notebooks").suspend).to.equal(false);
    expect(scheduledRunsValues({ ...RUNS_ARGS, suspend: true }).suspend).to.equal(true);
  });

  it("maintenance mode leaves everything else as it is: dashboards, data and volumes stay", async () => {
    const normal = await runStack("dev");
    const maintenance = await runStack("dev", MAINTENANCE);
    const names = (r: ProgramRun) => r.resources.map((x) => `${x.type}:${x.name}`).sort();
    expect(names(maintenance)).to.deep.equal(names(normal));
    const changed = maintenance.resources
      .filter((r) => {
        const before = normal.resources.find((x) => x.urn === r.urn)!;
        return JSON.stringify(before.inputs) !== JSON.stringify(r.inputs);
      })
      .map((r) => r.name);
    expect(changed.filter((n) => n !== HUB && n !== "scheduled-runs")).to.deep.equal([]);
  });

  it("the activity log is written on the hub's own volume and kept activityLogRetentionDays", async () => {
    const v = hub(await runStack("dev", TUNED));
    expect(v.custom.datavis.activityLog).to.deep.equal({
      directory: "/srv/jupyterhub/activity",
      retentionDays: 400,
    });
    expect(v.hub.extraVolumeMounts.map((m: any) => m.mountPath)).to.include("/srv/jupyterhub/activity");
    expect(v.hub.extraConfig["20-activity-log"]).to.contain("TimedRotatingFileHandler");
    expect(hub(await runStack("edge")).custom.datavis.activityLog.retentionDays).to.equal(90);
  });
});

describe("notebook platform: scheduled runs", () => {
  for (const stack of ["dev", "edge"]) {
    it(`${stack}: the scheduled-notebooks chart is installed from its folder at its own version, in platform-jobs`, async () => {
      const r = releases(await runStack(stack)).get("scheduled-notebooks")!;
      expect(r.inputs.chart).to.equal("charts/scheduled-notebooks");
      expect(r.inputs.version).to.equal(scheduledNotebooksChartVersion());
      expect(r.inputs.namespace).to.equal("platform-jobs");
    });

    it(`${stack}: the values passed to the scheduled-notebooks chart pass its values schema`, async () => {
      const values = releaseValues(await runStack(stack), "scheduled-notebooks");
      expect(scheduledRunsSchemaErrors(values)).to.deep.equal([]);
      expect(scheduledRunsSchemaErrors({ ...values, suspended: true })).not.to.deep.equal([]);
    });
  }

  it("dev: scheduled runs mount the RDS CA bundle that PGSSLROOTCERT points at, so verify-full works", async () => {
    const v = releaseValues(await runStack("dev"), "scheduled-notebooks");
    const certPath = v.env.find((e: any) => e.name === "PGSSLROOTCERT")?.value;
    expect(certPath).to.equal("/etc/datavis/db-ca/ca.crt");
    const mount = v.extraVolumeMounts.find((m: any) => certPath.startsWith(`${m.mountPath}/`));
    const volume = v.extraVolumes.find((x: any) => x.name === mount.name);
    expect(volume.configMap.items).to.deep.include({ key: "db-ca.crt", path: "db-ca/ca.crt" });
  });

  it("the runs listed in scheduledRuns become the chart's runs, and pass its schema", async () => {
    const runs = [
      {
        name: "stock-performance",
        schedule: "0 6 * * *",
        source: "s3://my-notebooks/examples/",
        notebook: "etl.ipynb",
        parameters: { output_table: "stock_monthly_performance" },
      },
    ];
    const v = releaseValues(
      await runStack("edge", { scheduledRuns: JSON.stringify(runs) }),
      "scheduled-notebooks",
    );
    expect(v.runs).to.deep.equal(runs);
    expect(scheduledRunsSchemaErrors(v)).to.deep.equal([]);
  });

  it("a scheduled run with a bad schedule is refused before anything is registered, naming the key", async () => {
    const bad = [{ name: "etl", schedule: "every day", source: "s3://b/p/", notebook: "etl.ipynb" }];
    const err = await configError("dev", { scheduledRuns: JSON.stringify(bad) });
    expect(err.key).to.equal("datavis:scheduledRuns");
    expect(err.message).to.contain("every day");
  });

  it("scheduled runs use the notebooks' image, environment and bucket; on AWS their own IAM role", async () => {
    const run = await runStack("dev");
    const v = releaseValues(run, "scheduled-notebooks");
    expect(`${v.image.repository}:${v.image.tag}`).to.equal(IMAGES.singleuser);
    expect(v.outputBucket).to.equal(envOf(run).NOTEBOOKS_BUCKET);
    const env = Object.fromEntries(v.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.PGPASSWORD.secretKeyRef.name).to.equal("notebook-database");
    expect(env.PGHOST).to.equal(envOf(run).PGHOST);
    expect(v.serviceAccount).to.include({ create: true, name: "scheduled-runs" });
    expect(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).to.match(/role\//);
    const secret = ofType(run, "kubernetes:core/v1:Secret").find(
      (x) =>
        x.inputs.metadata.name === "notebook-database" && x.inputs.metadata.namespace === "platform-jobs",
    );
    expect(secret, "database password Secret in platform-jobs").to.exist;
  });
});

describe("notebook platform: workload identity contract with the AWS target", () => {
  it("notebook servers and scheduled runs use the service accounts the AWS IAM roles trust", async () => {
    const run = await runStack("dev");
    const nb = WORKLOAD_SERVICE_ACCOUNTS.notebooks;
    const sa = byName(run, "kubernetes:core/v1:ServiceAccount", "notebook-sa").metadata;
    expect([sa.namespace, sa.name]).to.deep.equal([nb.namespace, nb.serviceAccount]);
    const runs = WORKLOAD_SERVICE_ACCOUNTS.scheduledRuns;
    const r = releases(run).get("scheduled-notebooks")!;
    expect([r.inputs.namespace, r.inputs.values.serviceAccount.name]).to.deep.equal([
      runs.namespace,
      runs.serviceAccount,
    ]);
    const backup = byName(run, "kubernetes:core/v1:ServiceAccount", "notebook-backup-sa").metadata;
    expect([backup.namespace, backup.name]).to.deep.equal([
      WORKLOAD_SERVICE_ACCOUNTS.backup.namespace,
      WORKLOAD_SERVICE_ACCOUNTS.backup.serviceAccount,
    ]);
  });
});

describe("notebook platform: outputs", () => {
  it("the hub URL is a stack output on both targets", async () => {
    expect((await runStack("dev")).outputs.hubUrl).to.equal("https://hub.dev.datavis.example.org");
    expect(((await runStack("edge")).outputs.urls as any).hub).to.equal("https://hub.datavis.internal");
  });
});

describe("notebook platform: what every server gets (issue 12)", () => {
  it("edge: local sign-in lets in whoever NativeAuthenticator accepts (admins and authorized users)", async () => {
    // JupyterHub 5.5 refuses everyone with allow_all false and no allowed_users (test_hub_journeys.py).
    const cfg = hub(await runStack("edge")).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("native");
    expect(cfg.Authenticator.allow_all).to.equal(true);
  });

  it("edge: with authAllowedUsers only those users (and the admins) may sign in", async () => {
    const cfg = hub(await runStack("edge", { authAllowedUsers: '["ada"]' })).hub.config;
    expect(cfg.Authenticator.allow_all).to.equal(false);
    expect(cfg.Authenticator.allowed_users).to.deep.equal(["ada"]);
  });

  it("the example notebooks and the datavis_data library are ConfigMaps mounted into every server", async () => {
    const run = await runStack("edge");
    const examples = byName(run, "kubernetes:core/v1:ConfigMap", "datavis-examples");
    const library = byName(run, "kubernetes:core/v1:ConfigMap", "datavis-library");
    const notebooks = fs
      .readdirSync(path.resolve(__dirname, "..", "notebooks"))
      .filter((f) => f.endsWith(".ipynb"));
    expect(Object.keys(examples.data)).to.include.members(notebooks);
    expect(Object.keys(library.data)).to.include.members(["__init__.py", "upload.py", "db.py", "etl.py"]);
    const su = hub(run).singleuser;
    expect(su.extraEnv.PYTHONPATH.split(":")[0]).to.equal("/opt/datavis/lib");
    expect(su.lifecycleHooks.postStart.exec.command[0]).to.equal("sh");
    const size = JSON.stringify(examples.data).length + JSON.stringify(library.data).length;
    expect(size).to.be.below(1024 * 1024);
  });

  it("edge with local accounts: Grafana signs in through the hub, with the secret the hub service holds", async () => {
    const run = await runStack("edge");
    const grafana = releaseValues(run, "grafana")["grafana.ini"]["auth.generic_oauth"];
    const service = hub(run).hub.services.grafana;
    expect(grafana.client_id).to.equal(service.oauth_client_id);
    expect(service.oauth_redirect_uri).to.equal(
      `https://grafana.${new URL(grafana.auth_url).hostname.slice(4)}/login/generic_oauth`,
    );
    expect(hub(run).hub.loadRoles.user.scopes).to.include("access:services!service=grafana");
  });

  it("with an outside identity provider Grafana keeps that provider and the hub has no Grafana client", async () => {
    const run = await runStack("dev");
    expect(hub(run).hub.services).to.equal(undefined);
    expect(releaseValues(run, "grafana")["grafana.ini"]["auth.generic_oauth"]).to.equal(undefined);
  });
});
