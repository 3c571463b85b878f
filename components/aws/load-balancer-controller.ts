/**
 * The AWS Load Balancer Controller (chart aws-load-balancer-controller, CHARTS.awsLoadBalancerController)
 * with its own IRSA role, and the Service annotations that hand the ingress Service to it: an
 * internet-facing Network Load Balancer with IP targets that keeps the client's address, instead of the
 * Classic Load Balancer the cloud provider would make for an unannotated Service of type LoadBalancer.
 *
 * The IAM policy is written here from the controller's documentation at v3.5.0 (docs/deploy/installation.md
 * "Configure IAM", docs/deploy/security_groups.md, docs/guide/service/nlb.md "Security group"), narrowed
 * to what an NLB for Services needs: no ALB-only features (WAF, Shield, Cognito, ACM and IAM server
 * certificates, listener rules), and every write scoped by a tag: to this cluster's value of
 * `elbv2.k8s.aws/cluster` (upstream only asks that the tag exist, on any cluster) or, for the rules the
 * controller adds to the pods' security group, to `kubernetes.io/cluster/<name>`, the tag by which the
 * controller itself picks that group (nlb.md, "Worker node security groups selection").
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseArgs, type ArtifactSource } from "../shared/artifacts";
import type { IngressServiceInput } from "../shared/inputs";
import { IrsaRole, SYSTEM_SERVICE_ACCOUNTS } from "./identity";

export interface LoadBalancerControllerArgs {
  /** EKS cluster name: the controller's `clusterName`, and the tag value its AWS writes are scoped to. */
  clusterName: pulumi.Input<string>;
  /** VPC of the cluster (given, so the controller need not read it from the instance metadata it cannot reach). */
  vpcId: pulumi.Input<string>;
  region: string;
  /** ARN of the cluster's IAM OIDC provider and its issuer (IRSA). */
  oidcProviderArn: pulumi.Input<string>;
  oidcIssuer: pulumi.Input<string>;
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Node selector that keeps the controller on the system pool. */
  nodeSelector: Record<string, string>;
  /** Controller replicas (leader-elected: a second one takes over when the leader's node goes away). */
  replicas?: number;
  /**
   * Public subnets the ingress NLB lives in: one per zone that runs ingress pods. Unset: every public subnet
   * the controller discovers (tag `kubernetes.io/role/elb`), a node and a billed IPv4 address in each.
   */
  ingressSubnetIds?: pulumi.Input<string>[];
  /** Where the chart comes from. */
  source: ArtifactSource;
}

export const LOAD_BALANCER_CONTROLLER_DEFAULTS = {
  /** The chart's own default; one is leader, the other takes over within the lease time. */
  replicas: 2,
  /** No requests in the chart (values.yaml `resources: {}`): sized from the controller's idle footprint. */
  resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
};

/**
 * Annotations that give a Service of type LoadBalancer to the controller as an internet-facing NLB.
 * Source: kubernetes-sigs/aws-load-balancer-controller@v3.5.0 docs/guide/service/annotations.md:
 * - `aws-load-balancer-type: external` makes the cloud provider's controller ignore the Service and this
 *   controller reconcile it (nlb.md lines 92-94);
 * - `nlb-target-type: ip` registers the Traefik pods themselves (no NodePort hop, no node in the path);
 * - `scheme` defaults to `internal` (line 651): the hub must be reachable from the internet;
 * - client IP preservation is off by default for IP targets (line 620) and is turned on with the target
 *   group attribute `preserve_client_ip.enabled=true` (line 344), so Traefik's access log and the hub see
 *   the user's address. The controller then allows the client CIDRs on the pods' security group (nlb.md,
 *   "When client IP preservation is enabled").
 */
export function nlbServiceAnnotations(
  subnetIds?: pulumi.Input<string>[],
): Record<string, pulumi.Input<string>> {
  return {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    // The zones the NLB has a node (and a public IPv4 address) in: those of the Traefik pods (stringList of
    // subnet ids, annotations.md `aws-load-balancer-subnets`). With cross-zone load balancing off (the NLB
    // default), a node in a zone without targets only sends its clients away; it is not made at all.
    ...(subnetIds?.length
      ? {
          "service.beta.kubernetes.io/aws-load-balancer-subnets": pulumi
            .all(subnetIds)
            .apply((s) => s.join(",")),
        }
      : {}),
  };
}

