/**
 * The edge stack's in-cluster database: PostgreSQL through CloudNativePG on arm64 images, its operator's
 * values against the chart schema, size, storage and passwords, the prod replica and disruption budget,
 * and backups to the object store through the Barman Cloud plugin.
 */
import { expect } from "chai";
import { ofType, one, releases, releaseValues, runStack } from "./harness";
import { chartValuesErrors } from "./lib/chart-values";
import { IMAGES } from "../components/versions";
import { ARM64_IMAGES } from "../policies/arm64-images";
import { imagesIn } from "./lib/edge-images";

describe("edge stack: in-cluster database and object store on an existing cluster", () => {
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
});
