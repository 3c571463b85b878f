import { expect } from "chai";
import { configError, runStack, type ProgramRun } from "./harness";

/** Resources whose loss loses data or history. */
const STATEFUL = [
  "aws:rds/instance:Instance",
  "aws:s3/bucket:Bucket",
  "aws:kms/key:Key",
  "aws:cloudwatch/logGroup:LogGroup",
];

function stateful(run: ProgramRun) {
  return run.resources.filter((r) => STATEFUL.includes(r.type));
}

describe("aws stack: protection", () => {
  it("prod protects every stateful resource (database, buckets, keys, log groups) from deletion", async () => {
    const all = stateful(await runStack("prod"));
    expect(all.length).to.be.at.least(9);
    for (const r of all) {
      expect(r.protect, `${r.type} ${r.name}`).to.equal(true);
      expect(r.retainOnDelete, `${r.type} ${r.name}`).to.equal(true);
    }
  });

  it("dev protects nothing, so a class can tear it down at the end of term", async () => {
    for (const r of stateful(await runStack("dev"))) expect(r.protect, `${r.type} ${r.name}`).to.equal(false);
  });
});

describe("aws stack: outputs", () => {
  it("outputs the cluster name, database endpoint, bucket names and the platform URLs", async () => {
    const out = (await runStack("dev")).outputs;
    // The harness hands back stack outputs resolved to plain values.
    expect(out.clusterName).to.equal("datavis-dev");
    expect(out.databaseEndpoint).to.match(/\.rds\.amazonaws\.com:5432$/);
    const buckets = out.buckets as Record<string, string>;
    expect(Object.keys(buckets)).to.have.members(["notebooks", "datasets", "spark"]);
    expect(out.hubUrl).to.equal("https://hub.dev.datavis.example.org");
    expect(out.grafanaUrl).to.equal("https://grafana.dev.datavis.example.org");
    expect(out.headlampUrl).to.equal("https://headlamp.dev.datavis.example.org");
  });

  it("the kubeconfig is a secret: the plan shows it only as [secret]", async () => {
    const run = await runStack("dev");
    const provider = run.resources.find(
      (r) => r.type === "pulumi:providers:kubernetes" && r.name === "cluster-k8s",
    )!;
    expect(provider.displayInputs.kubeconfig).to.equal("[secret]");
    expect(JSON.parse(String(run.outputs.kubeconfig)).clusters[0].name).to.equal("datavis-dev");
  });
});

describe("aws stack: config errors stop the plan before anything is registered", () => {
  it("a VPC too small for three tiers of subnets is refused, naming vpcCidr", async () => {
    const err = await configError("dev", { vpcCidr: "10.0.0.0/24" });
    expect(err.key).to.equal("datavis:vpcCidr");
    expect(err.message).to.contain("/20");
  });

  it("a VPC CIDR with host bits set is refused with the network address to use", async () => {
    const err = await configError("dev", { vpcCidr: "10.0.1.0/16" });
    expect(err.key).to.equal("datavis:vpcCidr");
    expect(err.message).to.contain("10.0.0.0/16");
  });

  it("an unknown instance type is refused, naming the key and the family", async () => {
    const err = await configError("dev", { notebookInstanceTypes: '["m6i.large","z9.large"]' });
    expect(err.key).to.equal("datavis:notebookInstanceTypes");
    expect(err.message).to.contain('"z9"');
  });

  it("an unknown database class is refused", async () => {
    const err = await configError("dev", { dbInstanceClass: "db.t4g.enormous" });
    expect(err.key).to.equal("datavis:dbInstanceClass");
  });

  it("opening the Kubernetes API to 0.0.0.0/0 is refused", async () => {
    const err = await configError("dev", { apiAllowedCidrs: '["0.0.0.0/0"]' });
    expect(err.key).to.equal("datavis:apiAllowedCidrs");
    expect(err.message).to.contain("whole internet");
  });

  it("a documentation or private range in apiAllowedCidrs is refused: the EKS API would be unreachable from where pulumi up runs", async () => {
    for (const cidr of ["203.0.113.0/24", "198.51.100.7/32", "192.168.1.0/24", "10.0.0.0/8"]) {
      const err = await configError("dev", { apiAllowedCidrs: JSON.stringify([cidr]) });
      expect(err.key, cidr).to.equal("datavis:apiAllowedCidrs");
      expect(err.message, cidr).to.contain(cidr).and.contain("checkip.amazonaws.com");
    }
  });

  it("a cluster admin in an AWS documentation example account (123456789012) is refused with the fix", async () => {
    const err = await configError("prod", {
      clusterAdminArns: '["arn:aws:iam::123456789012:role/platform-admins"]',
    });
    expect(err.key).to.equal("datavis:clusterAdminArns");
    expect(err.message).to.contain("123456789012").and.contain("aws sts get-caller-identity");
  });

  it("the shipped dev and prod stacks name no documentation range and no placeholder account", async () => {
    for (const stack of ["dev", "prod"]) {
      const run = await runStack(stack);
      expect(run.config.aws!.apiAllowedCidrs, stack).to.deep.equal([]);
      expect(run.config.aws!.clusterAdminArns, stack).to.deep.equal([]);
    }
  });

  it("prod refuses a point-in-time recovery window under 14 days", async () => {
    const err = await configError("prod", { dbBackupRetentionDays: "7" });
    expect(err.key).to.equal("datavis:dbBackupRetentionDays");
  });

  it("a single AZ is refused: RDS and the load balancers need two", async () => {
    const err = await configError("dev", { azCount: "1" });
    expect(err.key).to.equal("datavis:azCount");
  });
});
