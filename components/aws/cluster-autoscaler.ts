/**
 * Cluster Autoscaler on the system pool: an IRSA role that may resize only the Auto Scaling groups tagged
 * as this cluster's, and the chart, non-root with a read-only root filesystem.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseArgs, splitImage } from "../shared/artifacts";
import { IMAGES } from "../versions";
import { POOL_LABEL } from "./eks";
import { IrsaRole, SYSTEM_SERVICE_ACCOUNTS } from "./identity";

export interface ClusterAutoscalerArgs {
  /** The cluster's OIDC provider, for the IRSA role. */
  issuer: { oidcProviderArn: pulumi.Input<string>; oidcIssuer: pulumi.Input<string> };
  clusterName: string;
  region: string;
  provider: k8s.Provider;
}

/** Registers the autoscaler's role and release as children of `parent`. */
export function clusterAutoscaler(parent: pulumi.Resource, name: string, a: ClusterAutoscalerArgs): void {
  const p = { parent };
  const autoscalerRole = new IrsaRole(
    `${name}-cluster-autoscaler`,
    {
      ...a.issuer,
      ...SYSTEM_SERVICE_ACCOUNTS.clusterAutoscaler,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Discover",
            Effect: "Allow",
            Action: [
              "autoscaling:DescribeAutoScalingGroups",
              "autoscaling:DescribeAutoScalingInstances",
              "autoscaling:DescribeLaunchConfigurations",
              "autoscaling:DescribeScalingActivities",
              "autoscaling:DescribeTags",
              "ec2:DescribeImages",
              "ec2:DescribeInstanceTypes",
              "ec2:DescribeLaunchTemplateVersions",
              "ec2:GetInstanceTypesFromInstanceRequirements",
              "eks:DescribeNodegroup",
            ],
            Resource: "*",
          },
          {
            Sid: "ResizeOwnGroups",
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: {
              StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${a.clusterName}`]: "owned" },
            },
          },
        ],
      }),
    },
    p,
  );
  const image = splitImage(IMAGES.clusterAutoscaler);
  new k8s.helm.v3.Release(
    `${name}-cluster-autoscaler`,
    {
      name: "cluster-autoscaler",
      ...releaseArgs(
        "clusterAutoscaler",
        {
          namespace: SYSTEM_SERVICE_ACCOUNTS.clusterAutoscaler.namespace,
          values: {
            cloudProvider: "aws",
            awsRegion: a.region,
            autoDiscovery: { clusterName: a.clusterName },
            image: { repository: image.repository, tag: image.tag },
            rbac: {
              serviceAccount: {
                create: true,
                name: SYSTEM_SERVICE_ACCOUNTS.clusterAutoscaler.serviceAccount,
                annotations: { "eks.amazonaws.com/role-arn": autoscalerRole.arn },
              },
            },
            extraArgs: {
              "balance-similar-node-groups": true,
              expander: "least-waste",
              "skip-nodes-with-local-storage": false,
              "scale-down-unneeded-time": "10m",
            },
            nodeSelector: { [POOL_LABEL]: "system" },
            resources: {
              requests: { cpu: "50m", memory: "200Mi" },
              limits: { memory: "400Mi" },
            },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              runAsGroup: 65534,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containerSecurityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            },
          },
        },
        {},
      ),
    },
    { parent, provider: a.provider },
  );
}
