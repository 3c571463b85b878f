/**
 * The EKS cluster: @pulumi/eks control plane (KMS-encrypted secrets, control-plane logs with a retention,
 * private endpoint plus a public one only for listed CIDRs, access entries), three managed node groups
 * (on-demand system; spot notebooks and Spark scaling from 0 by Cluster Autoscaler), IMDSv2-only nodes,
 * the EBS CSI add-on and an encrypted gp3 default StorageClass.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EKS_ADDON_VERSIONS, type EksAddon } from "../versions";
import { IrsaRole, SYSTEM_SERVICE_ACCOUNTS } from "./identity";
import { clusterAutoscaler } from "./cluster-autoscaler";
import { kmsKey } from "./kms";
import { nodeGroups } from "./node-groups";

/** Node label (and taint key) that steers pods to a node group. */
export const POOL_LABEL = "datavis.io/pool";
export type PoolName = "system" | "notebooks" | "spark";
/** Name of the encrypted gp3 StorageClass, the cluster's default. */
export const STORAGE_CLASS = "gp3-encrypted";

export interface NodeGroupSpec {
  instanceTypes: string[];
  capacityType: "ON_DEMAND" | "SPOT";
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** Root volume (GiB). */
  diskGb: number;
  /** Taint `datavis.io/pool=<name>:NoSchedule` so only pods that tolerate it land here. */
  dedicated: boolean;
  /**
   * One node group per availability zone instead of one across all: a returning user's EBS home volume is
   * pinned to its zone, and Cluster Autoscaler can only grow a group it knows lands in that zone.
   */
  perZone?: boolean;
  /**
   * With `perZone`: live in this many zones only (the first private subnets), for a pool whose own pods keep
   * zonal volumes: a group of one zone replaces a node in that zone, where the volumes are. Default: all.
   */
  zoneCount?: number;
  /**
   * Pod slots per node, when fewer than the VPC CNI allows (110 with prefix delegation). EKS's AMI sets
   * aside 11 MiB of kube-reserved memory per slot (nodeadm `getMemoryMebibytesToReserve`), so a pool that
   * runs a few dozen pods gets back most of that memory: 40 slots instead of 110 free 770 MiB per node.
   */
  maxPods?: number;
}

export interface EksClusterArgs {
  /** Cluster name (also names its log group and autoscaler tags). */
  clusterName: string;
  /** Kubernetes minor, e.g. "1.36". */
  version: string;
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  privateSubnetIds: pulumi.Input<string>[];
  /** CIDRs allowed on the public API endpoint; empty turns the public endpoint off. */
  apiAllowedCidrs: string[];
  /** IAM principals given cluster-admin through access entries. */
  clusterAdminArns: string[];
  /**
   * IAM principal (role or user ARN, not an STS session) that runs `pulumi up`. EKS gives the cluster's
   * creator admin access itself; an access entry for the same principal would collide, so it is skipped.
   */
  deployerArn?: string;
  /** Days the control-plane (audit) logs are kept. */
  auditLogRetentionDays: number;
  /** Control-plane log types; audit and authenticator at least. */
  logTypes: string[];
  nodeGroups: Record<PoolName, NodeGroupSpec>;
  region: string;
  /** Protect the KMS key and log group, and turn on the cluster's deletion protection (prod). */
  protect: boolean;
}

export const EKS_CLUSTER_DEFAULTS = {
  /** API requests, the audit trail and sign-ins: who did what, at a modest log volume. */
  logTypes: ["api", "audit", "authenticator"],
  /**
   * IMDS hop limit 1: pods (one network hop further than the node) cannot reach the instance metadata
   * service, so they cannot borrow the node role; every pod that calls AWS uses IRSA instead.
   */
  imdsHopLimit: 1,
};

