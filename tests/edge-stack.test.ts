import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { configError, ofType, one, releases, releaseValues, runStack, type ProgramRun } from "./harness";
import { chartValuesErrors } from "./lib/chart-values";
import { IMAGES } from "../components/versions";
import { ARM64_IMAGES } from "../policies/arm64-images";
import { artifactSource, clusterInput, tlsIssuer } from "../stacks/edge";
import { parseConfig } from "../stacks/config";
import chartKeys from "./edge-chart-keys.json";

const AIR_GAP = {
  airGapped: "true",
  registryMirror: "registry.lab.local:5000",
  chartsDir: "/srv/bundle/charts",
  notebookPackageIndex: "http://pypi.lab.internal:3141/root/pypi/+simple/",
};

/** Resources created by the edge components (database, object store, backups), not the platform layer. */
function edgeComponentResources(run: ProgramRun) {
  const roots = new Set(["object-store", "database", "database-backups"]);
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const underRoot = (r: (typeof run.resources)[number]): boolean => {
    for (let p = r.parentUrn; p; p = byUrn.get(p)?.parentUrn) {
      if (roots.has(byUrn.get(p)?.name ?? "")) return true;
    }
    return false;
  };
  return run.resources.filter((r) => r.custom && underRoot(r));
}

/** Every value under a key named image/imageName/repository (+tag), as a full reference. */
function imagesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => imagesIn(v, out));
  else if (value && typeof value === "object") {
    const o = value as Record<string, any>;
    for (const [k, v] of Object.entries(o)) {
      if (k === "imageName" && typeof v === "string") out.push(v);
      else if ((k === "image" || k === "sidecarImage") && v && typeof v === "object" && v.repository) {
        out.push(`${v.registry ? `${v.registry}/` : ""}${v.repository}:${v.tag}`);
      } else imagesIn(v, out);
    }
  }
  return out;
}

