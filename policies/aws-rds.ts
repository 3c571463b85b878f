/**
 * RDS rules on instances, clusters and cluster members: encryption, backups, availability, deletion
 * protection, TLS and upgrades (access, authentication, snapshots and events are in aws-rds-access.ts).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, fsbp, isProduction, known, otherControl, stackPolicy, type Rule } from "./lib";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";

export function rdsPolicy(
  p: Omit<ResourceValidationPolicy, "validateResource"> & {
    framework: Rule["framework"];
    /** Check one instance or cluster; return a message for a violation. */
    check: (props: any, type: string, tags: ReadonlyMap<string, string>) => string | undefined;
    types?: string[];
  },
): Rule {
  const { check, types: only, ...policy } = p;
  const types = new Set(only ?? [RDS_INSTANCE, RDS_CLUSTER]);
  return {
    ...policy,
    validateResource: (args, report) => {
      if (!types.has(args.type)) return;
      const msg = check(args.props, args.type, args.stackTags);
      if (msg) report(msg);
    },
  };
}

const rdsEncrypted = rdsPolicy({
  name: "rds-storage-encrypted",
  description:
    "RDS storage is encrypted at rest (storageEncrypted: true); it cannot be turned on later without restoring from a snapshot.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("RDS.3", "RDS DB instances should have encryption at-rest enabled"),
  check: (props) =>
    props.storageEncrypted === true || props.engineMode === "serverless"
      ? undefined
      : "storageEncrypted is not true",
});

const rdsNotPublic = rdsPolicy({
  name: "rds-not-publicly-accessible",
  description:
    "RDS instances are not publicly accessible: the database is reached from the cluster's private subnets only.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("RDS.2", "RDS DB instances should prohibit public access"),
  // Cluster members carry their own publiclyAccessible flag.
  types: [RDS_INSTANCE, RDS_CLUSTER_INSTANCE],
  check: (props) => (props.publiclyAccessible === true ? "publiclyAccessible is true" : undefined),
});

const rdsBackups = rdsPolicy({
  name: "rds-backup-retention-7-days",
  description:
    "Automated backups are kept at least 7 days (backupRetentionPeriod >= 7), so point-in-time recovery reaches back over a week-long incident or holiday.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("RDS.11", "RDS instances should have automatic backups enabled (retention >= 7 days)"),
  check: (props, type) => {
    // A cluster member's backups belong to the cluster.
    if (type === RDS_INSTANCE && props.clusterIdentifier) return undefined;
    const days = Number(props.backupRetentionPeriod ?? (type === RDS_CLUSTER ? 1 : 0));
    return days >= 7 ? undefined : `backupRetentionPeriod is ${days} day(s), at least 7 are required`;
  },
});

const rdsMultiAz = rdsPolicy({
  name: "rds-multi-az-in-production",
  description:
    "In production (stack tag datavis:environment=prod) RDS instances are Multi-AZ, so losing one Availability Zone does not take the platform's database down.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("RDS.5", "RDS DB instances should be configured with multiple Availability Zones"),
  types: [RDS_INSTANCE],
  check: (props, _type, tags) => {
    if (!isProduction(tags) || props.clusterIdentifier) return undefined;
    return props.multiAz === true ? undefined : "multiAz is not true in a production stack";
  },
});

const rdsDeletionProtection = rdsPolicy({
  name: "rds-deletion-protection-in-production",
  description:
    "In production RDS instances and clusters have deletion protection, so neither a mistaken `pulumi destroy` nor a console click deletes the database.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("RDS.8", "RDS DB instances should have deletion protection enabled"),
  check: (props, type, tags) => {
    if (!isProduction(tags) || (type === RDS_INSTANCE && props.clusterIdentifier)) return undefined;
    return props.deletionProtection === true
      ? undefined
      : "deletionProtection is not true in a production stack";
  },
});

