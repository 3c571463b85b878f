/**
 * AWS rules: S3, RDS, EKS, network, IAM and KMS, each mapped to an AWS Foundational Security Best
 * Practices (FSBP) control. Types are @pulumi/aws 7.x and @pulumi/eks 4.x tokens; the `eks:index:*`
 * components are checked on their inputs, and the `aws:eks/*` and `aws:ec2/*` resources they create in a
 * real deployment are checked too, so the rules hold whether or not the component is expanded.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  asArray,
  attachedTo,
  fsbp,
  get,
  isFullAdmin,
  isProduction,
  known,
  otherControl,
  present,
  statements,
  wildcardActions,
  type Rule,
} from "./lib";

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const PUBLIC_ACCESS_BLOCK = new Set(["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]);
const SSE_TYPES = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);
const VERSIONING_TYPES = new Set([
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
]);
const BUCKET_POLICY = new Set(["aws:s3/bucketPolicy:BucketPolicy"]);
const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

/** Names a bucket may be referred to by: its `bucket` input/output (the id is the name). */
function bucketNames(b: PolicyResource): (string | undefined)[] {
  return [known(() => b.props.bucket), known(() => b.props.id)];
}

function bucketLabel(b: PolicyResource): string {
  const n = known(() => b.props.bucket) ?? known(() => b.props.bucketPrefix);
  return typeof n === "string" ? `${b.name} (${n})` : b.name;
}

/** Buckets meant for server access logs may only use SSE-S3 (S3 cannot deliver logs to SSE-KMS targets). */
function isAccessLogBucket(b: PolicyResource): boolean {
  const tags = known(() => b.props.tags) ?? {};
  return tags["datavis:data-class"] === "access-logs";
}

/** Notebook storage: the bucket's name, name prefix or resource name says "notebook". */
function isNotebookBucket(b: PolicyResource): boolean {
  const names = [b.name, known(() => b.props.bucket), known(() => b.props.bucketPrefix)];
  const tags = known(() => b.props.tags) ?? {};
  return (
    tags["datavis:data-class"] === "notebooks" ||
    names.some((n) => typeof n === "string" && /notebook/i.test(n))
  );
}

function stackPolicy(p: StackValidationPolicy & Pick<Rule, "framework">): Rule {
  return p;
}

// ------------------------------------------------------------------------------------------------ S3

const s3PublicAccessBlock: Rule = stackPolicy({
  name: "s3-bucket-public-access-blocked",
  description:
    "Every S3 bucket has a BucketPublicAccessBlock with all four settings on (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets): one public ACL or policy would expose notebooks and datasets to the internet.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("S3.8", "S3 general purpose buckets should block public access"),
  validateStack: (args, report) => {
    const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const blocks = attachedTo(b, args.resources, PUBLIC_ACCESS_BLOCK, "bucket", bucketNames(b));
      if (blocks.length === 0) {
        report(`bucket ${bucketLabel(b)} has no BucketPublicAccessBlock`, b.urn);
        continue;
      }
      for (const block of blocks) {
        const off = flags.filter((f) => block.props[f] !== true);
        if (off.length) report(`public access block ${block.name} leaves ${off.join(", ")} off`, block.urn);
      }
    }
  },
});

const s3KmsEncryption: Rule = stackPolicy({
  name: "s3-bucket-kms-encryption",
  description:
    "Every S3 bucket declares default encryption with a KMS key (aws:kms or aws:kms:dsse), so reading data needs kms:Decrypt as well as s3:GetObject and every access is logged in CloudTrail; only buckets tagged datavis:data-class=access-logs may use SSE-S3.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("S3.17", "S3 general purpose buckets should be encrypted at rest with AWS KMS keys"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const algorithms: string[] = [];
      const inline = known(() => get(b.props.serverSideEncryptionConfiguration, "rule"));
      for (const rule of asArray(inline)) {
        const a = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm");
        if (typeof a === "string") algorithms.push(a);
      }
      for (const cfg of attachedTo(b, args.resources, SSE_TYPES, "bucket", bucketNames(b))) {
        for (const rule of asArray(cfg.props.rules)) {
          const a = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm");
          if (typeof a === "string") algorithms.push(a);
        }
      }
      if (algorithms.length === 0) {
        report(`bucket ${bucketLabel(b)} declares no default encryption`, b.urn);
      } else if (!isAccessLogBucket(b) && !algorithms.some((a) => KMS_ALGORITHMS.has(a))) {
        report(`bucket ${bucketLabel(b)} is encrypted with ${algorithms.join(", ")}, not a KMS key`, b.urn);
      }
    }
  },
});