/**
 * Namespace label that makes the controller's pod webhook add readiness gates to the ingress pods: a new
 * Traefik pod counts as ready only once the NLB reports its target healthy, so a rollout never leaves the
 * load balancer without a healthy target (docs/deploy/pod_readiness_gate.md at v3.5.0).
 */
export const POD_READINESS_GATE_LABEL = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" };

/** The controller's role policy: describe anything, write only what carries this cluster's tag. */
export function loadBalancerControllerPolicy(clusterName: string, region: string, vpcId: string): string {
  const elb = `arn:aws:elasticloadbalancing:${region}:*`;
  const ownCluster = { "aws:ResourceTag/elbv2.k8s.aws/cluster": clusterName };
  const taggedForCluster = { "aws:RequestTag/elbv2.k8s.aws/cluster": clusterName };
  // A later change may not (re)write the cluster tag: what is this cluster's stays so, nothing else joins.
  const keepsClusterTag = { "aws:RequestTag/elbv2.k8s.aws/cluster": "true" };
  const nlbResources = [`${elb}:loadbalancer/net/*/*`, `${elb}:targetgroup/*/*`];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ServiceLinkedRoleForElb",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
      },
      {
        // Read-only discovery (subnets by tag, security groups, pod ENIs, existing load balancers): the
        // Describe calls the controller's v3.5.0 source makes (`git grep` of pkg/ and main.go at the tag).
        Sid: "Describe",
        Effect: "Allow",
        Action: [
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeVpcs",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeInstances",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeRouteTables",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeListenerAttributes",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetHealth",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeCapacityReservation",
        ],
        Resource: "*",
      },
      {
        // The NLB's frontend and the shared backend security group, created already tagged.
        Sid: "CreateOwnSecurityGroups",
        Effect: "Allow",
        Action: "ec2:CreateSecurityGroup",
        Resource: `arn:aws:ec2:${region}:*:security-group/*`,
        Condition: { StringEquals: taggedForCluster },
      },
      {
        // CreateSecurityGroup also authorizes against the VPC, which carries no request tag: this VPC only.
        Sid: "CreateSecurityGroupInVpc",
        Effect: "Allow",
        Action: "ec2:CreateSecurityGroup",
        Resource: `arn:aws:ec2:${region}:*:vpc/${vpcId}`,
      },
      {
        Sid: "TagOnCreate",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: `arn:aws:ec2:${region}:*:security-group/*`,
        Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", ...taggedForCluster } },
      },
      {
        Sid: "ManageOwnSecurityGroups",
        Effect: "Allow",
        Action: [
          "ec2:CreateTags",
          "ec2:DeleteTags",
          "ec2:AuthorizeSecurityGroupIngress",
          "ec2:RevokeSecurityGroupIngress",
          "ec2:DeleteSecurityGroup",
        ],
        Resource: `arn:aws:ec2:${region}:*:security-group/*`,
        Condition: { StringEquals: ownCluster, Null: keepsClusterTag },
      },
      {
        // The pods' (EKS cluster) security group: rules that let the NLB reach the Traefik pods.
        Sid: "RulesOnClusterSecurityGroup",
        Effect: "Allow",
        Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        Resource: `arn:aws:ec2:${region}:*:security-group/*`,
        Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${clusterName}`]: "owned" } },
      },
      {
        Sid: "CreateTaggedLoadBalancers",
        Effect: "Allow",
        Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
        Resource: "*",
        Condition: { StringEquals: taggedForCluster },
      },
      {
        Sid: "TagOnCreateLoadBalancers",
        Effect: "Allow",
        Action: "elasticloadbalancing:AddTags",
        Resource: nlbResources,
        Condition: {
          StringEquals: {
            "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"],
            ...taggedForCluster,
          },
        },
      },
      {
        Sid: "ManageOwnLoadBalancers",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:AddTags",
          "elasticloadbalancing:RemoveTags",
          "elasticloadbalancing:ModifyLoadBalancerAttributes",
          "elasticloadbalancing:SetIpAddressType",
          "elasticloadbalancing:SetSecurityGroups",
          "elasticloadbalancing:SetSubnets",
          "elasticloadbalancing:DeleteLoadBalancer",
          "elasticloadbalancing:ModifyTargetGroup",
          "elasticloadbalancing:ModifyTargetGroupAttributes",
          "elasticloadbalancing:DeleteTargetGroup",
          "elasticloadbalancing:RegisterTargets",
          "elasticloadbalancing:DeregisterTargets",
        ],
        Resource: nlbResources,
        Condition: { StringEquals: ownCluster, Null: keepsClusterTag },
      },
      {
        // A listener carries no tag when it is created; scoped to network load balancers and their
        // listeners in this region (upstream leaves these actions on every resource).
        Sid: "ListenersOfNlbs",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:CreateListener",
          "elasticloadbalancing:DeleteListener",
          "elasticloadbalancing:ModifyListener",
          "elasticloadbalancing:ModifyListenerAttributes",
        ],
        Resource: [`${elb}:loadbalancer/net/*/*`, `${elb}:listener/net/*/*/*`],
      },
      {
        // Tags on listeners only: tagging a load balancer goes through the cluster-tag statements above.
        Sid: "ListenerTags",
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        Resource: `${elb}:listener/net/*/*/*`,
      },
    ],
  });
}

export class LoadBalancerController extends pulumi.ComponentResource {
  /** The Helm release: the ingress Service is created after it, so the controller is there to take it. */
  readonly release: k8s.helm.v3.Release;
  readonly roleArn: pulumi.Output<string>;
  /**
   * Traefik's Service as this controller's internet-facing NLB (IP targets, client address kept), made
   * only once the controller runs, with pod readiness gates in Traefik's namespace.
   */
  readonly ingressService: IngressServiceInput;

  constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:LoadBalancerController", name, {}, opts);
    const sa = SYSTEM_SERVICE_ACCOUNTS.loadBalancerController;
    const role = new IrsaRole(
      name,
      {
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuer: args.oidcIssuer,
        ...sa,
        policy: pulumi
          .all([args.clusterName, args.vpcId])
          .apply(([cluster, vpc]) => loadBalancerControllerPolicy(cluster, args.region, vpc)),
      },
      { parent: this },
    );
    this.roleArn = role.arn;
    const d = LOAD_BALANCER_CONTROLLER_DEFAULTS;
    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: "aws-load-balancer-controller",
        ...releaseArgs(
          "awsLoadBalancerController",
          {
            namespace: sa.namespace,
            values: {
              clusterName: args.clusterName,
              region: args.region,
              vpcId: args.vpcId,
              replicaCount: args.replicas ?? d.replicas,
              serviceAccount: {
                create: true,
                name: sa.serviceAccount,
                annotations: { "eks.amazonaws.com/role-arn": role.arn },
              },
              resources: d.resources,
              nodeSelector: args.nodeSelector,
              // Services only: no `alb` IngressClass beside Traefik's, and no ALB add-ons the role may not use.
              createIngressClassResource: false,
              ingressClassParams: { create: false },
              enableShield: false,
              enableWaf: false,
              enableWafv2: false,
              // The chart's Service webhook (failurePolicy Fail, on every Service CREATE in the cluster)
              // would make any Service creation depend on this controller being up; the ingress Service
              // names its controller by annotation instead (nlbServiceAnnotations).
              enableServiceMutatorWebhook: false,
            },
          },
          args.source,
        ),
      },
      { parent: this, provider: args.provider },
    );
    this.ingressService = {
      kind: "loadBalancer",
      annotations: nlbServiceAnnotations(args.ingressSubnetIds),
      namespaceLabels: POD_READINESS_GATE_LABEL,
      dependsOn: [this.release],
    };
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
