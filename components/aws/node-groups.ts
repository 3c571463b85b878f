/**
 * The cluster's managed node groups: one launch template per pool (IMDSv2 only, hop limit 1, encrypted gp3
 * root volume), one group per pool or per zone, the taints and labels that steer pods, and the
 * Cluster Autoscaler's node-template tags copied onto each Auto Scaling group.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceArch } from "./catalogue";
import { EKS_CLUSTER_DEFAULTS, POOL_LABEL, type NodeGroupSpec, type PoolName } from "./eks";

export interface NodeGroupsArgs {
  /** Cluster name as configured (names templates and autoscaler tags). */
  clusterName: string;
  /** The EKS cluster's name as created (the node groups join it). */
  eksClusterName: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  nodeGroups: Record<PoolName, NodeGroupSpec>;
}

/**
 * Launch-template user data for a pool with fewer pod slots: a nodeadm NodeConfig (MIME part
 * `application/node.eks.aws`, which a managed node group merges with its own; nodeadm doc/examples.md
 * "Merging multiple configuration objects") whose `maxPodsExpression` sets the kubelet's max pods and, with
 * it, the kube-reserved memory (nodeadm internal/kubelet/config.go `withDefaultReservedResources`: kubeReserved
 * memory = 11 x maxPods + 255 MiB from the expression's result; doc/api.md `maxPodsExpression`).
 */
export function maxPodsUserData(maxPods: number): string {
  return [
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="DATAVIS"',
    "",
    "--DATAVIS",
    "Content-Type: application/node.eks.aws",
    "",
    "---",
    "apiVersion: node.eks.aws/v1alpha1",
    "kind: NodeConfig",
    "spec:",
    "  kubelet:",
    `    maxPodsExpression: "${maxPods}"`,
    "",
    "--DATAVIS--",
    "",
  ].join("\n");
}

/** The max pods a launch template's (base64) user data sets with `maxPodsUserData`, if any. */
export function userDataMaxPods(userDataBase64: unknown): number | undefined {
  if (typeof userDataBase64 !== "string") return undefined;
  const m = /maxPodsExpression: "(\d+)"/.exec(Buffer.from(userDataBase64, "base64").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

/** Tags of a pool's instances (its launch template's): what the NAT instance finds the system nodes by. */
export function nodeInstanceTags(clusterName: string, pool: PoolName): Record<string, string> {
  return { Name: `${clusterName}-${pool}`, [POOL_LABEL]: pool };
}

/** Registers the pools' node groups as children of `parent`; returns the architectures they run. */
export function nodeGroups(parent: pulumi.Resource, name: string, a: NodeGroupsArgs): Set<"amd64" | "arm64"> {
  const p = { parent };
  const archs = new Set<"amd64" | "arm64">();
  for (const [pool, spec] of Object.entries(a.nodeGroups) as [PoolName, NodeGroupSpec][]) {
    const arch = instanceArch(spec.instanceTypes[0]);
    // One group per zone (`<pool>-0`, `<pool>-1`, ...) or one across every private subnet (`<pool>`).
    const placements = spec.perZone
      ? a.privateSubnetIds
          .slice(0, spec.zoneCount ?? a.privateSubnetIds.length)
          .map((subnet, i) => ({ suffix: `-${i}`, subnets: [subnet] }))
      : [{ suffix: "", subnets: a.privateSubnetIds }];
    archs.add(arch === "arm64" ? "arm64" : "amd64");
    const template = new aws.ec2.LaunchTemplate(
      `${name}-${pool}`,
      {
        description: `${a.clusterName} ${pool} nodes`,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: EKS_CLUSTER_DEFAULTS.imdsHopLimit,
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: spec.diskGb,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        tagSpecifications: [
          { resourceType: "instance", tags: nodeInstanceTags(a.clusterName, pool) },
          { resourceType: "volume", tags: { Name: `${a.clusterName}-${pool}` } },
        ],
        updateDefaultVersion: true,
        ...(spec.maxPods ? { userData: Buffer.from(maxPodsUserData(spec.maxPods)).toString("base64") } : {}),
      },
      p,
    );
    const taints = spec.dedicated ? [{ key: POOL_LABEL, value: pool, effect: "NO_SCHEDULE" }] : [];
    // Cluster Autoscaler reads these to build a node from nothing when the group is at 0.
    const templateTags: Record<string, string> = {
      [`k8s.io/cluster-autoscaler/node-template/label/${POOL_LABEL}`]: pool,
      ...(spec.dedicated
        ? { [`k8s.io/cluster-autoscaler/node-template/taint/${POOL_LABEL}`]: `${pool}:NoSchedule` }
        : {}),
    };
    for (const placement of placements) {
      const group = new aws.eks.NodeGroup(
        `${name}-${pool}${placement.suffix}`,
        {
          clusterName: a.eksClusterName,
          nodeGroupNamePrefix: `${pool}${placement.suffix}-`,
          nodeRoleArn: a.nodeRoleArn,
          subnetIds: placement.subnets,
          amiType: arch === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
          capacityType: spec.capacityType,
          instanceTypes: spec.instanceTypes,
          // A pool split by zone shares its sizes among its groups (the pool's sizes stay the totals).
          scalingConfig: {
            minSize: Math.ceil(spec.minSize / placements.length),
            desiredSize: Math.ceil(spec.desiredSize / placements.length),
            maxSize: Math.max(1, Math.ceil(spec.maxSize / placements.length)),
          },
          updateConfig: { maxUnavailable: 1 },
          launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
          labels: { [POOL_LABEL]: pool },
          taints,
          tags: {
            ...templateTags,
            "k8s.io/cluster-autoscaler/enabled": "true",
            [`k8s.io/cluster-autoscaler/${a.clusterName}`]: "owned",
          },
        },
        // The autoscaler owns the desired size once the group exists.
        { parent, ignoreChanges: ["scalingConfig.desiredSize"] },
      );
      // EKS does not copy node-group tags to the Auto Scaling group, where the autoscaler looks.
      const asgName = group.resources.apply((r) => r?.[0]?.autoscalingGroups?.[0]?.name ?? "");
      Object.entries(templateTags).forEach(([key, value], i) => {
        new aws.autoscaling.Tag(
          `${name}-${pool}${placement.suffix}-asg-tag-${i}`,
          { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
          p,
        );
      });
    }
  }
  return archs;
}