/** A Deny of all S3 actions to everyone when aws:SecureTransport is false. */
function deniesPlainHttp(doc: unknown): boolean {
  return statements(doc).some((s) => {
    if (s.Effect !== "Deny") return false;
    const actions = asArray(s.Action).map(String);
    if (!actions.some((a) => a === "s3:*" || a === "*")) return false;
    const cond = s.Condition ?? {};
    const v = get(cond, "Bool", "aws:SecureTransport") ?? get(cond, "BoolIfExists", "aws:SecureTransport");
    return asArray(v).some((x) => String(x).toLowerCase() === "false");
  });
}

const s3TlsOnly: Rule = stackPolicy({
  name: "s3-bucket-tls-only",
  description:
    "Every S3 bucket's policy denies s3:* when aws:SecureTransport is false, so no client (or misconfigured SDK endpoint) can move data over plain HTTP.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("S3.5", "S3 general purpose buckets should require requests to use SSL"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      // A policy still unknown during preview (built from the bucket's ARN) is judged at `pulumi up`.
      const docs = [known(() => b.props.policy)];
      let unknownDoc = false;
      for (const p of attachedTo(b, args.resources, BUCKET_POLICY, "bucket", bucketNames(b))) {
        const doc = known(() => p.props.policy);
        if (doc === undefined) unknownDoc = true;
        docs.push(doc);
      }
      if (!unknownDoc && !docs.some(deniesPlainHttp)) {
        report(`bucket ${bucketLabel(b)} has no policy statement denying requests without TLS`, b.urn);
      }
    }
  },
});

const s3NotebookVersioning: Rule = stackPolicy({
  name: "s3-notebook-bucket-versioning",
  description:
    "The notebook storage bucket (name or prefix containing 'notebook', or tagged datavis:data-class=notebooks) has versioning enabled, so an overwritten or deleted notebook can be restored.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("S3.14", "S3 general purpose buckets should have versioning enabled"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type) && isNotebookBucket(r))) {
      const inline = known(() => get(b.props.versioning, "enabled")) === true;
      const separate = attachedTo(b, args.resources, VERSIONING_TYPES, "bucket", bucketNames(b)).some(
        (v) => get(v.props.versioningConfiguration, "status") === "Enabled",
      );
      if (!inline && !separate) report(`notebook bucket ${bucketLabel(b)} is not versioned`, b.urn);
    }
  },
});

// ------------------------------------------------------------------------------------------------ RDS

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";

function rdsPolicy(
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
  types: [RDS_INSTANCE],
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
    "RDS instances take minor engine upgrades automatically in the maintenance window, so security fixes to PostgreSQL are applied without a change to the program.",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp("RDS.13", "RDS automatic minor version upgrades should be enabled"),
  types: [RDS_INSTANCE],
  check: (props) =>
    props.autoMinorVersionUpgrade === false ? "autoMinorVersionUpgrade is false" : undefined,
});

const PARAMETER_GROUPS = new Set([
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/clusterParameterGroup:ClusterParameterGroup",
]);

