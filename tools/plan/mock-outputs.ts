/**
 * Realistic outputs for the resource types and functions the program uses, so that code depending on
 * ids, ARNs, endpoints and kubeconfigs runs under mocks as it would against AWS or a cluster.
 * Values are derived from the resource name, so plans are deterministic.
 */
import { createHash } from "crypto";
import type { MockCallArgs, MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime";
import type { PlatformConfig } from "../../stacks/config";

export const MOCK_ACCOUNT = "210987654321";

function hex(seed: string, len: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, len);
}

function region(cfg: PlatformConfig): string {
  return cfg.aws?.region ?? "us-east-1";
}

function arn(cfg: PlatformConfig, service: string, resource: string, global = false): string {
  return `arn:aws:${service}:${global ? "" : region(cfg)}:${MOCK_ACCOUNT}:${resource}`;
}

/** A kubeconfig shaped like the one @pulumi/eks returns (an object, not YAML text). */
export function mockKubeconfig(clusterName: string, endpoint: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: clusterName, cluster: { server: endpoint, "certificate-authority-data": "TU9DSy1DQQ==" } },
    ],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName],
          },
        },
      },
    ],
  };
}

type Outputs = (args: MockResourceArgs, cfg: PlatformConfig, id: string) => Record<string, any>;

