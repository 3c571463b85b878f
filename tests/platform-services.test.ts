/**
 * Platform services (issue 5) under both targets' inputs. The stacks may not compose the platform yet,
 * so this file builds a small test-only composition: PlatformServices constructed with AWS-like inputs
 * (the dev and prod stacks' config, EKS-style cluster, RDS with verify-full, S3 with IRSA, ACME) and
 * edge-like inputs (the edge stack's config, k3s with its own Traefik, in-cluster Postgres and an
 * S3-compatible store with keys, a private CA), evaluated under the Pulumi mock runtime.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig, type PlatformConfig } from "../stacks/config";
import { platformSettings } from "../stacks/platform-args";
import { readRawConfig } from "../tools/plan/offline";
import { mockCall, mockResource } from "../tools/plan/mock-outputs";
import { CHARTS } from "../components/versions";
import { IMAGES, SPARK_VERSION } from "../components/versions";
import type {
  ClusterInput,
  DatabaseInput,
  ObjectStoreInput,
  TlsIssuerInput,
} from "../components/shared/inputs";
import { PlatformServices } from "../components/platform/services";
import { ADMIN_SQL, APP_SQL, DATABASE_ROLES } from "../components/platform/services/database-roles";
import { DEPLOYER_ROLE, engineerAccountName } from "../components/platform/services/headlamp";
import {
  DASHBOARDS_CHART,
  DASHBOARDS_CHART_DIR,
  PROMETHEUS_URL,
} from "../components/platform/services/monitoring";
import {
  cpuCores,
  memoryBytes,
  platformServicesRequests,
  SIZES,
  sizeProfile,
} from "../components/platform/services/sizing";
import {
  SPARK_EXAMPLES,
  SPARK_JOBS_DIR,
  SparkPlatform,
  sparkJobFiles,
} from "../components/platform/services/spark";
import { SAMPLE_DATA_DIR, SPARK_IMAGE } from "../components/platform/services/spark-image";
import { chartValuesErrors } from "./lib/chart-values";
import type { RecordedResource } from "../tools/plan/offline";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { ofType as harnessOfType, releases as harnessReleases, runStack } from "./harness";

// ---------------------------------------------------------------------------------------------------
// Test-only composition under mocks

type Recorded = RecordedResource;

interface ServicesRun {
  settings: PlatformConfig;
  resources: Recorded[];
  services?: PlatformServices;
}

type Kind = "aws-dev" | "aws-prod" | "edge" | "google" | "spark-jobs";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SPECIAL_SIG = "4dabf18193072939515e22adb298388d";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function decode(v: unknown): any {
  if (v === UNKNOWN) return undefined;
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === "object") {
    const o = v as Record<string, any>;
    if (o[SPECIAL_SIG] === SECRET_SIG) return decode(o.value);
    if (o[SPECIAL_SIG] === RESOURCE_SIG) return o.urn;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

function settingsFor(stack: string, overrides: Record<string, string> = {}): PlatformConfig {
  return parseConfig(readRawConfig({ stack, overrides }), stack);
}

const PEM = "-----BEGIN CERTIFICATE-----\nTU9DSy1SRFMtQ0E=\n-----END CERTIFICATE-----\n";

function awsInputs(settings: PlatformConfig) {
  const provider = new k8s.Provider("eks", { kubeconfig: "{}" });
  const cluster: ClusterInput = {
    provider,
    storageClass: "gp3-encrypted",
    architectures: ["amd64"],
    installIngress: true,
    ingressClass: "traefik",
    nodePools: {
      spark: {
        nodeSelector: { "datavis.io/pool": "spark" },
        tolerations: [{ key: "datavis.io/pool", value: "spark", effect: "NoSchedule" }],
      },
    },
    artifacts: {},
  };
  const database: DatabaseInput = {
    host: "datavis-dev.cabc.us-east-1.rds.amazonaws.com",
    port: 5432,
    database: "datavis",
    adminUser: "datavis_admin",
    adminPassword: pulumi.secret("admin-password-from-random"),
    sslMode: "verify-full",
    caCertificate: PEM,
  };
  const objectStore: ObjectStoreInput = {
    region: "us-east-1",
    forcePathStyle: false,
    buckets: { notebooks: "dv-notebooks", datasets: "dv-datasets", spark: "dv-spark" },
    identity: {
      kind: "workload",
      roleArns: { sampleData: "arn:aws:iam::123456789012:role/dv-sample-data" },
    },
  };
  const tls: TlsIssuerInput = {
    kind: "acme",
    email: settings.aws?.acmeEmail ?? "ops@example.org",
    server: "https://acme-v02.api.letsencrypt.org/directory",
  };
  return { cluster, database, objectStore, tls };
}

function edgeInputs() {
  const provider = new k8s.Provider("edge-cluster", { kubeconfig: "{}" });
  const cluster: ClusterInput = {
    provider,
    storageClass: "local-path",
    architectures: ["arm64"],
    installIngress: false,
    ingressClass: "traefik",
    nodePools: {},
    artifacts: {},
  };
  const database: DatabaseInput = {
    host: "datavis-db-rw.datavis-db.svc",
    port: 5432,
    database: "datavis",
    adminUser: "datavis_owner",
    adminPassword: pulumi.secret("cnpg-owner-password"),
    sslMode: "require",
  };
  const objectStore: ObjectStoreInput = {
    endpoint: "http://seaweedfs-s3.object-store.svc:8333",
    region: "us-east-1",
    forcePathStyle: true,
    buckets: { notebooks: "notebooks", datasets: "datasets", spark: "spark" },
    identity: {
      kind: "keys",
      accessKeyId: "edge-access-key",
      secretAccessKey: pulumi.secret("edge-secret-key"),
    },
  };
  const tls: TlsIssuerInput = { kind: "privateCa", commonName: "datavis lab CA" };
  return { cluster, database, objectStore, tls };
}

let sparkJobsDir: string | undefined;

async function evaluate(kind: Kind): Promise<ServicesRun> {
  const settings =
    kind === "aws-dev" || kind === "spark-jobs"
      ? settingsFor("dev")
      : kind === "aws-prod"
        ? settingsFor("prod")
        : kind === "google"
          ? settingsFor("dev", {
              authProvider: "google",
              authAllowedDomains: '["example.edu"]',
              // dev's class maps a GitHub team; with Google sign-in students are listed by name (no groups).
              tenants: JSON.stringify([{ name: "stats-101", members: ["student-a"] }]),
            })
          : settingsFor("edge");
  const resources: Recorded[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => mockResource(args, settings),
      call: (args) => mockCall(args, settings),
    },
    "datavis",
    settings.stack,
    true,
  );
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  const names = new Map<string, string>();
  monitor.registerResource = (req: any, callback: any) => {
    const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
    names.set(urn, req.getName());
    if (req.getType() !== "pulumi:pulumi:Stack") {
      const wire = req.getObject()?.toJavaScript() ?? {};
      resources.push({
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || undefined,
        parentUrn: req.getParent() || undefined,
        inputs: decode(wire),
        displayInputs: decode(wire),
        dependencies: req.getDependenciesList(),
        urn,
        custom: req.getCustom(),
        remote: req.getRemote(),
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        provider: req.getProvider() || undefined,
      });
    }
    return register(req, callback);
  };
  let services: PlatformServices | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    const inputs = kind === "edge" ? edgeInputs() : awsInputs(settings);
    const tenantNamespaces = Object.fromEntries(settings.tenants.map((t) => [t.name, `tenant-${t.name}`]));
    if (kind === "spark-jobs") {
      new SparkPlatform("spark", {
        tenantNamespaces,
        cluster: inputs.cluster,
        database: inputs.database,
        objectStore: inputs.objectStore,
        appRole: { username: DATABASE_ROLES.app, password: pulumi.secret("app") },
        profile: "standard",
        replicas: 1,
        source: {},
        jobsDir: sparkJobsDir,
      });
      return {};
    }
    const { domain, signIn, admins, tenants, profile } = platformSettings(settings);
    services = new PlatformServices("platform-services", {
      ...inputs,
      domain,
      signIn,
      admins,
      tenants,
      profile,
      tenantNamespaces,
    });
    return {};
  });
  await (pulumi.runtime as any).waitForRPCs();
  for (const r of resources) r.parent = r.parent ? names.get(r.parent) : undefined;
  return { settings, resources, services };
}

const runs = new Map<Kind, Promise<ServicesRun>>();
let queue: Promise<unknown> = Promise.resolve();
/** One evaluation per kind, one after another (the SDK's runtime is process-global). */
function run(kind: Kind): Promise<ServicesRun> {
  let r = runs.get(kind);
  if (!r) {
    r = queue.then(() => evaluate(kind));
    queue = r.catch(() => undefined);
    runs.set(kind, r);
  }
  return r;
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ofType = (r: ServicesRun, type: string) => r.resources.filter((x) => x.type === type);
const releases = (r: ServicesRun) => new Map(ofType(r, RELEASE).map((x) => [x.inputs.name as string, x]));
function values(r: ServicesRun, release: string): any {
  const rel = releases(r).get(release);
  expect(rel, `release ${release}; have ${[...releases(r).keys()].join(", ")}`).to.exist;
  return rel!.inputs.values ?? {};
}
const customResources = (r: ServicesRun, kind: string) =>
  r.resources.filter((x) => x.type.startsWith("kubernetes:") && x.inputs.kind === kind);
const TARGETS: Kind[] = ["aws-dev", "edge"];

// ---------------------------------------------------------------------------------------------------

describe("platform services: ingress and TLS", () => {
  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`every Helm release pins a chart version from versions.ts (${kind})`, async () => {
      const r = await run(kind);
      const pinned = new Set(Object.values(CHARTS).map((c) => `${c.chart}@${c.version}`));
      expect(ofType(r, RELEASE)).to.not.be.empty;
      for (const rel of ofType(r, RELEASE)) {
        expect(rel.inputs.version, `${rel.inputs.name} version`).to.be.a("string").and.not.be.empty;
        if (rel.inputs.repositoryOpts) {
          expect(pinned, `${rel.inputs.name}`).to.include(`${rel.inputs.chart}@${rel.inputs.version}`);
        } else {
          // The project's own chart, from its folder: the version is the folder's Chart.yaml version.
          const chart = fs.readFileSync(path.join(rel.inputs.chart, "Chart.yaml"), "utf8");
          expect(chart).to.match(new RegExp(`^version: ${rel.inputs.version.replace(/\./g, "\\.")}$`, "m"));
        }
      }
    });
  }

  it("no ingress-nginx or Kubernetes Dashboard anywhere", async () => {
    for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
      const text = JSON.stringify((await run(kind)).resources).toLowerCase();
      expect(text).to.not.match(/ingress-nginx|kubernetes-dashboard|kubernetesui\/dashboard/);
      expect(text).to.not.include('"ingressclassname":"nginx"');
    }
  });

  it("AWS installs Traefik and redirects HTTP to HTTPS at its web entrypoint", async () => {
    const v = values(await run("aws-dev"), "traefik");
    expect(v.ports.web.http.redirections.entryPoint).to.deep.equal({
      to: "websecure",
      scheme: "https",
      permanent: true,
    });
    expect(v.ingressClass.name).to.equal("traefik");
  });

  it("edge uses the cluster's own Traefik (k3s) and installs none", async () => {
    expect(releases(await run("edge")).has("traefik")).to.be.false;
  });

  for (const kind of TARGETS) {
    it(`HTTP redirects to HTTPS for the Grafana and Headlamp hosts (${kind})`, async () => {
      const r = await run(kind);
      const middlewares = customResources(r, "Middleware");
      expect(middlewares).to.have.lengthOf(2);
      for (const m of middlewares)
        expect(m.inputs.spec.redirectScheme).to.deep.equal({ scheme: "https", permanent: true });
      const redirects = ofType(r, "kubernetes:networking.k8s.io/v1:Ingress");
      const hosts = redirects.flatMap((i) => i.inputs.spec.rules.map((x: any) => x.host)).sort();
      expect(hosts).to.deep.equal([`grafana.${r.settings.domain}`, `headlamp.${r.settings.domain}`]);
      for (const i of redirects) {
        const a = i.inputs.metadata.annotations;
        expect(a["traefik.ingress.kubernetes.io/router.entrypoints"]).to.equal("web");
        expect(a["traefik.ingress.kubernetes.io/router.middlewares"]).to.equal(
          `${i.inputs.metadata.namespace}-redirect-https@kubernetescrd`,
        );
      }
    });

    it(`every endpoint serves TLS with a certificate from the platform's ClusterIssuer (${kind})`, async () => {
      const r = await run(kind);
      const issuer = r.services!.clusterIssuerName;
      const g = values(r, "grafana").ingress;
      const h = values(r, "headlamp").ingress;
      for (const ing of [g, h]) {
        expect(ing.enabled).to.be.true;
        expect(ing.annotations["cert-manager.io/cluster-issuer"]).to.equal(issuer);
        expect(ing.annotations["traefik.ingress.kubernetes.io/router.entrypoints"]).to.equal("websecure");
        expect(ing.tls).to.have.lengthOf(1);
        expect(ing.tls[0].secretName).to.be.a("string").and.not.be.empty;
      }
      expect(g.tls[0].hosts).to.deep.equal([`grafana.${r.settings.domain}`]);
      expect(h.tls[0].hosts).to.deep.equal([`headlamp.${r.settings.domain}`]);
      // The only plain-HTTP routes are the redirects.
      for (const i of ofType(r, "kubernetes:networking.k8s.io/v1:Ingress")) {
        expect(i.inputs.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"]).to.exist;
      }
    });
  }

  it("AWS issues public certificates from ACME with HTTP-01 through the traefik ingress class", async () => {
    const r = await run("aws-dev");
    const issuers = customResources(r, "ClusterIssuer");
    expect(issuers).to.have.lengthOf(1);
    const acme = issuers[0].inputs.spec.acme;
    expect(acme.server).to.equal("https://acme-v02.api.letsencrypt.org/directory");
    expect(acme.email).to.equal("platform-team@example.org");
    expect(acme.solvers).to.deep.equal([{ http01: { ingress: { ingressClassName: "traefik" } } }]);
    expect(r.services!.clusterIssuerName).to.equal(issuers[0].inputs.metadata.name);
    expect(values(r, "traefik").ports.web.allowACMEByPass).to.be.true;
  });

  it("edge issues from a private CA: self-signed root, CA certificate, CA ClusterIssuer", async () => {
    const r = await run("edge");
    const issuers = customResources(r, "ClusterIssuer");
    const selfSigned = issuers.find((i) => i.inputs.spec.selfSigned);
    const ca = issuers.find((i) => i.inputs.spec.ca);
    expect(selfSigned && ca, "two issuers").to.be.ok;
    const [root] = customResources(r, "Certificate");
    expect(root.inputs.spec.isCA).to.be.true;
    expect(root.inputs.spec.commonName).to.equal("datavis lab CA");
    expect(root.inputs.spec.issuerRef.name).to.equal(selfSigned!.inputs.metadata.name);
    expect(root.inputs.metadata.namespace).to.equal("cert-manager");
    expect(ca!.inputs.spec.ca.secretName).to.equal(root.inputs.spec.secretName);
    expect(r.services!.clusterIssuerName).to.equal(ca!.inputs.metadata.name);
    expect(customResources(r, "ClusterIssuer").some((i) => i.inputs.spec.acme)).to.be.false;
  });

  it("ready lists cert-manager, the ClusterIssuer and the ingress controller", async () => {
    const aws = (await run("aws-dev")).services!;
    const edge = (await run("edge")).services!;
    const names = async (s: PlatformServices) =>
      Promise.all(
        s.ready.map((x) => new Promise<string>((res) => x.urn.apply((u) => res(u.split("::").pop()!)))),
      );
    expect(await names(aws)).to.have.members(["traefik", "cert-manager", "cluster-issuer-acme"]);
    expect(await names(edge)).to.have.members(["cert-manager", "cluster-issuer-private-ca"]);
    expect(aws.ingressClass).to.equal("traefik");
  });

  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`cert-manager, traefik and headlamp values validate against their schemas merged onto defaults (${kind})`, async () => {
      const r = await run(kind);
      expect(chartValuesErrors("certManager", values(r, "cert-manager"))).to.deep.equal([]);
      expect(chartValuesErrors("headlamp", values(r, "headlamp"))).to.deep.equal([]);
      if (releases(r).has("traefik"))
        expect(chartValuesErrors("traefik", values(r, "traefik"))).to.deep.equal([]);
    });
  }

  it("the schema check catches a wrong value (it is not vacuous)", () => {
    expect(chartValuesErrors("certManager", { replicaCount: "two" })).to.not.be.empty;
    expect(chartValuesErrors("headlamp", { clusterRoleBinding: { create: "no" } })).to.not.be.empty;
    expect(chartValuesErrors("traefik", { ports: { web: { http: { redirections: 1 } } } })).to.not.be.empty;
  });
});