const rdsForceSsl: Rule = stackPolicy({
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

// ------------------------------------------------------------------------------------------------ EKS

const EKS_COMPONENT = "eks:index:Cluster";
const EKS_CLUSTER = "aws:eks/cluster:Cluster";

const eksSecretsEncryption: Rule = {
  name: "eks-secrets-encryption",
  description:
    "EKS clusters envelope-encrypt Kubernetes Secrets with a customer-managed KMS key (encryptionConfigKeyArn / encryptionConfig for 'secrets'), so database and OAuth credentials are not readable from etcd backups.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("EKS.3", "EKS clusters should use encrypted Kubernetes secrets"),
  validateResource: (args, report) => {
    if (args.type === EKS_COMPONENT) {
      if (!present(() => args.props.encryptionConfigKeyArn)) report("encryptionConfigKeyArn is not set");
    } else if (args.type === EKS_CLUSTER) {
      const cfg = args.props.encryptionConfig;
      const ok =
        cfg &&
        asArray(cfg.resources).includes("secrets") &&
        present(() => args.props.encryptionConfig.provider.keyArn);
      if (!ok) report("encryptionConfig does not encrypt 'secrets' with a KMS key");
    }
  },
};

const REQUIRED_LOG_TYPES = ["api", "audit", "authenticator"];

const eksControlPlaneLogging: Rule = {
  name: "eks-control-plane-logging",
  description:
    "EKS control-plane logs api, audit and authenticator go to CloudWatch, so who did what to the cluster can be established after an incident.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("EKS.8", "EKS clusters should have audit logging enabled"),
  validateResource: (args, report) => {
    if (args.type !== EKS_COMPONENT && args.type !== EKS_CLUSTER) return;
    const enabled = asArray(args.props.enabledClusterLogTypes).map(String);
    const missing = REQUIRED_LOG_TYPES.filter((t) => !enabled.includes(t));
    if (missing.length) report(`enabledClusterLogTypes lacks ${missing.join(", ")}`);
  },
};

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

const eksEndpointRestricted: Rule = {
  name: "eks-endpoint-not-open-to-internet",
  description:
    "The EKS API endpoint is private, or public only to listed CIDRs that do not include 0.0.0.0/0 (the default when publicAccessCidrs is unset), so the API server is not exposed to the whole internet.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("EKS.1", "EKS cluster endpoints should not be publicly accessible"),
  validateResource: (args, report) => {
    let publicAccess: unknown;
    let cidrs: unknown;
    if (args.type === EKS_COMPONENT) {
      publicAccess = args.props.endpointPublicAccess;
      cidrs = args.props.publicAccessCidrs;
    } else if (args.type === EKS_CLUSTER) {
      publicAccess = get(args.props.vpcConfig, "endpointPublicAccess");
      cidrs = get(args.props.vpcConfig, "publicAccessCidrs");
    } else return;
    if (publicAccess === false) return;
    const list = asArray(cidrs as string[]).map(String);
    if (list.length === 0) report("the public endpoint is open to 0.0.0.0/0 (publicAccessCidrs unset)");
    else if (list.some((c) => WORLD.has(c)))
      report(`publicAccessCidrs includes ${list.filter((c) => WORLD.has(c)).join(", ")}`);
  },
};

const EKS_NODE_GROUP_COMPONENTS = new Set([
  "eks:index:ManagedNodeGroup",
  "eks:index:NodeGroup",
  "eks:index:NodeGroupV2",
]);

const nodesImdsv2: Rule = {
  name: "eks-nodes-imdsv2",
  description:
    "Worker nodes require IMDSv2 session tokens (httpTokens: required), so a pod exploiting an SSRF cannot read the node role's credentials from the instance metadata service.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.8",
    "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2); for launch templates also the Config rule ec2-launch-template-imdsv2-check",
  ),
  validateResource: (args, report) => {
    const p = args.props;
    switch (args.type) {
      case "aws:ec2/launchTemplate:LaunchTemplate":
      case "aws:ec2/instance:Instance":
        if (get(p.metadataOptions, "httpTokens") !== "required")
          report("metadataOptions.httpTokens is not 'required'");
        return;
      case "aws:eks/nodeGroup:NodeGroup":
        // Without a launch template EKS uses its own, which leaves IMDSv1 on.
        if (!p.launchTemplate) report("managed node group without a launch template allows IMDSv1");
        return;
      case EKS_COMPONENT:
        // @pulumi/eks 4.x offers no IMDS setting for the default node group (nodeGroupOptions has none).
        if (p.skipDefaultNodeGroup !== true && p.fargate === undefined) {
          report(
            "the default node group cannot require IMDSv2: set skipDefaultNodeGroup and add node groups with enableIMDSv2 or a launch template requiring it",
          );
        }
        return;
      default:
        if (EKS_NODE_GROUP_COMPONENTS.has(args.type) && p.enableIMDSv2 !== true && !p.launchTemplate) {
          report("enableIMDSv2 is not true");
        }
    }
  },
};

// -------------------------------------------------------------------------------------------- network

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LB_PORTS = new Set([80, 443]);

/** Security groups of load balancers: tagged `datavis:role=load-balancer`. */
function isLoadBalancerGroup(sg: PolicyResource | undefined): boolean {
  if (!sg) return false;
  const tags = known(() => sg.props.tags) ?? {};
  return tags["datavis:role"] === "load-balancer";
}

interface Ingress {
  from: number;
  to: number;
  protocol: string;
  cidrs: string[];
}

function worldOpen(rule: Ingress): boolean {
  return rule.cidrs.some((c) => WORLD.has(c));
}

function allowedForLoadBalancer(rule: Ingress): boolean {
  const tcp = rule.protocol.toLowerCase() === "tcp" || rule.protocol === "6";
  return tcp && rule.from === rule.to && LB_PORTS.has(rule.from);
}

const sgNoWorldIngress: Rule = stackPolicy({
  name: "ec2-no-world-ingress",
  description:
    "No security group admits traffic from 0.0.0.0/0 or ::/0, except TCP 80 and 443 on load balancer groups (tagged datavis:role=load-balancer): nodes, databases and the API are reached through the load balancer or private networks only.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.18",
    "Security groups should only allow unrestricted incoming traffic for authorized ports",
  ),
  validateStack: (args, report) => {
    const check = (owner: PolicyResource | undefined, at: PolicyResource, rule: Ingress) => {
      if (!worldOpen(rule)) return;
      if (isLoadBalancerGroup(owner) && allowedForLoadBalancer(rule)) return;
      const ports = rule.from === rule.to ? `${rule.from}` : `${rule.from}-${rule.to}`;
      report(
        `${at.name} admits ${rule.protocol} ${ports} from ${rule.cidrs.filter((c) => WORLD.has(c)).join(", ")}` +
          (isLoadBalancerGroup(owner) ? " (load balancers may only open TCP 80/443)" : ""),
        at.urn,
      );
    };
    for (const r of args.resources) {
      if (r.type === SG) {
        for (const i of asArray(known(() => r.props.ingress) as any[])) {
          check(r, r, {
            from: Number(i.fromPort),
            to: Number(i.toPort),
            protocol: String(i.protocol),
            cidrs: [...asArray(i.cidrBlocks), ...asArray(i.ipv6CidrBlocks)].map(String),
          });
        }
      } else if ((r.type === SG_RULE && r.props.type === "ingress") || r.type === SG_INGRESS_RULE) {
        const owner = (r.dependencies ?? []).find((d) => d && d.type === SG);
        const rule: Ingress =
          r.type === SG_RULE
            ? {
                from: Number(r.props.fromPort),
                to: Number(r.props.toPort),
                protocol: String(r.props.protocol),
                cidrs: [...asArray(r.props.cidrBlocks), ...asArray(r.props.ipv6CidrBlocks)].map(String),
              }
            : {
                from: Number(r.props.fromPort ?? -1),
                to: Number(r.props.toPort ?? -1),
                protocol: String(r.props.ipProtocol),
                cidrs: [r.props.cidrIpv4, r.props.cidrIpv6].filter(Boolean).map(String),
              };
        check(owner, r, rule);
      }
    }
  },
});