const byType: Record<string, Outputs> = {
  "aws:ec2/vpc:Vpc": (a, cfg, id) => ({
    arn: arn(cfg, "ec2", `vpc/${id}`),
    defaultSecurityGroupId: `sg-${hex(a.name + "dsg", 17)}`,
    mainRouteTableId: `rtb-${hex(a.name, 17)}`,
  }),
  "aws:ec2/subnet:Subnet": (_a, cfg, id) => ({ arn: arn(cfg, "ec2", `subnet/${id}`) }),
  "aws:ec2/securityGroup:SecurityGroup": (_a, cfg, id) => ({ arn: arn(cfg, "ec2", `security-group/${id}`) }),
  "aws:kms/key:Key": (_a, cfg, id) => ({ arn: arn(cfg, "kms", `key/${id}`), keyId: id }),
  "aws:iam/role:Role": (a, cfg) => ({
    arn: arn(cfg, "iam", `role/${a.inputs.name ?? a.name}`, true),
    name: a.inputs.name ?? a.name,
    uniqueId: `AROA${hex(a.name, 17).toUpperCase()}`,
  }),
  "aws:iam/policy:Policy": (a, cfg) => ({
    arn: arn(cfg, "iam", `policy/${a.inputs.name ?? a.name}`, true),
    name: a.inputs.name ?? a.name,
  }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (a, cfg) => ({
    arn: arn(
      cfg,
      "iam",
      `oidc-provider/oidc.eks.${region(cfg)}.amazonaws.com/id/${hex(a.name, 32).toUpperCase()}`,
      true,
    ),
  }),
  "aws:s3/bucket:Bucket": (a, cfg) => {
    // AWS appends 26 characters to a bucketPrefix.
    const bucket =
      a.inputs.bucket ??
      (a.inputs.bucketPrefix ? `${a.inputs.bucketPrefix}${hex(a.name, 26)}` : `${a.name}-${hex(a.name, 7)}`);
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${region(cfg)}.amazonaws.com`,
      region: region(cfg),
    };
  },
  "aws:s3/bucketV2:BucketV2": (a, cfg) => byType["aws:s3/bucket:Bucket"](a, cfg, ""),
  "aws:rds/instance:Instance": (a, cfg, id) => {
    const address = `${a.inputs.identifier ?? a.name}.c${hex(a.name, 11)}.${region(cfg)}.rds.amazonaws.com`;
    const port = a.inputs.port ?? 5432;
    return {
      address,
      port,
      endpoint: `${address}:${port}`,
      arn: arn(cfg, "rds", `db:${a.inputs.identifier ?? id}`),
      resourceId: `db-${hex(a.name, 26).toUpperCase()}`,
    };
  },
  "aws:rds/parameterGroup:ParameterGroup": (a, cfg) => ({
    arn: arn(cfg, "rds", `pg:${a.inputs.name ?? a.name}`),
  }),
  "aws:rds/subnetGroup:SubnetGroup": (a, cfg) => ({
    arn: arn(cfg, "rds", `subgrp:${a.inputs.name ?? a.name}`),
  }),
  "aws:cloudwatch/logGroup:LogGroup": (a, cfg) => ({
    arn: arn(cfg, "logs", `log-group:${a.inputs.name ?? a.name}`),
  }),
  "aws:eks/cluster:Cluster": (a, cfg) => ({
    arn: arn(cfg, "eks", `cluster/${a.inputs.name ?? a.name}`),
    endpoint: `https://${hex(a.name, 32).toUpperCase()}.gr7.${region(cfg)}.eks.amazonaws.com`,
    certificateAuthority: { data: "TU9DSy1DQQ==" },
    identities: [
      {
        oidcs: [
          { issuer: `https://oidc.eks.${region(cfg)}.amazonaws.com/id/${hex(a.name, 32).toUpperCase()}` },
        ],
      },
    ],
  }),
  "eks:index:Cluster": (a, cfg) => {
    const clusterName = a.inputs.name ?? `${a.name}-eks`;
    const endpoint = `https://${hex(a.name, 32).toUpperCase()}.gr7.${region(cfg)}.eks.amazonaws.com`;
    const oidcHost = `oidc.eks.${region(cfg)}.amazonaws.com/id/${hex(a.name, 32).toUpperCase()}`;
    return {
      kubeconfig: mockKubeconfig(clusterName, endpoint),
      kubeconfigJson: JSON.stringify(mockKubeconfig(clusterName, endpoint)),
      eksCluster: {
        name: clusterName,
        arn: arn(cfg, "eks", `cluster/${clusterName}`),
        endpoint,
        version: a.inputs.version,
        id: clusterName,
        vpcConfig: { clusterSecurityGroupId: `sg-${hex(a.name + "eks-csg", 17)}` },
      },
      clusterSecurityGroupId: `sg-${hex(a.name + "csg", 17)}`,
      nodeSecurityGroupId: `sg-${hex(a.name + "nsg", 17)}`,
      clusterSecurityGroup: { id: `sg-${hex(a.name + "csg", 17)}` },
      oidcProviderArn: arn(cfg, "iam", `oidc-provider/${oidcHost}`, true),
      oidcProviderUrl: `https://${oidcHost}`,
      oidcIssuer: oidcHost,
      core: { oidcProvider: { arn: arn(cfg, "iam", `oidc-provider/${oidcHost}`, true), url: oidcHost } },
    };
  },
  "eks:index:ManagedNodeGroup": (a, cfg) => ({
    nodeGroup: {
      arn: arn(cfg, "eks", `nodegroup/${a.name}`),
      nodeGroupName: a.inputs.nodeGroupName ?? a.name,
    },
  }),
  "aws:eks/nodeGroup:NodeGroup": (a, cfg) => {
    const group = `${a.inputs.nodeGroupNamePrefix ?? a.name}${hex(a.name, 8)}`;
    return {
      arn: arn(cfg, "eks", `nodegroup/${a.inputs.clusterName}/${group}`),
      nodeGroupName: group,
      status: "ACTIVE",
      resources: [{ autoscalingGroups: [{ name: `eks-${group}-${hex(a.name + "asg", 8)}` }] }],
    };
  },
  "aws:ec2/launchTemplate:LaunchTemplate": (_a, cfg, id) => ({
    arn: arn(cfg, "ec2", `launch-template/${id}`),
    latestVersion: 1,
    defaultVersion: 1,
  }),
  // An Elastic IP's address, from the documentation range (TEST-NET-2): a NAT instance that carries the
  // ingress hands it to Traefik's values, which the policies render during the plan.
  "aws:ec2/eip:Eip": (a) => ({
    publicIp: `198.51.100.${(parseInt(hex(a.name, 2), 16) % 254) + 1}`,
    allocationId: mockResourceId("aws:ec2/eip:Eip", a.name),
  }),
  "aws:eks/addon:Addon": (a, cfg) => ({
    arn: arn(cfg, "eks", `addon/${a.inputs.clusterName}/${a.inputs.addonName}/${hex(a.name, 8)}`),
  }),
  "random:index/randomPassword:RandomPassword": (a) => ({
    result: `mock-${hex(a.name, 24)}`,
    bcryptHash: `$2a$10$${hex(a.name, 53)}`,
  }),
  "random:index/randomString:RandomString": (a) => ({
    result: hex(a.name, a.inputs.length ?? 16).toLowerCase(),
  }),
  "random:index/randomId:RandomId": (a) => ({
    hex: hex(a.name, (a.inputs.byteLength ?? 8) * 2),
    b64Url: hex(a.name, 11),
  }),
  "tls:index/privateKey:PrivateKey": (a) => ({
    privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMOCK\n-----END PRIVATE KEY-----\n",
    publicKeyOpenssh: `ssh-ed25519 ${hex(a.name, 40)}`,
  }),
  "kubernetes:helm.sh/v3:Release": (a) => ({
    status: {
      name: a.inputs.name ?? a.name,
      namespace: a.inputs.namespace ?? "default",
      chart: a.inputs.chart,
      version: a.inputs.version,
      status: "deployed",
      revision: 1,
    },
  }),
  "kubernetes:core/v1:Namespace": (a) => ({
    metadata: { ...(a.inputs.metadata ?? {}), name: a.inputs.metadata?.name ?? a.name },
  }),
  "kubernetes:core/v1:Service": (a) => ({
    status: { loadBalancer: { ingress: [{ hostname: `${a.name}-${hex(a.name, 8)}.elb.amazonaws.com` }] } },
  }),
};

