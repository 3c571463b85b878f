/**
 * EKS rules: the control plane (secrets encryption, logs, endpoint, version) and its nodes (IMDSv2).
 * Types are @pulumi/eks 4.x components (`eks:index:*`, checked on their inputs) and the `aws:eks/*` and
 * `aws:ec2/*` resources they create in a real deployment, so the rules hold whether or not the component
 * is expanded.
 */
import { asArray, fsbp, get, present, resourcePolicy, WORLD, type Rule } from "./lib";

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

/**
 * The oldest Kubernetes minor in EKS standard support when this was written (November 2026): 1.34, on EKS
 * since October 2025, with 14 months of standard support. Older minors run on extended support (six times
 * the control-plane price) or not at all. Raise it with KUBERNETES_VERSION in components/versions.ts.
 */
export const OLDEST_STANDARD_SUPPORT_MINOR = "1.34";

function minor(v: string): number[] {
  return v.replace(/^v/, "").split(".").slice(0, 2).map(Number);
}

const eksSupportedVersion = resourcePolicy({
  name: "eks-supported-kubernetes-version",
  description: `EKS clusters run a Kubernetes minor in standard support (${OLDEST_STANDARD_SUPPORT_MINOR} or newer as of November 2026): older minors get no fixes, or only on paid extended support.`,
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("EKS.2", "EKS clusters should run on a supported Kubernetes version"),
  validateResource: (args, report) => {
    if (args.type !== EKS_COMPONENT && args.type !== EKS_CLUSTER) return;
    const v = args.props.version;
    if (typeof v !== "string" || v === "") return; // unset: EKS creates the newest version
    const [maj, min] = minor(v);
    const [omaj, omin] = minor(OLDEST_STANDARD_SUPPORT_MINOR);
    if (maj < omaj || (maj === omaj && min < omin))
      report(
        `version ${v} is older than ${OLDEST_STANDARD_SUPPORT_MINOR}, the oldest minor in EKS standard support`,
      );
  },
});

export const eksRules: Rule[] = [
  eksSecretsEncryption,
  eksControlPlaneLogging,
  eksEndpointRestricted,
  eksSupportedVersion,
  nodesImdsv2,
];