const vpcFlowLogs: Rule = stackPolicy({
  name: "vpc-flow-logs-enabled",
  description:
    "Every VPC has a flow log, so traffic to and from the cluster and database can be investigated after an incident.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("EC2.6", "VPC flow logging should be enabled in all VPCs"),
  validateStack: (args, report) => {
    const flowLogs = new Set(["aws:ec2/flowLog:FlowLog"]);
    for (const vpc of args.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc")) {
      if (attachedTo(vpc, args.resources, flowLogs, "vpcId", [known(() => vpc.props.id)]).length === 0) {
        report(`VPC ${vpc.name} has no flow log`, vpc.urn);
      }
    }
  },
});

const subnetNoPublicIp: Rule = {
  name: "ec2-subnet-no-auto-public-ip",
  description:
    "Subnets do not give instances public IPs automatically (mapPublicIpOnLaunch), so a node launched in the wrong subnet is not reachable from the internet.",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp("EC2.15", "EC2 subnets should not automatically assign public IP addresses"),
  validateResource: (args, report) => {
    if (args.type === "aws:ec2/subnet:Subnet" && args.props.mapPublicIpOnLaunch === true) {
      report("mapPublicIpOnLaunch is true");
    }
  },
};

// ------------------------------------------------------------------------------------------------ IAM

const IAM_POLICY_DOCS: Record<string, (props: any) => unknown[]> = {
  "aws:iam/policy:Policy": (p) => [p.policy],
  "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
  "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
  "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
  "aws:iam/role:Role": (p) => asArray(p.inlinePolicies).map((i: any) => i?.policy),
};

const iamNoFullAdmin: Rule = {
  name: "iam-no-full-admin-statements",
  description:
    "No IAM policy allows every action on every resource (Action '*' or '*:*', or NotAction, on Resource '*'): the platform's roles get the few actions they use, so a leaked credential cannot take over the account.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("IAM.1", "IAM policies should not allow full '*' administrative privileges"),
  validateResource: (args, report) => {
    const docs = IAM_POLICY_DOCS[args.type];
    if (!docs) return;
    for (const doc of docs(args.props)) {
      if (statements(doc).some(isFullAdmin)) report("a statement allows '*' on '*'");
    }
  },
};

const ADMIN_MANAGED_POLICIES = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];
const WORKLOAD_PRINCIPALS = ["pods.eks.amazonaws.com", "ec2.amazonaws.com"];