describe("platform services: database roles", () => {
  for (const kind of TARGETS) {
    it(`the app and read-only roles get generated passwords kept in Kubernetes Secrets (${kind})`, async () => {
      const r = await run(kind);
      const s = r.services!;
      expect(s.appDatabase.username).to.equal(DATABASE_ROLES.app);
      expect(s.readerDatabase.username).to.equal(DATABASE_ROLES.reader);
      const passwords = ofType(r, "random:index/randomPassword:RandomPassword").map((p) => p.name);
      expect(passwords).to.include.members(["db-app-password", "db-reader-password"]);
      for (const p of ofType(r, "random:index/randomPassword:RandomPassword")) {
        expect(p.inputs.length).to.be.at.least(24);
      }
      const reader = await new Promise<string>((res) => s.readerDatabase.password.apply(res));
      const app = await new Promise<string>((res) => s.appDatabase.password.apply(res));
      expect(pulumi.Output.isInstance(s.readerDatabase.password)).to.be.true;
      const secrets = ofType(r, "kubernetes:core/v1:Secret");
      expect(secrets.some((x) => x.inputs.stringData?.PGPASSWORD === app)).to.be.true;
      expect(secrets.some((x) => x.inputs.stringData?.["reader-password"] === reader)).to.be.true;
    });
  }

  for (const kind of TARGETS) {
    it(`the roles Job runs psql non-root with resources set and connects as the database admin (${kind})`, async () => {
      const r = await run(kind);
      const job = ofType(r, "kubernetes:batch/v1:Job").find((j) => j.name === "db-roles")!;
      const pod = job.inputs.spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).to.equal(IMAGES.postgres);
      expect(pod.securityContext.runAsNonRoot).to.be.true;
      expect(pod.securityContext.runAsUser).to.be.greaterThan(0);
      expect(c.securityContext.allowPrivilegeEscalation).to.be.false;
      expect(c.resources.requests).to.have.keys("cpu", "memory");
      expect(c.resources.limits).to.have.keys("cpu", "memory");
      const secret = ofType(r, "kubernetes:core/v1:Secret").find(
        (x) => x.inputs.metadata.name === c.envFrom[0].secretRef.name,
      )!;
      expect(secret.inputs.stringData.PGUSER).to.equal(kind === "edge" ? "datavis_owner" : "datavis_admin");
      expect(secret.inputs.stringData.PGSSLMODE).to.equal(kind === "edge" ? "require" : "verify-full");
      expect(secret.inputs.metadata.namespace).to.equal("platform-db-bootstrap");
    });
  }

  it("a password or script change replaces the roles Job, so it runs again", async () => {
    const job = ofType(await run("edge"), "kubernetes:batch/v1:Job").find((j) => j.name === "db-roles")!;
    // Pod templates are immutable: a changed annotation there makes Pulumi replace the Job.
    expect(job.inputs.spec.template.metadata.annotations["datavis.io/revision"]).to.match(/^[0-9a-f]{16}$/);
  });

  it("the role script is idempotent: roles are created only when missing, then altered", () => {
    expect(ADMIN_SQL).to.match(/WHERE NOT EXISTS \(SELECT 1 FROM pg_roles WHERE rolname = r\) \\gexec/);
    expect(ADMIN_SQL).to.include(`ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_password';`);
    expect(ADMIN_SQL).to.include(`ALTER ROLE :"reader_user" WITH LOGIN PASSWORD :'reader_password';`);
    expect(ADMIN_SQL).to.include("CREATE SCHEMA IF NOT EXISTS");
  });

  it("the read-only role gets CONNECT, USAGE and SELECT on current and future tables, and nothing more", () => {
    const reader = [...ADMIN_SQL.split("\n"), ...APP_SQL.split("\n")].filter((l) =>
      l.includes(':"reader_user"'),
    );
    expect(reader).to.include.members([
      'GRANT USAGE ON SCHEMA public TO :"reader_user";',
      'GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader_user";',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";',
    ]);
    expect(ADMIN_SQL).to.match(/GRANT CONNECT ON DATABASE :"dbname" TO .*:"reader_user"/);
    // Tables the app role creates later are readable too (default privileges of the app role itself).
    expect(APP_SQL).to.include(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";',
    );
    for (const l of reader.filter((x) => x.startsWith("GRANT") || x.includes("DEFAULT PRIVILEGES"))) {
      expect(l, l).to.not.match(/INSERT|UPDATE|DELETE|TRUNCATE|CREATE|ALL ON/);
    }
  });
});

