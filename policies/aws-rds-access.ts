/**
 * RDS rules on how the database is reached and watched: its network placement, IAM authentication, the
 * administrator's name, snapshots, event subscriptions and RDS Proxy TLS.
 */
import { asArray, fsbp, present, resourcePolicy, type Rule } from "./lib";
import { RDS_CLUSTER, RDS_INSTANCE, rdsPolicy } from "./aws-rds";

/** Engines that support IAM database authentication. */
const IAM_AUTH_ENGINES = /^(postgres|mysql|mariadb|aurora|aurora-mysql|aurora-postgresql)$/;

const rdsIamAuth = rdsPolicy({
  name: "rds-iam-authentication",
  description:
    "RDS instances and clusters accept IAM database authentication, so operators and jobs can sign in with short-lived tokens from their IAM identity instead of a shared password.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "RDS.10",
    "IAM authentication should be configured for RDS instances (and RDS.12 for clusters)",
  ),
  check: (props, type) => {
    if (type === RDS_INSTANCE && props.clusterIdentifier) return undefined;
    if (!IAM_AUTH_ENGINES.test(String(props.engine ?? ""))) return undefined;
    return props.iamDatabaseAuthenticationEnabled === true
      ? undefined
      : "iamDatabaseAuthenticationEnabled is not true";
  },
});

const rdsCopyTags = rdsPolicy({
  name: "rds-copy-tags-to-snapshot",
  description:
    "RDS instances and clusters copy their tags to snapshots, so a snapshot carries its owner, environment and cost allocation and can be found and governed like its database.",
  enforcementLevel: "advisory",
  severity: "low",
  framework: fsbp(
    "RDS.17",
    "RDS DB instances should be configured to copy tags to snapshots (and RDS.16 for clusters)",
  ),
  check: (props, type) => {
    if (type === RDS_INSTANCE && props.clusterIdentifier) return undefined;
    return props.copyTagsToSnapshot === true ? undefined : "copyTagsToSnapshot is not true";
  },
});

/** Default administrator names the engines and guides use: the first names an attacker tries. */
const DEFAULT_ADMIN_NAMES = new Set(["admin", "postgres", "root", "master", "administrator"]);

const rdsCustomAdmin = rdsPolicy({
  name: "rds-custom-admin-username",
  description:
    "The administrator of an RDS instance or cluster is not called admin, postgres, root, master or administrator, so a password-guessing attack has to guess the user name as well.",
  enforcementLevel: "mandatory",
  severity: "low",
  framework: fsbp(
    "RDS.25",
    "RDS database instances should use a custom administrator username (and RDS.24 for clusters)",
  ),
  check: (props, type) => {
    if (
      type === RDS_INSTANCE &&
      (props.clusterIdentifier || props.replicateSourceDb || props.snapshotIdentifier)
    )
      return undefined;
    const user = type === RDS_CLUSTER ? props.masterUsername : props.username;
    return typeof user === "string" && DEFAULT_ADMIN_NAMES.has(user.toLowerCase())
      ? `the administrator is called ${user}`
      : undefined;
  },
});

const rdsInVpc = rdsPolicy({
  name: "rds-in-own-subnet-group",
  description:
    "RDS instances and clusters name a DB subnet group, so they run in the platform's private subnets and not in the account's default VPC, where the rest of the platform's network rules do not apply.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("RDS.18", "RDS instances should be deployed in a VPC"),
  check: (props, type) => {
    if (type === RDS_INSTANCE && (props.clusterIdentifier || props.replicateSourceDb)) return undefined;
    return present(() => props.dbSubnetGroupName) ? undefined : "dbSubnetGroupName is not set";
  },
});

const SNAPSHOT_TYPES = new Set([
  "aws:rds/snapshot:Snapshot",
  "aws:rds/clusterSnapshot:ClusterSnapshot",
  "aws:rds/snapshotCopy:SnapshotCopy",
]);

const rdsSnapshotsPrivate = resourcePolicy({
  name: "rds-snapshot-private",
  description:
    "RDS snapshots the program makes are not shared with 'all' (every AWS account), which would let anyone restore the platform's database.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("RDS.1", "RDS snapshot should be private"),
  validateResource: (args, report) => {
    if (!SNAPSHOT_TYPES.has(args.type)) return;
    if (
      asArray(args.props.sharedAccounts as string[])
        .map(String)
        .includes("all")
    )
      report("sharedAccounts includes 'all': the snapshot is public");
  },
});

/** Event categories each source type must subscribe to (FSBP RDS.19-RDS.22); no categories means all. */
const CRITICAL_EVENTS: Record<string, { control: string; categories: string[] }> = {
  "db-cluster": { control: "RDS.19", categories: ["failure", "maintenance"] },
  "db-instance": { control: "RDS.20", categories: ["maintenance", "configuration change", "failure"] },
  "db-parameter-group": { control: "RDS.21", categories: ["configuration change"] },
  "db-security-group": { control: "RDS.22", categories: ["configuration change", "failure"] },
};

const rdsEventSubscriptions = resourcePolicy({
  name: "rds-event-subscription-critical-events",
  description:
    "An RDS event subscription the program manages is enabled and includes the critical categories of its source type (failure and maintenance for clusters and instances, configuration changes for parameter and security groups), so the people it notifies hear of them.",
  enforcementLevel: "mandatory",
  severity: "low",
  framework: fsbp(
    "RDS.19",
    "RDS event subscriptions should be configured for critical events (RDS.19-RDS.22)",
  ),
  validateResource: (args, report) => {
    if (args.type !== "aws:rds/eventSubscription:EventSubscription") return;
    if (args.props.enabled === false) report("the subscription is disabled");
    const want = CRITICAL_EVENTS[String(args.props.sourceType ?? "")];
    const have = asArray(args.props.eventCategories as string[]).map(String);
    if (!want || have.length === 0) return;
    const missing = want.categories.filter((c) => !have.includes(c));
    if (missing.length)
      report(`${args.props.sourceType} events lack ${missing.join(", ")} (${want.control})`);
  },
});

const rdsProxyTls = resourcePolicy({
  name: "rds-proxy-require-tls",
  description:
    "An RDS Proxy requires TLS from its clients (requireTls), so pooled connections are encrypted between the pods and the proxy as they are between the proxy and the database.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("RDS.43", "RDS DB proxies should require TLS encryption for connections"),
  validateResource: (args, report) => {
    if (args.type === "aws:rds/proxy:Proxy" && args.props.requireTls !== true)
      report("requireTls is not true");
  },
});

export const rdsAccessRules: Rule[] = [
  rdsIamAuth,
  rdsCopyTags,
  rdsCustomAdmin,
  rdsInVpc,
  rdsSnapshotsPrivate,
  rdsEventSubscriptions,
  rdsProxyTls,
];