/** A role assumed by pods (IRSA web identity or EKS Pod Identity) or by nodes. */
function isWorkloadRole(role: PolicyResource): boolean {
  return statements(known(() => role.props.assumeRolePolicy)).some((s) => {
    const actions = asArray(s.Action).map(String);
    if (actions.includes("sts:AssumeRoleWithWebIdentity")) return true;
    const services = asArray(get(s.Principal, "Service")).map(String);
    return services.some((svc) => WORKLOAD_PRINCIPALS.includes(svc));
  });
}

const iamWorkloadNoAdmin: Rule = stackPolicy({
  name: "iam-workload-roles-least-privilege",
  description:
    "Roles assumed by pods (IRSA, EKS Pod Identity) or nodes carry no administrator managed policy (AdministratorAccess, PowerUserAccess, IAMFullAccess) and no inline policy that allows a whole service ('s3:*', 'iam:*', '*'): a compromised notebook or Spark job can reach its own buckets and nothing else.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "IAM.21",
    "IAM customer managed policies that you create should not allow wildcard actions for services",
  ),
  validateStack: (args, report) => {
    const roles = args.resources.filter((r) => r.type === "aws:iam/role:Role" && isWorkloadRole(r));
    const roleNames = (role: PolicyResource) => [known(() => role.props.name), known(() => role.props.id)];
    for (const role of roles) {
      // Documents still unknown during preview (built from other resources' ARNs) are judged at `pulumi up`.
      const inline: { doc: unknown; at: PolicyResource }[] = asArray(
        known(() => role.props.inlinePolicies) as any[],
      ).map((i: any) => ({ doc: known(() => i?.policy), at: role }));
      for (const rp of attachedTo(
        role,
        args.resources,
        new Set(["aws:iam/rolePolicy:RolePolicy"]),
        "role",
        roleNames(role),
      )) {
        inline.push({ doc: known(() => rp.props.policy), at: rp });
      }
      for (const { doc, at } of inline) {
        const wild = statements(doc).flatMap(wildcardActions);
        if (wild.length)
          report(
            `workload role ${role.name}: inline policy ${at.name} allows ${[...new Set(wild)].join(", ")}`,
            at.urn,
          );
      }
      const attachments = attachedTo(
        role,
        args.resources,
        new Set(["aws:iam/rolePolicyAttachment:RolePolicyAttachment"]),
        "role",
        roleNames(role),
      );
      // Customer managed policies of this stack attached to the role: the same wildcard check.
      for (const a of attachments) {
        for (const policy of (a.dependencies ?? []).filter((d) => d && d.type === "aws:iam/policy:Policy")) {
          const wild = statements(known(() => policy.props.policy)).flatMap(wildcardActions);
          if (wild.length) {
            report(
              `workload role ${role.name}: attached policy ${policy.name} allows ${[...new Set(wild)].join(", ")}`,
              policy.urn,
            );
          }
        }
      }
      const managed = [
        ...asArray(known(() => role.props.managedPolicyArns) as string[]),
        ...attachments.map((a) => known(() => a.props.policyArn)),
      ];
      for (const arn of managed) {
        const admin = ADMIN_MANAGED_POLICIES.find(
          (n) => typeof arn === "string" && arn.endsWith(`:policy/${n}`),
        );
        if (admin) report(`workload role ${role.name} has the ${admin} managed policy`, role.urn);
      }
    }
  },
});

// ------------------------------------------------------------------------------------------------ KMS

const kmsRotation: Rule = {
  name: "kms-key-rotation",
  description:
    "Customer-managed symmetric KMS keys rotate their key material yearly (enableKeyRotation), limiting how much data one compromised key version protects.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("KMS.4", "AWS KMS key rotation should be enabled"),
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    const spec = String(args.props.customerMasterKeySpec ?? args.props.keySpec ?? "SYMMETRIC_DEFAULT");
    if (spec !== "SYMMETRIC_DEFAULT") return;
    if (args.props.enableKeyRotation !== true) report("enableKeyRotation is not true");
  },
};

export const awsRules: Rule[] = [
  s3PublicAccessBlock,
  s3KmsEncryption,
  s3TlsOnly,
  s3NotebookVersioning,
  rdsEncrypted,
  rdsNotPublic,
  rdsBackups,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsForceSsl,
  rdsMinorUpgrades,
  eksSecretsEncryption,
  eksControlPlaneLogging,
  eksEndpointRestricted,
  nodesImdsv2,
  sgNoWorldIngress,
  vpcFlowLogs,
  subnetNoPublicIp,
  iamNoFullAdmin,
  iamWorkloadNoAdmin,
  kmsRotation,
];
