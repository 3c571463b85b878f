/**
 * RDS rules of the policy pack. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { awsEksCluster, compliantBucket, eksCluster, IRSA_TRUST, postgres, TLS_ONLY } from "./fixtures/policies/aws";
import { violationsOf } from "./fixtures/policies/record";

describe("policy pack: RDS", () => {
  it("unencrypted storage is reported", () =>
    reported("rds-storage-encrypted", () => postgres({ storageEncrypted: false })));
  it("encrypted storage passes", () => quiet("rds-storage-encrypted", () => postgres()));

  it("a publicly accessible instance is reported", () =>
    reported("rds-not-publicly-accessible", () => postgres({ publiclyAccessible: true })));
  it("a private instance passes", () => quiet("rds-not-publicly-accessible", () => postgres()));

  it("backups kept under 7 days are reported with the figure", async () => {
    const msgs = await reported("rds-backup-retention-7-days", () => postgres({ backupRetentionPeriod: 3 }));
    expect(msgs[0]).to.match(/3 day\(s\)/);
  });
  it("7 days of backups pass", () =>
    quiet("rds-backup-retention-7-days", () => postgres({ backupRetentionPeriod: 7 })));

  it("a single-AZ instance in production is reported", () =>
    reported("rds-multi-az-in-production", () => postgres({ multiAz: false }), { environment: "prod" }));
  it("a single-AZ instance passes in dev, a Multi-AZ one in production", async () => {
    await quiet("rds-multi-az-in-production", () => postgres({ multiAz: false }), { environment: "dev" });
    await quiet("rds-multi-az-in-production", () => postgres(), { environment: "prod" });
  });

  it("an instance without deletion protection in production is reported", () =>
    reported("rds-deletion-protection-in-production", () => postgres({ deletionProtection: false }), {
      environment: "prod",
    }));
  it("deletion protection passes in production; dev may go without", async () => {
    await quiet("rds-deletion-protection-in-production", () => postgres(), { environment: "prod" });
    await quiet("rds-deletion-protection-in-production", () => postgres({ deletionProtection: false }));
  });

  it("a parameter group without rds.force_ssl = 1 is reported", async () => {
    const msgs = await reported("rds-postgres-force-ssl", () => {
      const params = new aws.rds.ParameterGroup("pg17-no-ssl", {
        family: "postgres17",
        parameters: [{ name: "log_min_duration_statement", value: "500" }],
      });
      postgres({ parameterGroupName: params.name });
    });
    expect(msgs.some((m) => /does not set rds.force_ssl = 1/.test(m))).to.be.true;
  });
  it("an instance on the default parameter group is reported", async () => {
    const msgs = await reported("rds-postgres-force-ssl", () => postgres({ parameterGroupName: undefined }));
    expect(msgs[0]).to.match(/does not use a parameter group from this stack/);
  });
  it("a parameter group with rds.force_ssl = 1 passes", () =>
    quiet("rds-postgres-force-ssl", () => postgres()));

  it("turning off automatic minor upgrades is reported (advisory)", async () => {
    const v = await violationsOf("rds-auto-minor-version-upgrade", () =>
      postgres({ autoMinorVersionUpgrade: false }),
    );
    expect(v.map((x) => x.level)).to.deep.equal(["advisory"]);
  });
  it("automatic minor upgrades (the default) pass", () =>
    quiet("rds-auto-minor-version-upgrade", () => postgres()));
});

