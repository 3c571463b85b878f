/**
 * RDS rules of the policy pack. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { postgres } from "./fixtures/policies/aws";
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

/** An Aurora PostgreSQL cluster with `members` instances. */
function aurora(members: number, args: Partial<aws.rds.ClusterArgs> = {}) {
  const cluster = new aws.rds.Cluster("aurora", {
    engine: "aurora-postgresql",
    masterUsername: "datavis_admin",
    masterPassword: "not-a-real-password",
    storageEncrypted: true,
    backupRetentionPeriod: 7,
    dbSubnetGroupName: "datavis-db",
    iamDatabaseAuthenticationEnabled: true,
    copyTagsToSnapshot: true,
    ...args,
  });
  for (let i = 0; i < members; i++) {
    new aws.rds.ClusterInstance(`aurora-${i}`, {
      clusterIdentifier: cluster.id,
      engine: "aurora-postgresql",
      instanceClass: "db.t4g.medium",
    });
  }
  return cluster;
}

describe("policy pack: RDS clusters and cluster members (FSBP RDS.2, RDS.15, RDS.35)", () => {
  it("a publicly accessible cluster member is reported", () =>
    reported("rds-not-publicly-accessible", () => {
      const c = aurora(0);
      new aws.rds.ClusterInstance("public", {
        clusterIdentifier: c.id,
        engine: "aurora-postgresql",
        instanceClass: "db.t4g.medium",
        publiclyAccessible: true,
      });
    }));
  it("private cluster members pass", () => quiet("rds-not-publicly-accessible", () => aurora(2)));

  it("an Aurora cluster with one instance in production is reported", async () => {
    const msgs = await reported("rds-cluster-multi-az-in-production", () => aurora(1), {
      environment: "prod",
    });
    expect(msgs).to.deep.equal([
      "cluster aurora has 1 instance(s) in a production stack; at least 2 are required",
    ]);
  });
  it("two instances pass in production; one is enough in dev", async () => {
    await quiet("rds-cluster-multi-az-in-production", () => aurora(2), { environment: "prod" });
    await quiet("rds-cluster-multi-az-in-production", () => aurora(1), { environment: "dev" });
  });

  it("a cluster turning off automatic minor upgrades is reported (advisory)", async () => {
    const v = await violationsOf("rds-auto-minor-version-upgrade", () =>
      aurora(0, { autoMinorVersionUpgrade: false }),
    );
    expect(v.map((x) => x.level)).to.deep.equal(["advisory"]);
  });
});

describe("policy pack: RDS access (FSBP RDS.1, RDS.10/12, RDS.17/16, RDS.18, RDS.19-22, RDS.25/24, RDS.43)", () => {
  it("an instance or cluster without IAM authentication is reported", async () => {
    await reported("rds-iam-authentication", () => postgres({ iamDatabaseAuthenticationEnabled: false }));
    await reported("rds-iam-authentication", () => aurora(0, { iamDatabaseAuthenticationEnabled: false }));
  });
  it("IAM authentication passes, on instances and clusters", async () => {
    await quiet("rds-iam-authentication", () => postgres());
    await quiet("rds-iam-authentication", () => aurora(1));
  });

  it("an instance that does not copy tags to snapshots is reported (advisory)", async () => {
    const v = await violationsOf("rds-copy-tags-to-snapshot", () => postgres({ copyTagsToSnapshot: false }));
    expect(v.map((x) => [x.level, x.message])).to.deep.equal([
      ["advisory", "copyTagsToSnapshot is not true"],
    ]);
  });
  it("copying tags to snapshots passes", () => quiet("rds-copy-tags-to-snapshot", () => postgres()));

  it("an administrator called postgres or admin is reported", async () => {
    const msgs = await reported("rds-custom-admin-username", () => postgres({ username: "postgres" }));
    expect(msgs).to.deep.equal(["the administrator is called postgres"]);
    await reported("rds-custom-admin-username", () => aurora(0, { masterUsername: "admin" }));
  });
  it("a custom administrator name passes", () => quiet("rds-custom-admin-username", () => postgres()));

  it("an instance without a DB subnet group (the default VPC) is reported", () =>
    reported("rds-in-own-subnet-group", () => postgres({ dbSubnetGroupName: undefined })));
  it("an instance in the stack's subnet group passes, even while its name is unknown", () =>
    quiet("rds-in-own-subnet-group", () => {
      const group = new aws.rds.SubnetGroup("db", { subnetIds: ["subnet-1", "subnet-2"] });
      postgres({ dbSubnetGroupName: group.name });
    }));

  it("a snapshot shared with all accounts is reported", () =>
    reported(
      "rds-snapshot-private",
      () =>
        new aws.rds.Snapshot("snap", {
          dbInstanceIdentifier: "db",
          dbSnapshotIdentifier: "snap",
          sharedAccounts: ["all"],
        }),
    ));
  it("a snapshot shared with one named account passes", () =>
    quiet(
      "rds-snapshot-private",
      () =>
        new aws.rds.Snapshot("snap", {
          dbInstanceIdentifier: "db",
          dbSnapshotIdentifier: "snap",
          sharedAccounts: ["210987654321"],
        }),
    ));

  it("an event subscription missing critical categories, or disabled, is reported", async () => {
    const msgs = await reported("rds-event-subscription-critical-events", () => {
      new aws.rds.EventSubscription("db", {
        snsTopic: "arn:aws:sns:us-east-1:123456789012:ops",
        sourceType: "db-instance",
        eventCategories: ["backup"],
      });
      new aws.rds.EventSubscription("off", {
        snsTopic: "arn:aws:sns:us-east-1:123456789012:ops",
        sourceType: "db-cluster",
        enabled: false,
      });
    });
    expect(msgs).to.have.members([
      "db-instance events lack maintenance, configuration change, failure (RDS.20)",
      "the subscription is disabled",
    ]);
  });
  it("subscriptions to the critical categories, or to every category, pass", () =>
    quiet("rds-event-subscription-critical-events", () => {
      new aws.rds.EventSubscription("db", {
        snsTopic: "arn:aws:sns:us-east-1:123456789012:ops",
        sourceType: "db-instance",
        eventCategories: ["maintenance", "configuration change", "failure", "backup"],
      });
      new aws.rds.EventSubscription("pg", {
        snsTopic: "arn:aws:sns:us-east-1:123456789012:ops",
        sourceType: "db-parameter-group",
      });
    }));

  const proxy = (requireTls: boolean) =>
    new aws.rds.Proxy("pool", {
      name: "pool",
      engineFamily: "POSTGRESQL",
      roleArn: "arn:aws:iam::123456789012:role/proxy",
      vpcSubnetIds: ["subnet-1", "subnet-2"],
      auths: [
        { authScheme: "SECRETS", secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" },
      ],
      requireTls,
    });
  it("an RDS Proxy that accepts plain connections is reported", () =>
    reported("rds-proxy-require-tls", () => proxy(false)));
  it("an RDS Proxy requiring TLS passes", () => quiet("rds-proxy-require-tls", () => proxy(true)));
});