export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcIssuer: pulumi.Output<string>;
  /** Security group EKS attaches to the control plane and every managed node. */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly storageClass: string;
  readonly architectures: ("amd64" | "arm64")[];

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:EksCluster", name, {}, opts);
    const p = { parent: this };
    const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };

    const secretsKey = kmsKey(
      `${name}-secrets`,
      {
        description: `${args.clusterName} Kubernetes secrets`,
        alias: `${args.clusterName}-eks-secrets`,
        protect: args.protect,
      },
      this,
    );
    // EKS writes to this group; creating it first is the only way to set its retention.
    const controlPlaneLogs = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      { name: `/aws/eks/${args.clusterName}/cluster`, retentionInDays: args.auditLogRetentionDays },
      stateful,
    );

    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      {
        description: `${args.clusterName} managed nodes`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      p,
    );
    [
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ].forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn }, p),
    );

    const publicEndpoint = args.apiAllowedCidrs.length > 0;
    const admins = args.clusterAdminArns.filter((arn) => arn !== args.deployerArn);
    // A remote component gets only the providers given to it, not those its parents inherit (the Node SDK
    // forwards `opts.providers` of the resource itself to the component provider): without this the
    // control plane, its IAM role, the OIDC provider and the add-ons use the default AWS provider (no
    // defaultTags, other credentials than the VPC's when aws:profile or assumeRoles is set).
    const awsProvider = this.getProvider("aws::");
    const addonVersion = (addon: EksAddon) => EKS_ADDON_VERSIONS[addon];
    const cluster = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: args.version,
        vpcId: args.vpcId,
        publicSubnetIds: args.publicSubnetIds,
        privateSubnetIds: args.privateSubnetIds,
        nodeAssociatePublicIpAddress: false,
        skipDefaultNodeGroup: true,
        // Managed node groups use the security group EKS creates; the component's extra groups go unused.
        skipDefaultSecurityGroups: true,
        authenticationMode: eks.AuthenticationMode.Api,
        instanceRoles: [nodeRole],
        accessEntries: Object.fromEntries(
          admins.map((arn, i) => [
            `admin-${i}`,
            {
              principalArn: arn,
              accessPolicies: {
                clusterAdmin: {
                  policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                  accessScope: { type: "cluster" },
                },
              },
            },
          ]),
        ),
        endpointPrivateAccess: true,
        endpointPublicAccess: publicEndpoint,
        ...(publicEndpoint ? { publicAccessCidrs: args.apiAllowedCidrs } : {}),
        encryptionConfigKeyArn: secretsKey.arn,
        enabledClusterLogTypes: args.logTypes,
        createOidcProvider: true,
        deletionProtection: args.protect,
        // The gp2 class EKS used to create is replaced by the encrypted gp3 class below.
        storageClasses: {},
        // STANDARD: when the pinned minor leaves standard support the cluster is upgraded, instead of
        // silently moving to extended support (six times the control-plane price).
        upgradePolicy: { supportType: "STANDARD" },
        // The VPC CNI as a managed add-on that enforces NetworkPolicy (it does not unless asked: the
        // tenants' default-deny and the hub's policies would be decorative) and hands out /28 prefixes,
        // so a small system node holds 110 pods instead of 17 (t3.medium: 3 ENIs x 5 addresses + 2).
        useDefaultVpcCni: false,
        vpcCniOptions: {
          addonVersion: addonVersion("vpc-cni"),
          enableNetworkPolicy: true,
          enablePrefixDelegation: true,
        },
        corednsAddonOptions: { enabled: true, version: addonVersion("coredns") },
        kubeProxyAddonOptions: { enabled: true, version: addonVersion("kube-proxy") },
      },
      {
        parent: this,
        dependsOn: [controlPlaneLogs],
        ...(awsProvider ? { providers: { aws: awsProvider } } : {}),
      },
    );

    this.clusterName = pulumi.output(cluster.eksCluster).apply((c) => c.name);
    this.nodeSecurityGroupId = pulumi
      .output(cluster.eksCluster)
      .apply((c) => c.vpcConfig.clusterSecurityGroupId);
    this.oidcProviderArn = cluster.oidcProviderArn;
    this.oidcIssuer = cluster.oidcIssuer;
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true },
      p,
    );

    // Node groups: one launch template each (IMDSv2 only, encrypted gp3 root volume).
    const archs = nodeGroups(this, name, {
      clusterName: args.clusterName,
      eksClusterName: this.clusterName,
      nodeRoleArn: nodeRole.arn,
      privateSubnetIds: args.privateSubnetIds,
      nodeGroups: args.nodeGroups,
    });
    this.architectures = [...archs];

    const issuer = { oidcProviderArn: this.oidcProviderArn, oidcIssuer: this.oidcIssuer };

    // EBS CSI driver (EKS add-on) with its own IRSA role, then the encrypted gp3 default class.
    const ebsRole = new IrsaRole(
      `${name}-ebs-csi`,
      {
        ...issuer,
        ...SYSTEM_SERVICE_ACCOUNTS.ebsCsi,
        managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
      },
      p,
    );
    const ebsAddon = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: this.clusterName,
        addonName: "aws-ebs-csi-driver",
        addonVersion: addonVersion("aws-ebs-csi-driver"),
        serviceAccountRoleArn: ebsRole.arn,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
      },
      p,
    );
    new k8s.storage.v1.StorageClass(
      `${name}-${STORAGE_CLASS}`,
      {
        metadata: {
          name: STORAGE_CLASS,
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // prod keeps a user's volume when its claim is deleted by mistake.
        reclaimPolicy: args.protect ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      },
      { parent: this, provider: this.provider, dependsOn: [ebsAddon] },
    );
    this.storageClass = STORAGE_CLASS;

    // Cluster Autoscaler: may only resize the groups tagged as this cluster's.
    clusterAutoscaler(this, name, {
      issuer,
      clusterName: args.clusterName,
      region: args.region,
      provider: this.provider,
    });

    this.registerOutputs({ clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn });
  }
}