/** The zones the offline plan's region offers, by name and by zone ID (same order). */
export function mockZones(region: string): { names: string[]; zoneIds: string[] } {
  return {
    names: [`${region}a`, `${region}b`, `${region}c`, `${region}d`],
    zoneIds: ["use1-az1", "use1-az2", "use1-az4", "use1-az6"],
  };
}

/** The plan's subnets by the id the offline plan gave each (what node groups and annotations name). */
export function subnetsById<R extends { type: string; name: string }>(resources: R[]): Map<string, R> {
  return new Map(
    resources
      .filter((r) => r.type === "aws:ec2/subnet:Subnet")
      .map((r) => [mockResourceId(r.type, r.name), r]),
  );
}

/** The id the offline plan gives a resource (AWS networking ids look real: `subnet-<17 hex>`, ...). */
export function mockResourceId(type: string, name: string, inputs?: Record<string, any>): string {
  const prefix: Record<string, string> = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/networkInterface:NetworkInterface": "eni-",
  };
  return prefix[type]
    ? `${prefix[type]}${hex(name, 17)}`
    : type.startsWith("kubernetes:")
      ? `${inputs?.metadata?.namespace ?? "default"}/${inputs?.metadata?.name ?? name}`
      : `${name}-${hex(name, 8)}`;
}

/** Mock of resource registration: inputs echoed back (as a real provider does) plus computed outputs. */
export function mockResource(args: MockResourceArgs, cfg: PlatformConfig): MockResourceResult {
  const id = mockResourceId(args.type, args.name, args.inputs);
  const computed = byType[args.type]?.(args, cfg, id) ?? {};
  return { id, state: { ...args.inputs, ...computed } };
}

/** Mock of provider functions (data sources). */
export function mockCall(args: MockCallArgs, cfg: PlatformConfig): Record<string, any> {
  const r = region(cfg);
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { ...mockZones(r), state: "available" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: MOCK_ACCOUNT,
        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/offline-plan`,
        userId: "AIDAOFFLINEPLAN",
      };
    case "aws:iam/getSessionContext:getSessionContext":
      // An IAM user's ARN is its own issuer; an assumed-role session's issuer is the role.
      return { arn: args.inputs.arn, issuerArn: args.inputs.arn };
    case "aws:ssm/getParameter:getParameter":
      // Public AMI parameters resolve at deploy; offline, a stand-in ID that names the parameter's hash.
      return {
        name: args.inputs.name,
        type: "String",
        value: args.inputs.name.includes("/ami-") ? `ami-${hex(args.inputs.name, 17).toLowerCase()}` : "",
      };
    case "aws:index/getRegion:getRegion":
      return { name: r, region: r, id: r };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    default:
      return {};
  }
}