describe("platform services: Spark", () => {
  for (const kind of TARGETS) {
    it(`the Spark operator 2.5.2 watches exactly the tenant namespaces (${kind})`, async () => {
      const r = await run(kind);
      const rel = releases(r).get("spark-operator")!;
      expect(rel.inputs.version).to.equal("2.5.2");
      expect(rel.inputs.values.spark.jobNamespaces).to.deep.equal(
        r.settings.tenants.map((t) => `tenant-${t.name}`),
      );
    });

    it(`each tenant gets a spark ServiceAccount with a Role and RoleBinding in its own namespace (${kind})`, async () => {
      const r = await run(kind);
      for (const t of r.settings.tenants) {
        const ns = `tenant-${t.name}`;
        const sa = ofType(r, "kubernetes:core/v1:ServiceAccount").find(
          (x) => x.inputs.metadata.name === "spark" && x.inputs.metadata.namespace === ns,
        );
        expect(sa, `spark SA in ${ns}`).to.exist;
        const role = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:Role").find(
          (x) => x.inputs.metadata.name === "spark" && x.inputs.metadata.namespace === ns,
        )!;
        expect(role.inputs.rules[0].resources).to.include("pods");
        const binding = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").find(
          (x) => x.inputs.metadata.name === "spark" && x.inputs.metadata.namespace === ns,
        )!;
        expect(binding.inputs.subjects).to.deep.equal([
          { kind: "ServiceAccount", name: "spark", namespace: ns },
        ]);
        expect(binding.inputs.roleRef.kind).to.equal("Role");
      }
      expect(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).to.be.empty;
    });
  }

  it("on AWS the spark service account holds no IRSA role (EKS Pod Identity associates it); on edge S3 keys come from a Secret", async () => {
    const aws = await run("aws-dev");
    const sa = ofType(aws, "kubernetes:core/v1:ServiceAccount").find(
      (x) => x.inputs.metadata.name === "spark",
    )!;
    expect(sa.inputs.metadata.annotations).to.equal(undefined);
    const edge = await run("edge");
    const keys = ofType(edge, "kubernetes:core/v1:Secret").find(
      (x) => x.inputs.metadata.name === "spark-s3",
    )!;
    expect(keys.inputs.stringData.AWS_ACCESS_KEY_ID).to.equal("edge-access-key");
  });

  it("the example applications' job files are the ones notebooks/spark ships", () => {
    const shipped = Object.keys(sparkJobFiles(SPARK_JOBS_DIR));
    for (const ex of Object.values(SPARK_EXAMPLES)) expect(shipped, ex.file).to.include(ex.file);
  });

  describe("example applications (with the data-path job files)", () => {
    before(() => {
      sparkJobsDir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-jobs-"));
      for (const ex of Object.values(SPARK_EXAMPLES)) {
        fs.writeFileSync(path.join(sparkJobsDir, ex.file), "print('job')\n");
      }
    });
    after(() => fs.rmSync(sparkJobsDir!, { recursive: true, force: true }));

    it("a batch and a streaming SparkApplication run the project's Spark image, built FROM the pinned apache/spark", async () => {
      const r = await run("spark-jobs");
      const apps = customResources(r, "SparkApplication");
      expect(apps.map((a) => a.inputs.metadata.name).sort()).to.deep.equal(
        Object.values(SPARK_EXAMPLES)
          .map((e) => e.name)
          .sort(),
      );
      for (const a of apps) {
        expect(a.inputs.apiVersion).to.equal("sparkoperator.k8s.io/v1beta2");
        expect(a.inputs.spec.image).to.equal(SPARK_IMAGE);
        expect(a.inputs.spec.sparkVersion).to.equal(SPARK_VERSION);
      }
      // The image the workflow builds from images/spark/Dockerfile; its runtime stage is the pinned base.
      const dockerfile = fs.readFileSync(path.join(__dirname, "..", "images", "spark", "Dockerfile"), "utf8");
      const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
      expect(`docker.io/${froms.at(-1)}`).to.equal(IMAGES.spark);
      expect(IMAGES.spark).to.match(new RegExp(`apache/spark:${SPARK_VERSION}$`));
    });

    it("the examples write to the database with the app role from a Secret and log events to the object store", async () => {
      const r = await run("spark-jobs");
      for (const a of customResources(r, "SparkApplication")) {
        const ns = a.inputs.metadata.namespace;
        const conf = a.inputs.spec.sparkConf;
        expect(conf["spark.eventLog.enabled"]).to.equal("true");
        // On AWS the tenant's prefix is named by its namespace: the Pod Identity policy's session tag.
        expect(conf["spark.eventLog.dir"]).to.equal(`s3a://dv-spark/tenants/${ns}/event-logs`);
        expect(conf["spark.hadoop.fs.s3a.aws.credentials.provider"]).to.equal(
          "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider",
        );
        for (const role of [a.inputs.spec.driver, a.inputs.spec.executor]) {
          expect(role.serviceAccount).to.equal("spark");
          const secretName = role.envFrom[0].secretRef.name;
          const secret = ofType(r, "kubernetes:core/v1:Secret").find(
            (x) => x.inputs.metadata.name === secretName && x.inputs.metadata.namespace === ns,
          )!;
          expect(secret.inputs.stringData.PGUSER).to.equal(DATABASE_ROLES.app);
          expect(secret.inputs.stringData.PGSSLMODE).to.equal("verify-full");
          expect(role.securityContext.runAsNonRoot).to.be.true;
          expect(role.coreLimit).to.be.a("string");
          expect(role.memory).to.be.a("string");
        }
      }
      const streaming = customResources(r, "SparkApplication").find((a) =>
        a.inputs.metadata.name.includes("streaming"),
      )!;
      expect(streaming.inputs.spec.sparkConf["spark.sql.streaming.checkpointLocation"]).to.match(
        /^s3a:\/\/dv-spark\//,
      );
    });

    it("each example's driver first creates its event-log directory, so Spark does not refuse to start", async () => {
      const r = await run("spark-jobs");
      for (const a of customResources(r, "SparkApplication")) {
        const init = a.inputs.spec.driver.initContainers;
        expect(init, a.inputs.metadata.name).to.have.lengthOf(1);
        const [c] = init;
        expect(c.image).to.equal(a.inputs.spec.image);
        expect(c.command.at(-1)).to.equal(a.inputs.spec.sparkConf["spark.eventLog.dir"]);
        expect(c.command.at(-2)).to.equal("/opt/spark/work-dir/jobs/ensure_event_log_dir.py");
        expect(c.command).to.include("spark.eventLog.enabled=false");
        expect(c.envFrom).to.deep.equal(a.inputs.spec.driver.envFrom);
        expect(c.securityContext.allowPrivilegeEscalation).to.equal(false);
        expect(c.resources.limits.memory).to.be.a("string");
      }
    });

    it("the examples' inputs come from the datasets bucket, as the job files expect", async () => {
      const r = await run("spark-jobs");
      const apps = customResources(r, "SparkApplication");
      const batch = apps.find((a) => a.inputs.metadata.name === SPARK_EXAMPLES.batch.name)!;
      expect(batch.inputs.spec.arguments).to.deep.equal(["--input", "s3a://dv-datasets/raw"]);
      for (const a of apps) {
        expect(a.inputs.spec.driver.env).to.deep.include({ name: "DATASETS_BUCKET", value: "dv-datasets" });
      }
    });

    it("no Spark process downloads jars when it starts: no spark.jars.packages or ivy anywhere", async () => {
      const r = await run("spark-jobs");
      const job = ofType(r, "kubernetes:batch/v1:Job").find((j) =>
        j.name.startsWith("spark-stage-sample-data"),
      )!;
      const commands = [
        ...customResources(r, "SparkApplication").flatMap((a) => [
          ...Object.keys(a.inputs.spec.sparkConf),
          ...a.inputs.spec.driver.initContainers.flatMap((c: any) => c.command),
        ]),
        ...job.inputs.spec.template.spec.containers[0].command,
      ];
      expect(commands.filter((x: string) => /spark\.jars\.(packages|ivy|repositories)|--packages/.test(x))).to
        .be.empty;
    });

    it("no example is resubmitted forever: OnFailure with bounded retries and intervals, streaming ends by itself", async () => {
      const r = await run("spark-jobs");
      for (const a of customResources(r, "SparkApplication")) {
        const p = a.inputs.spec.restartPolicy;
        expect(p.type, a.inputs.metadata.name).to.equal("OnFailure");
        for (const k of ["onFailureRetries", "onSubmissionFailureRetries"]) {
          expect(p[k], `${a.inputs.metadata.name} ${k}`).to.be.within(1, 5);
        }
        for (const k of ["onFailureRetryInterval", "onSubmissionFailureRetryInterval"]) {
          expect(p[k], `${a.inputs.metadata.name} ${k}`).to.be.at.least(30);
        }
      }
      const streaming = customResources(r, "SparkApplication").find(
        (a) => a.inputs.metadata.name === SPARK_EXAMPLES.streaming.name,
      )!;
      expect(streaming.inputs.spec.arguments).to.include("--stop-at-end");
    });

    it("a Job stages the image's sample data into raw/ of the datasets bucket before the examples start", async () => {
      const r = await run("spark-jobs");
      const jobs = ofType(r, "kubernetes:batch/v1:Job").filter((j) =>
        j.name.startsWith("spark-stage-sample-data"),
      );
      expect(jobs).to.have.lengthOf(1);
      const [job] = jobs;
      const pod = job.inputs.spec.template.spec;
      const [c] = pod.containers;
      expect(c.image).to.equal(SPARK_IMAGE);
      expect(c.command.slice(-3)).to.deep.equal([
        "/opt/spark/work-dir/jobs/stage_sample_data.py",
        SAMPLE_DATA_DIR,
        "s3a://dv-datasets/raw",
      ]);
      expect(pod.serviceAccountName).to.equal("sample-data");
      expect(job.inputs.metadata.namespace).to.equal("spark-operator");
      expect(pod.restartPolicy).to.equal("Never");
      expect(job.inputs.spec.backoffLimit).to.be.within(1, 5);
      const batch = customResources(r, "SparkApplication").find(
        (a) => a.inputs.metadata.name === SPARK_EXAMPLES.batch.name,
      )!;
      expect(batch.inputs.spec.arguments).to.deep.equal(["--input", c.command.at(-1)]);
      for (const a of customResources(r, "SparkApplication")) {
        expect(a.dependencies, a.inputs.metadata.name).to.include(job.urn);
      }
    });

    it("the job files are mounted from a ConfigMap built from notebooks/spark", async () => {
      const r = await run("spark-jobs");
      const cm = ofType(r, "kubernetes:core/v1:ConfigMap").find(
        (x) => x.inputs.metadata.name === "spark-jobs",
      )!;
      expect(Object.keys(cm.inputs.data).sort()).to.deep.equal([
        "batch_etl.py",
        "ensure_event_log_dir.py",
        "streaming_flights.py",
      ]);
      for (const a of customResources(r, "SparkApplication")) {
        const file = a.inputs.spec.mainApplicationFile.split("/").pop();
        expect(cm.inputs.data).to.have.property(file);
      }
    });
  });
});

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