const rdsMinorUpgrades = rdsPolicy({
  name: "rds-auto-minor-version-upgrade",
  description:
    "RDS instances, clusters and cluster members take minor engine upgrades automatically in the maintenance window, so security fixes to PostgreSQL are applied without a change to the program.",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp(
    "RDS.13",
    "RDS automatic minor version upgrades should be enabled (and RDS.35 for clusters)",
  ),
  types: [RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE],
  check: (props) =>
    props.autoMinorVersionUpgrade === false ? "autoMinorVersionUpgrade is false" : undefined,
});

const PARAMETER_GROUPS = new Set([
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/clusterParameterGroup:ClusterParameterGroup",
]);

const rdsForceSsl = stackPolicy({
  name: "rds-postgres-force-ssl",
  description:
    "Every RDS PostgreSQL instance or cluster uses a parameter group from this stack that sets rds.force_ssl = 1, so the server refuses unencrypted connections whatever the client's sslmode.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: otherControl(
    "AWS Config managed rule",
    "RDS_POSTGRES_INSTANCE_ENCRYPTED_IN_TRANSIT",
    "rds-postgres-instance-encrypted-in-transit: rds.force_ssl must be 1",
  ),
  validateStack: (args, report) => {
    for (const db of args.resources.filter((r) => r.type === RDS_INSTANCE || r.type === RDS_CLUSTER)) {
      if (!/postgres/i.test(String(db.props.engine ?? ""))) continue;
      if (db.type === RDS_INSTANCE && db.props.clusterIdentifier) continue;
      const key = db.type === RDS_CLUSTER ? "dbClusterParameterGroupName" : "parameterGroupName";
      const groupName = known(() => db.props[key]);
      const groups = args.resources.filter(
        (g) =>
          PARAMETER_GROUPS.has(g.type) &&
          ((db.dependencies ?? []).some((d) => d && d.urn === g.urn) ||
            (typeof groupName === "string" && known(() => g.props.name) === groupName)),
      );
      if (groups.length === 0) {
        report(
          `${db.name} does not use a parameter group from this stack (${key} is ${groupName ?? "unset"})`,
          db.urn,
        );
        continue;
      }
      const forced = groups.some((g) =>
        asArray(g.props.parameters).some((p: any) => p?.name === "rds.force_ssl" && String(p?.value) === "1"),
      );
      if (!forced) report(`parameter group of ${db.name} does not set rds.force_ssl = 1`, db.urn);
    }
  },
});

const rdsClusterMultiAz = stackPolicy({
  name: "rds-cluster-multi-az-in-production",
  description:
    "In production an Aurora cluster has at least two instances (a writer and a reader EKS can fail over to in another zone); a Multi-AZ DB cluster (dbClusterInstanceClass set) spans three zones by itself.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("RDS.15", "RDS DB clusters should be configured for multiple Availability Zones"),
  validateStack: (args, report) => {
    if (!isProduction(args.stackTags)) return;
    for (const c of args.resources.filter((r) => r.type === RDS_CLUSTER)) {
      if (known(() => c.props.dbClusterInstanceClass)) continue;
      const id = known(() => c.props.clusterIdentifier);
      const members = args.resources.filter(
        (m) =>
          m.type === RDS_CLUSTER_INSTANCE &&
          ((m.dependencies ?? []).some((d) => d && d.urn === c.urn) ||
            (typeof id === "string" && known(() => m.props.clusterIdentifier) === id)),
      );
      if (members.length < 2)
        report(
          `cluster ${c.name} has ${members.length} instance(s) in a production stack; at least 2 are required`,
          c.urn,
        );
    }
  },
});

export const rdsCoreRules: Rule[] = [
  rdsEncrypted,
  rdsNotPublic,
  rdsBackups,
  rdsMultiAz,
  rdsClusterMultiAz,
  rdsDeletionProtection,
  rdsForceSsl,
  rdsMinorUpgrades,
];
