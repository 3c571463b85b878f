/**
 * The edge stack's in-cluster object store: SeaweedFS serving S3 with authentication, generated keys and
 * the platform's buckets, and every SeaweedFS and Barman Cloud plugin value the stack sets checked against
 * that chart version's values.yaml.
 */
import { expect } from "chai";
import { ofType, one, releases, releaseValues, runStack } from "./harness";
import { IMAGES } from "../components/versions";
import chartKeys from "./edge-chart-keys.json";
import { imagesIn } from "./lib/edge-images";

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
});
