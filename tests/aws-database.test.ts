import { X509Certificate } from "crypto";
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { rdsCaBundle } from "../components/aws/rds";
import { databaseInput } from "../stacks/aws";
import { ofType, one, runStack } from "./harness";

const RDS = "aws:rds/instance:Instance";

describe("aws database (dev)", () => {
  it("dev database keeps 7 days of point-in-time recovery and can be torn down without a snapshot", async () => {
    const db = one(await runStack("dev"), RDS);
    expect(db.inputs).to.include({
      backupRetentionPeriod: 7,
      multiAz: false,
      deletionProtection: false,
      skipFinalSnapshot: true,
      instanceClass: "db.t4g.micro",
    });
    expect(db.protect).to.equal(false);
  });

  it("PostgreSQL 17 in the database subnets, never publicly accessible", async () => {
    const run = await runStack("dev");
    const db = one(run, RDS).inputs;
    expect(db.engine).to.equal("postgres");
    expect(db.engineVersion).to.equal("17");
    expect(db.publiclyAccessible).to.equal(false);
    const subnets = one(run, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds;
    const databaseSubnets = ofType(run, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-database-"));
    expect(subnets).to.have.lengthOf(3);
    expect(databaseSubnets).to.have.lengthOf(3);
  });

  it("the database admits only the cluster's nodes on 5432 and opens nothing outward", async () => {
    const run = await runStack("dev");
    const sg = one(run, "aws:ec2/securityGroup:SecurityGroup", "database-db").inputs;
    expect(sg.ingress).to.have.lengthOf(1);
    expect(sg.ingress[0]).to.include({ protocol: "tcp", fromPort: 5432, toPort: 5432 });
    expect(sg.ingress[0].cidrBlocks ?? []).to.be.empty;
    expect(sg.ingress[0].securityGroups).to.have.lengthOf(1);
    expect(sg.ingress[0].securityGroups[0]).to.match(/^sg-/);
    expect(sg.egress).to.deep.equal([]);
  });

  it("TLS is forced: rds.force_ssl=1 in the instance's postgres17 parameter group", async () => {
    const run = await runStack("dev");
    const pg = one(run, "aws:rds/parameterGroup:ParameterGroup").inputs;
    expect(pg.family).to.equal("postgres17");
    expect(pg.parameters).to.deep.include({ name: "rds.force_ssl", value: "1" });
    const db = one(run, RDS);
    expect(db.dependencies.some((u) => u.endsWith("::database-pg17"))).to.equal(true);
  });

  it("storage and Performance Insights are encrypted with the database's own KMS key", async () => {
    const run = await runStack("dev");
    const db = one(run, RDS).inputs;
    expect(db.storageEncrypted).to.equal(true);
    expect(db.kmsKeyId).to.contain("database-rds");
    expect(db.performanceInsightsEnabled).to.equal(true);
    expect(db.performanceInsightsKmsKeyId).to.equal(db.kmsKeyId);
  });

  it("the admin password is generated and shown only as [secret] in the plan", async () => {
    const run = await runStack("dev");
    expect(
      one(run, "random:index/randomPassword:RandomPassword", "database-admin").inputs.length,
    ).to.be.at.least(32);
    const db = one(run, RDS);
    expect(db.displayInputs.password).to.equal("[secret]");
    expect(db.inputs.password).to.be.a("string").with.length.greaterThan(20);
  });

  it("the platform gets admin credentials and verifies the server against the region's RDS root CAs", async () => {
    const input = databaseInput(
      {
        address: pulumi.output("db.example.internal"),
        port: pulumi.output(5432),
        databaseName: "datavis",
        adminUser: "datavis_admin",
        adminPassword: pulumi.secret("x"),
      },
      "us-east-1",
    );
    expect(input.sslMode).to.equal("verify-full");
    expect(input.adminUser).to.equal("datavis_admin");
    const pems = String(input.caCertificate).match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    )!;
    expect(pems.length).to.be.at.least(1);
    for (const pem of pems)
      expect(new X509Certificate(pem).subject).to.contain("CN=Amazon RDS us-east-1 Root CA");
  });

  it("a region without a known RDS CA is an error, not a silently unverified connection", () => {
    expect(() => rdsCaBundle("xx-nowhere-9")).to.throw(/xx-nowhere-9/);
  });
});

describe("aws database (prod)", () => {
  it("prod database is Multi-AZ with 14-day PITR and cannot be deleted", async () => {
    const db = one(await runStack("prod"), RDS);
    expect(db.inputs).to.include({
      multiAz: true,
      backupRetentionPeriod: 14,
      deletionProtection: true,
      skipFinalSnapshot: false,
      deleteAutomatedBackups: false,
    });
    expect(db.inputs.finalSnapshotIdentifier).to.match(/final$/);
    expect(db.protect).to.equal(true);
    expect(db.retainOnDelete).to.equal(true);
  });

  it("prod's database key is protected and waits 30 days before deletion", async () => {
    const key = one(await runStack("prod"), "aws:kms/key:Key", "database-rds");
    expect(key.protect).to.equal(true);
    expect(key.inputs.deletionWindowInDays).to.equal(30);
  });
});

describe("aws database: a major PostgreSQL upgrade of prod", () => {
  async function prodDatabase(engineMajorVersion: string) {
    const { PostgresRds } = await import("../components/aws/rds");
    const { recordProgram } = await import("../tools/plan/offline");
    const { mockCall, mockResource } = await import("../tools/plan/mock-outputs");
    const { parseConfig } = await import("../stacks/config");
    const { readRawConfig } = await import("../tools/plan/offline");
    const cfg = parseConfig(readRawConfig({ stack: "prod" }), "prod");
    const { resources } = await recordProgram(
      () =>
        new PostgresRds("database", {
          identifier: "datavis-prod",
          vpcId: "vpc-1",
          subnetIds: ["subnet-1", "subnet-2"],
          clientSecurityGroupId: "sg-nodes",
          instanceClass: "db.t4g.small",
          allocatedStorageGb: 20,
          backupRetentionDays: 14,
          production: true,
          databaseName: "datavis",
          adminUser: "datavis_admin",
          engineMajorVersion,
        }),
      { stack: "prod", mocks: { newResource: (a) => mockResource(a, cfg), call: (a) => mockCall(a, cfg) } },
    );
    return resources;
  }

  it("17 -> 18 is a plan RDS accepts: a new parameter group first, the upgrade allowed, the old group removed after", async () => {
    const before = await prodDatabase("17");
    const after = await prodDatabase("18");
    const groups = (rs: typeof before) =>
      rs.filter((r) => r.type === "aws:rds/parameterGroup:ParameterGroup");
    const instance = (rs: typeof before) => rs.find((r) => r.type === "aws:rds/instance:Instance")!;
    // A new group of the new family (a new resource: Pulumi creates it before updating what uses it) ...
    expect(groups(after).map((g) => g.inputs.family)).to.deep.equal(["postgres18"]);
    expect(groups(after)[0].name).to.not.equal(groups(before)[0].name);
    // ... the instance is updated in place (same resource, never replaced), moved to it with the upgrade allowed
    expect(instance(after).name).to.equal(instance(before).name);
    expect(instance(after).inputs).to.include({
      engineVersion: "18",
      allowMajorVersionUpgrade: true,
      applyImmediately: true,
    });
    expect(instance(after).dependencies).to.include(groups(after)[0].urn);
    // ... and the old group, no longer in the program, is deleted at the end: it must not be protected.
    expect(groups(before)[0].protect).to.equal(false);
    expect(groups(before)[0].retainOnDelete).to.equal(false);
  });
});