describe("platform services: Headlamp deployment UI", () => {
  it("Headlamp gets no cluster rights of its own", async () => {
    for (const kind of TARGETS) {
      const r = await run(kind);
      expect(values(r, "headlamp").clusterRoleBinding.create).to.be.false;
      expect(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).to.be.empty;
      expect(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).to.be.empty;
    }
  });

  it("an engineer may deploy into the tenants they own and nothing else", async () => {
    const r = await run("aws-dev");
    const bindings = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter(
      (b) => b.inputs.roleRef.name === DEPLOYER_ROLE,
    );
    for (const t of r.settings.tenants) {
      for (const owner of r.settings.tenants.flatMap((x) => x.owners)) {
        const sa = engineerAccountName(owner);
        const has = bindings.some(
          (b) =>
            b.inputs.metadata.namespace === `tenant-${t.name}` &&
            b.inputs.subjects.some((s: any) => s.kind === "ServiceAccount" && s.name === sa) &&
            b.inputs.subjects.some((s: any) => s.kind === "User" && s.name === owner),
        );
        expect(has, `${owner} in ${t.name}`).to.equal(t.owners.includes(owner));
      }
    }
    // The deployer role edits workloads; never RBAC, quotas or network policy.
    const role = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:Role").find(
      (x) => x.inputs.metadata.name === DEPLOYER_ROLE,
    )!;
    const writes = role.inputs.rules.filter((x: any) =>
      x.verbs.some((v: string) => ["create", "update", "patch", "delete"].includes(v)),
    );
    const written = writes.flatMap((x: any) => x.resources);
    expect(written).to.include.members(["deployments", "jobs", "services", "sparkapplications"]);
    expect(written).to.not.include.members(["roles"]);
    for (const forbidden of [
      "roles",
      "rolebindings",
      "resourcequotas",
      "limitranges",
      "networkpolicies",
      "namespaces",
    ]) {
      expect(written).to.not.include(forbidden);
    }
    expect(role.inputs.rules.flatMap((x: any) => x.apiGroups)).to.not.include("rbac.authorization.k8s.io");
  });

  it("Headlamp signs in with OIDC where the identity provider speaks it (Google), with tokens otherwise", async () => {
    const googleRun = await run("google");
    const google = values(googleRun, "headlamp").config.oidc;
    const secret = googleRun.resources.find(
      (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "headlamp-oidc",
    );
    expect(secret?.inputs.stringData.OIDC_ISSUER_URL).to.equal("https://accounts.google.com");
    expect(google.callbackURL).to.equal("https://headlamp.dev.datavis.example.org/oidc-callback");
    expect(google.externalSecret).to.deep.equal({ enabled: true, name: "headlamp-oidc", hasScopes: true });
    expect(values(await run("aws-dev"), "headlamp").config.oidc).to.be.undefined; // GitHub OAuth is not OIDC
    expect(values(await run("edge"), "headlamp").config.oidc).to.be.undefined;
  });

  it("Headlamp's OIDC client secret is read from a Kubernetes Secret, never written into the chart values", async () => {
    const r = await run("google");
    const release = r.resources.find(
      (x) => x.type === "kubernetes:helm.sh/v3:Release" && x.name === "headlamp",
    )!;
    const secret = r.resources.find(
      (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "headlamp-oidc",
    )!;
    const clientSecret: string = secret.inputs.stringData.OIDC_CLIENT_SECRET;
    expect(clientSecret).to.be.a("string").and.not.be.empty;
    // The Helm release's values land in Pulumi state and in Helm's release Secret in plain text.
    expect(JSON.stringify(release.inputs.values)).to.not.include(clientSecret);
    expect(JSON.stringify(release.inputs.values)).to.not.match(/clientSecret/);
    expect(Object.keys(secret.inputs.stringData).sort()).to.deep.equal([
      "OIDC_CALLBACK_URL",
      "OIDC_CLIENT_ID",
      "OIDC_CLIENT_SECRET",
      "OIDC_ISSUER_URL",
      "OIDC_SCOPES",
      "OIDC_USE_PKCE",
    ]);
  });
});

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

describe("platform services: the policy pack", () => {
  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`the services raise no mandatory policy violation (${kind})`, async () => {
      const r = await run(kind);
      const violations = await evaluatePolicies({
        project: "datavis",
        stack: r.settings.stack,
        config: r.settings,
        resources: r.resources,
        outputs: {},
      });
      const mandatory = violations.filter((v) => v.level === "mandatory");
      expect(mandatory.map((v) => `${v.policy} ${v.resource}: ${v.message}`)).to.deep.equal([]);
    });
  }
});

describe("platform services in the stacks (npm run plan)", () => {
  for (const stack of ["dev", "edge"]) {
    it(`the ${stack} plan runs the services with every Helm release pinned and nothing retired`, async () => {
      const r = await runStack(stack);
      expect(harnessOfType(r, "datavis:platform:PlatformServices")).to.have.lengthOf(1);
      const names = [...harnessReleases(r).keys()];
      expect(names).to.include.members([
        "cert-manager",
        "kube-prometheus-stack",
        "grafana",
        "headlamp",
        "spark-operator",
      ]);
      for (const rel of harnessReleases(r).values()) {
        expect(rel.inputs.version, String(rel.inputs.name)).to.be.a("string").and.not.be.empty;
      }
      expect(JSON.stringify(r.resources).toLowerCase()).to.not.match(/ingress-nginx|kubernetes-dashboard/);
    });

    it(`the ${stack} stack outputs the Grafana and Headlamp endpoints`, async () => {
      const r = await runStack(stack);
      const text = JSON.stringify(r.outputs);
      expect(text).to.include(`https://grafana.${r.config.domain}`);
      expect(text).to.include(`https://headlamp.${r.config.domain}`);
    });
  }
});
