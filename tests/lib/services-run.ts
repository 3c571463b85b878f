/**
 * Platform services (issue 5) under both targets' inputs, shared by the tests/platform-services-*.test.ts
 * files. The stacks may not compose the platform yet, so this is a small test-only composition:
 * PlatformServices constructed with AWS-like inputs (the dev and prod stacks' config, EKS-style cluster,
 * RDS with verify-full, S3 with IRSA, ACME) and edge-like inputs (the edge stack's config, k3s with its own
 * Traefik, in-cluster Postgres and an S3-compatible store with keys, a private CA), evaluated under the
 * Pulumi mock runtime. One evaluation per kind serves every file.
 */
import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig, type PlatformConfig } from "../../stacks/config";
import { platformSettings } from "../../stacks/platform-args";
import { readRawConfig } from "../../tools/plan/offline";
import { mockCall, mockResource } from "../../tools/plan/mock-outputs";
import type {
  ClusterInput,
  DatabaseInput,
  ObjectStoreInput,
  TlsIssuerInput,
} from "../../components/shared/inputs";
import { PlatformServices } from "../../components/platform/services";
import { DATABASE_ROLES } from "../../components/platform/services/database-roles";
import { SparkPlatform } from "../../components/platform/services/spark";
import type { RecordedResource } from "../../tools/plan/offline";

// ---------------------------------------------------------------------------------------------------
// Test-only composition under mocks

type Recorded = RecordedResource;

export interface ServicesRun {
  settings: PlatformConfig;
  resources: Recorded[];
  services?: PlatformServices;
}

export type Kind = "aws-dev" | "aws-prod" | "edge" | "google" | "spark-jobs";

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
/** The folder of job files the `spark-jobs` run mounts (set before its first evaluation). */
export function useSparkJobsDir(dir: string | undefined): void {
  sparkJobsDir = dir;
}

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
export function run(kind: Kind): Promise<ServicesRun> {
  let r = runs.get(kind);
  if (!r) {
    r = queue.then(() => evaluate(kind));
    queue = r.catch(() => undefined);
    runs.set(kind, r);
  }
  return r;
}

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const ofType = (r: ServicesRun, type: string) => r.resources.filter((x) => x.type === type);
export const releases = (r: ServicesRun) =>
  new Map(ofType(r, RELEASE).map((x) => [x.inputs.name as string, x]));
export function values(r: ServicesRun, release: string): any {
  const rel = releases(r).get(release);
  expect(rel, `release ${release}; have ${[...releases(r).keys()].join(", ")}`).to.exist;
  return rel!.inputs.values ?? {};
}
export const customResources = (r: ServicesRun, kind: string) =>
  r.resources.filter((x) => x.type.startsWith("kubernetes:") && x.inputs.kind === kind);
export const TARGETS: Kind[] = ["aws-dev", "edge"];