/** Dotted paths of the leaves (and list-valued keys) of a values object. */
function leafPaths(v: unknown, prefix = ""): string[] {
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
    return Object.entries(v).flatMap(([k, x]) => leafPaths(x, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

/** Keys set in `values` that the chart's values.yaml does not have (free-form maps accept anything). */
function unknownKeys(values: unknown, chart: keyof typeof chartKeys): string[] {
  const spec = chartKeys[chart] as { keys: string[]; freeFormMaps: string[]; documentedInComments: string[] };
  const known = new Set([...spec.keys, ...spec.documentedInComments]);
  return leafPaths(values).filter((p) => {
    if (known.has(p)) return false;
    const parts = p.split(".");
    for (let i = parts.length - 1; i > 0; i--) {
      const prefix = parts.slice(0, i).join(".");
      if (spec.freeFormMaps.includes(prefix)) return false;
    }
    return true;
  });
}

describe("edge stack: in-cluster database and object store on an existing cluster", () => {
  it("the edge plan registers no AWS resource and every Kubernetes resource goes to the edge cluster", async () => {
    const run = await runStack("edge");
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).to.be.empty;
    const provider = one(run, "pulumi:providers:kubernetes");
    for (const r of edgeComponentResources(run).filter((x) => x.type.startsWith("kubernetes:"))) {
      expect(r.provider, `${r.type} ${r.name}`).to.match(new RegExp(`^${escape(provider.urn)}::`));
    }
  });

  it("PostgreSQL runs in-cluster through CloudNativePG with arm64 images", async () => {
    const run = await runStack("edge");
    const operator = releases(run).get("cnpg")!;
    expect(operator.inputs.chart).to.equal("cloudnative-pg");
    expect(operator.inputs.version).to.equal("0.29.0");
    const cluster = one(run, "kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(cluster.inputs.spec.imageName).to.equal(IMAGES.cnpgPostgres);
    const arm64 = new Set(ARM64_IMAGES.map((i) => i.image));
    const images = [...imagesIn(releaseValues(run, "cnpg")), ...imagesIn(cluster.inputs.spec)];
    expect(images).to.have.length.greaterThan(1);
    for (const image of images) {
      expect(image, "pinned tag").to.match(/:[0-9v][^:]*$/);
      expect(arm64.has(image.split("/").slice(1).join("/")), `${image} is on the arm64 list`).to.equal(true);
    }
  });

  it("the CloudNativePG operator's values pass the cloudnative-pg 0.29.0 values schema", async () => {
    const run = await runStack("edge");
    expect(chartValuesErrors("cloudnativePg", releaseValues(run, "cnpg"))).to.deep.equal([]);
  });

  it("PostgreSQL is small, on the configured StorageClass, and uses generated passwords", async () => {
    const run = await runStack("edge", { storageClass: "longhorn" });
    const spec = one(run, "kubernetes:postgresql.cnpg.io/v1:Cluster").inputs.spec;
    expect(spec.storage.storageClass).to.equal("longhorn");
    expect(spec.resources.requests).to.deep.equal({ cpu: "100m", memory: "192Mi" });
    expect(spec.instances).to.equal(1);
    expect(spec.bootstrap.initdb).to.include({ database: "platform", owner: "platform" });
    const secrets = ofType(run, "kubernetes:core/v1:Secret").filter((s) => s.name.startsWith("database-"));
    const superuser = secrets.find((s) => s.inputs.metadata.name === spec.superuserSecret.name)!;
    expect(superuser.inputs.type).to.equal("kubernetes.io/basic-auth");
    expect(superuser.inputs.stringData.username).to.equal("postgres");
    expect(
      one(run, "random:index/randomPassword:RandomPassword", "database-superuser-password").inputs,
    ).to.include({
      length: 32,
      special: false,
    });
    expect(superuser.displayInputs.stringData).to.equal("[secret]");
    expect(ofType(run, "random:index/randomPassword:RandomPassword").map((r) => r.name)).to.include.members([
      "database-superuser-password",
      "database-owner-password",
    ]);
  });

  it("prod runs a streaming replica and keeps a PodDisruptionBudget", async () => {
    const run = await runStack("edge", { environment: "prod" });
    const spec = one(run, "kubernetes:postgresql.cnpg.io/v1:Cluster").inputs.spec;
    expect(spec.instances).to.equal(2);
    expect(spec.enablePDB).to.equal(true);
  });

  it("PostgreSQL is backed up to the object store through the Barman Cloud plugin, not the deprecated in-tree store", async () => {
    const run = await runStack("edge");
    const cluster = one(run, "kubernetes:postgresql.cnpg.io/v1:Cluster").inputs;
    expect(cluster.spec.backup?.barmanObjectStore).to.equal(undefined);
    const patch = one(run, "kubernetes:postgresql.cnpg.io/v1:ClusterPatch").inputs;
    expect(patch.metadata).to.deep.equal(cluster.metadata);
    expect(patch.spec.plugins).to.deep.equal([
      {
        name: "barman-cloud.cloudnative-pg.io",
        isWALArchiver: true,
        parameters: { barmanObjectName: "platform-db-backups" },
      },
    ]);
    const store = one(run, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore").inputs;
    expect(store.metadata.name).to.equal("platform-db-backups");
    expect(store.spec.configuration.destinationPath).to.equal("s3://backups/backups/postgres");
    expect(store.spec.configuration.endpointURL).to.equal(
      "http://seaweedfs-all-in-one.object-store.svc:8333",
    );
    expect(store.spec.retentionPolicy).to.equal("7d");
    expect(store.spec.instanceSidecarConfiguration.resources.requests).to.have.keys("cpu", "memory");
    const creds = ofType(run, "kubernetes:core/v1:Secret").find(
      (s) => s.inputs.metadata.name === store.spec.configuration.s3Credentials.accessKeyId.name,
    )!;
    // The database backups' own keys, which SeaweedFS accepts on the backups bucket alone.
    const s3Config = ofType(run, "kubernetes:core/v1:Secret").find(
      (s) => s.name === "object-store-s3-config",
    )!;
    const backupIdentity = JSON.parse(s3Config.inputs.stringData.seaweedfs_s3_config).identities.find(
      (i: any) => i.name === "database-backup",
    );
    expect(backupIdentity.actions).to.deep.equal(["Admin:backups"]);
    const identity = backupIdentity.credentials[0];
    expect(creds.inputs.stringData).to.deep.equal({
      ACCESS_KEY_ID: identity.accessKey,
      ACCESS_SECRET_KEY: identity.secretKey,
    });
    const nightly = one(run, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup").inputs.spec;
    expect(nightly).to.include({ method: "plugin", backupOwnerReference: "self" });
    expect(nightly.pluginConfiguration).to.deep.equal({ name: "barman-cloud.cloudnative-pg.io" });
  });

  it("the backup plugin is installed after the platform, whose cert-manager issues its certificates", async () => {
    const run = await runStack("edge");
    const platform = one(run, "datavis:platform:Platform");
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const underPlatform = run.resources.filter((r) => {
      for (let p = r.parentUrn; p; p = byUrn.get(p)?.parentUrn) if (p === platform.urn) return r.custom;
      return false;
    });
    expect(underPlatform.map((r) => r.name)).to.include("jupyterhub");
    const plugin = run.resources.find((r) => r.name === "database-backups-plugin")!;
    expect(plugin.dependencies).to.include.members(underPlatform.map((r) => r.urn));
    // ...and beside the operator, in the namespace the database component creates.
    const operator = run.resources.find((r) => r.name === "database-operator")!;
    const operatorNs = run.resources.find((r) => r.name === "database-operator-ns")!;
    expect(plugin.dependencies).to.include.members([operator.urn, operatorNs.urn]);
    expect(plugin.inputs.namespace).to.equal(operatorNs.inputs.metadata.name);
    // The database itself does not wait for the platform (the platform's bootstrap needs it).
    const cluster = one(run, "kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(cluster.dependencies.filter((d) => underPlatform.some((r) => r.urn === d))).to.be.empty;
  });

  it("SeaweedFS serves S3 with authentication, generated keys and the platform's buckets", async () => {
    const run = await runStack("edge");
    const release = releases(run).get("seaweedfs")!;
    expect(release.inputs).to.include({ chart: "seaweedfs", version: "4.44.0" });
    const v = releaseValues(run, "seaweedfs");
    expect(v.allInOne.enabled).to.equal(true);
    expect(v.allInOne.s3).to.include({ enabled: true, enableAuth: true });
    expect(v.allInOne.data).to.deep.equal({
      type: "persistentVolumeClaim",
      storageClass: "local-path",
      size: "20Gi",
    });
    expect(v.allInOne.s3.createBuckets.map((b: any) => b.name)).to.deep.equal([
      "notebooks",
      "datasets",
      "spark",
      "backups",
      "k3s-etcd-snapshots",
    ]);
    expect(v.allInOne.s3.createBuckets[0].versioning).to.equal("Enabled");
    const config = ofType(run, "kubernetes:core/v1:Secret").find(
      (s) => s.inputs.metadata.name === v.allInOne.s3.existingConfigSecret,
    )!;
    const identities = JSON.parse(config.inputs.stringData.seaweedfs_s3_config).identities;
    const accessKey = one(run, "random:index/randomString:RandomString", "object-store-access-key-id");
    // The platform's identity (every bucket but the database backups'), the backups' own, one per tenant,
    // the k3s servers' for etcd snapshot copies, the sample-data Job's (raw/ of the datasets), and one
    // upload-only home-backup writer per tenant (its attached policy; tests/tenancy/ proves it on SeaweedFS).
    expect(identities.map((i: any) => i.name)).to.deep.equal([
      "platform",
      "database-backup",
      "tenant-lab",
      "k3s-etcd-snapshots",
      "sample-data",
      "tenant-lab-backup-writer",
    ]);
    expect(identities[5].actions).to.equal(undefined);
    expect(identities[5].policyNames).to.deep.equal(["tenant-lab-backup-writer"]);
    expect(identities[4].actions).to.deep.equal([
      "Read:datasets/raw/*",
      "Write:datasets/raw/*",
      "List:datasets/raw/*",
    ]);
    expect(identities[0].credentials[0].accessKey).to.be.a("string").and.not.be.empty;
    expect(identities[0].actions).to.deep.equal(["Admin:notebooks", "Admin:datasets", "Admin:spark"]);
    const secretKey = one(
      run,
      "random:index/randomPassword:RandomPassword",
      "object-store-secret-access-key",
    );
    expect(secretKey.inputs).to.include({ length: 40, special: false });
    expect(config.displayInputs.stringData).to.equal("[secret]");
    expect(accessKey.inputs).to.include({ length: 20, special: false });
    expect(imagesIn(v)).to.deep.equal([IMAGES.seaweedfs]);
  });

  it("every SeaweedFS and Barman Cloud plugin value the stack sets exists in that chart version's values.yaml", async () => {
    const run = await runStack("edge");
    expect(unknownKeys(releaseValues(run, "seaweedfs"), "seaweedfs-4.44.0")).to.deep.equal([]);
    expect(unknownKeys(releaseValues(run, "barman-cloud"), "plugin-barman-cloud-0.7.0")).to.deep.equal([]);
    // The check itself rejects a misspelt key.
    expect(unknownKeys({ allInOne: { s3: { enableAuht: true } } }, "seaweedfs-4.44.0")).to.deep.equal([
      "allInOne.s3.enableAuht",
    ]);
  });

  it("air-gapped mode takes charts from the local folder and images from the mirror", async () => {
    const run = await runStack("edge", AIR_GAP);
    for (const [name, r] of releases(run)) {
      expect(r.inputs.repositoryOpts, `${name} repository`).to.equal(undefined);
      expect(r.inputs.chart, `${name} chart`).to.not.match(/^(https?|oci):\/\//);
    }
    const edgeReleases = ofType(run, "kubernetes:helm.sh/v3:Release").filter((r) =>
      ["cnpg", "seaweedfs", "barman-cloud"].includes(r.inputs.name),
    );
    expect(edgeReleases).to.have.lengthOf(3);
    for (const r of edgeReleases) {
      expect(r.inputs.chart).to.equal(`/srv/bundle/charts/${r.inputs.chart.split("/").pop()}`);
      expect(r.inputs.chart).to.match(new RegExp(`-${escape(r.inputs.version)}\\.tgz$`));
    }
    const images = edgeComponentResources(run).flatMap((r) => imagesIn(r.inputs));
    expect(images).to.have.length.greaterThanOrEqual(5);
    for (const image of images) expect(image).to.match(/^registry\.lab\.local:5000\//);
    expect(images).to.include("registry.lab.local:5000/cloudnative-pg/postgresql:18.3-standard-trixie");
    for (const r of edgeComponentResources(run)) {
      expect(JSON.stringify(r.inputs), `${r.type} ${r.name}`).to.not.match(/(ghcr|docker|quay)\.io/);
    }
  });

  it("airGapped without registryMirror is refused naming the key", async () => {
    const err = await configError("edge", { airGapped: "true" });
    expect(err.key).to.equal("datavis:registryMirror");
    expect(err.message).to.contain("airGapped");
  });

  it("the platform gets a private CA, Traefik, arm64 on Pis and both architectures on a custom cluster", () => {
    const cfg = (overrides: Record<string, string>) =>
      parseConfig(
        {
          values: { target: "edge", domain: "datavis.lab.local", kubeconfig: "kc", ...overrides },
          secretKeys: new Set(["kubeconfig"]),
        },
        "edge",
      );
    const provider = {} as k8s.Provider;
    const pi = cfg({});
    expect(tlsIssuer(pi)).to.deep.equal({ kind: "privateCa", commonName: "datavis.lab.local private CA" });
    expect(clusterInput(pi.edge!, provider)).to.deep.include({
      storageClass: "local-path",
      architectures: ["arm64"],
      installIngress: false,
      ingressClass: "traefik",
      nodePools: {},
      artifacts: {},
    });
    const privateCloud = cfg({
      edgeNodeModel: "custom",
      edgeNodeCpu: "16",
      edgeNodeMemoryGi: "64",
      storageClass: "ceph-rbd",
      installIngress: "true",
    });
    expect(clusterInput(privateCloud.edge!, provider)).to.deep.include({
      storageClass: "ceph-rbd",
      architectures: ["amd64", "arm64"],
      installIngress: true,
    });
    const airGapped = cfg(AIR_GAP);
    expect(artifactSource(airGapped.edge!)).to.deep.equal({
      localChartsDir: "/srv/bundle/charts",
      imageRegistry: "registry.lab.local:5000",
    });
    expect(clusterInput(airGapped.edge!, provider).artifacts).to.deep.equal({
      localChartsDir: "/srv/bundle/charts",
      imageRegistry: "registry.lab.local:5000",
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("edge: names and the private CA that browsers trust once", () => {
  it("the shipped site name is under .internal (reserved for private use), not .local (mDNS answers .local)", async () => {
    const run = await runStack("edge");
    expect(run.config.domain).to.match(/\.internal$/);
  });

  it("the private root CA keeps its key when it renews, so nobody has to re-trust it", async () => {
    const root = one(await runStack("edge"), "kubernetes:cert-manager.io/v1:Certificate", "private-ca-root");
    expect(root.inputs.spec.privateKey.rotationPolicy).to.equal("Never");
  });
});
