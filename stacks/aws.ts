/**
 * AWS target: Network -> Cluster -> Database -> ObjectStore -> workload identity -> Platform.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Buckets } from "../components/aws/buckets";
import { eksAllocatable, instanceShape, podsPerNode, sameShapeTypes } from "../components/aws/catalogue";
import { notebookSizingFor, type NodeAllocatable } from "../components/platform/notebooks/profile-fit";
import { EksCluster, NodeGroupSpec, POOL_LABEL, PoolName } from "../components/aws/eks";
import { IrsaRole, WORKLOAD_SERVICE_ACCOUNTS, bucketPrefixPolicy } from "../components/aws/identity";
import { TenantNotebookIdentity, TenantSparkIdentity } from "../components/aws/tenant-identity";
import {
  TENANT_NOTEBOOK_ROLE,
  TENANT_SPARK_ROLE,
  TENANT_SPARK_SERVICE_ACCOUNT,
} from "../components/platform/tenancy/names";
import { TenantBackupWriterIdentity } from "../components/aws/tenant-backup-identity";
import { TENANT_BACKUP_SERVICE_ACCOUNT } from "../components/shared/tenant-backups";
import { tenantNamespace } from "../components/shared/naming";
import { PostgresRds, POSTGRES_RDS_DEFAULTS } from "../components/aws/rds";
import { Vpc } from "../components/aws/vpc";
import { LoadBalancerController } from "../components/aws/load-balancer-controller";
import { ExternalDns } from "../components/aws/external-dns";
import { Platform, type ObjectStoreWorkload } from "../components/platform";
import { KUBERNETES_VERSION } from "../components/versions";
import { ONLINE } from "../components/shared/artifacts";
import type { PlatformConfig } from "./config";
import { platformSettings } from "./platform-args";
import type { StackOutputs } from "./program";
import { clusterInput, databaseInput, objectStoreInput, tlsInput } from "./aws-inputs";

export {
  clusterInput,
  databaseInput,
  LETSENCRYPT_PRODUCTION,
  objectStoreInput,
  tlsInput,
} from "./aws-inputs";

/**
 * What the smallest of `instanceTypes` offers pods on EKS (prefix delegation on: 110 pod slots, whose
 * kube-reserved memory the AMI sets aside).
 */
export function smallestNode(instanceTypes: string[]): NodeAllocatable {
  const nodes = instanceTypes.map((t) => {
    const shape = instanceShape(t);
    const pods = podsPerNode(t, true);
    if (!shape || !pods) throw new Error(`instance type ${t} is not in components/aws/catalogue.ts`);
    const a = eksAllocatable(shape, pods);
    return { cpuCores: a.cpuMilli / 1000, memoryMi: a.memoryMi };
  });
  return nodes.reduce((m, n) => (n.memoryMi < m.memoryMi ? n : m));
}

/** Control-plane log types: all five in prod; in dev the three that trace who did what (cheaper). */
const ALL_CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const DEV_CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"];

/**
 * Pod slots of a system node. The platform runs about 30 pods there (the plan's `systemPool` counts them);
 * the VPC CNI's 110 would set aside 11 MiB of kube-reserved memory for each of 70 slots never used.
 */
const SYSTEM_NODE_MAX_PODS = 40;

/** System nodes, one per zone (the first private subnets' zones): the ingress pods run there. */
const systemNodeCount = (cfg: PlatformConfig): number => (cfg.production ? 2 : 1);

function nodeGroups(cfg: PlatformConfig): Record<PoolName, NodeGroupSpec> {
  const a = cfg.aws!;
  const system = systemNodeCount(cfg);
  return {
    system: {
      // Spot (dev): any type of the configured one's shape and architecture, so a reclaimed node is
      // replaced from whichever pool has capacity; the estimate prices the first.
      instanceTypes:
        a.systemNodeCapacity === "spot"
          ? sameShapeTypes(a.systemNodeInstanceType)
          : [a.systemNodeInstanceType],
      capacityType: a.systemNodeCapacity === "spot" ? "SPOT" : "ON_DEMAND",
      minSize: system,
      desiredSize: system,
      maxSize: system + 2,
      // The EKS default root size; the system node only pulls the platform's images.
      diskGb: 20,
      dedicated: false,
      // Prometheus and the hub's activity log keep EBS volumes, which stay in their zone: one group
      // per zone (one node each), so a node the Auto Scaling group replaces (an upgrade, a failed host) comes
      // back in the zone of the volumes its pods left. Across zones, the group would balance it elsewhere.
      perZone: true,
      zoneCount: system,
      maxPods: SYSTEM_NODE_MAX_PODS,
    },
    notebooks: {
      instanceTypes: a.notebookInstanceTypes,
      capacityType: "SPOT",
      minSize: 0,
      desiredSize: 0,
      maxSize: a.notebookMaxNodes,
      diskGb: 50,
      dedicated: true,
      // Homes are zonal EBS volumes: one group per zone so the autoscaler can add a node where the volume is.
      perZone: true,
    },
    spark: {
      instanceTypes: a.sparkInstanceTypes,
      capacityType: "SPOT",
      minSize: 0,
      desiredSize: 0,
      maxSize: a.sparkMaxNodes,
      diskGb: 50,
      dedicated: true,
    },
  };
}

export async function awsStack(cfg: PlatformConfig): Promise<StackOutputs> {
  const a = cfg.aws!;
  const prod = cfg.production;
  const name = `${cfg.project}-${cfg.stack}`;
  const provider = new aws.Provider("aws", {
    region: a.region as aws.Region,
    defaultTags: { tags: { project: cfg.project, stack: cfg.stack, environment: cfg.environment } },
  });
  const opts = { providers: [provider] };

  // Who runs `pulumi up`: EKS makes that principal a cluster admin itself (see EksClusterArgs.deployerArn).
  const caller = await aws.getCallerIdentity({}, { provider });
  const deployer = await aws.iam.getSessionContext({ arn: caller.arn }, { provider });

  const vpc = new Vpc(
    "network",
    {
      cidr: a.vpcCidr,
      azCount: a.azCount,
      natGateways: a.natGateways,
      natMode: a.natMode,
      natInstanceType: a.natInstanceType,
      flowLogRetentionDays: a.flowLogRetentionDays,
      clusterName: name,
      protect: prod,
    },
    opts,
  );

  const cluster = new EksCluster(
    "cluster",
    {
      clusterName: name,
      version: KUBERNETES_VERSION,
      vpcId: vpc.vpcId,
      publicSubnetIds: vpc.publicSubnetIds,
      privateSubnetIds: vpc.privateSubnetIds,
      apiAllowedCidrs: a.apiAllowedCidrs,
      clusterAdminArns: a.clusterAdminArns,
      deployerArn: deployer.issuerArn,
      auditLogRetentionDays: a.auditLogRetentionDays,
      logTypes: prod ? ALL_CONTROL_PLANE_LOGS : DEV_CONTROL_PLANE_LOGS,
      nodeGroups: nodeGroups(cfg),
      region: a.region,
      protect: prod,
    },
    opts,
  );

  const database = new PostgresRds(
    "database",
    {
      identifier: name,
      vpcId: vpc.vpcId,
      subnetIds: vpc.databaseSubnetIds,
      clientSecurityGroupId: cluster.nodeSecurityGroupId,
      instanceClass: a.dbInstanceClass,
      allocatedStorageGb: a.dbAllocatedStorageGb,
      backupRetentionDays: a.dbBackupRetentionDays,
      production: prod,
      databaseName: POSTGRES_RDS_DEFAULTS.databaseName,
      adminUser: POSTGRES_RDS_DEFAULTS.adminUser,
    },
    opts,
  );

  const buckets = new Buckets(
    "object-store",
    { namePrefix: name, noncurrentVersionDays: cfg.notebookBackupRetentionDays, protect: prod },
    opts,
  );

  // One IRSA role per workload, each limited to its bucket and prefix.
  const roleArns: Partial<Record<ObjectStoreWorkload, pulumi.Output<string>>> = {};
  for (const [workload, binding] of Object.entries(WORKLOAD_SERVICE_ACCOUNTS) as [
    ObjectStoreWorkload,
    (typeof WORKLOAD_SERVICE_ACCOUNTS)[ObjectStoreWorkload],
  ][]) {
    const role = new IrsaRole(
      `workload-${workload}`,
      {
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        namespace: binding.namespace,
        serviceAccount: binding.serviceAccount,
        policy: bucketPrefixPolicy(binding, buckets.arns[binding.bucket], buckets.kmsKeyArn, a.region),
      },
      opts,
    );
    roleArns[workload] = role.arn;
  }

  // Tenants' notebook servers: one role, scoped per tenant by the Pod Identity namespace session tag.
  const tenantNamespaces = cfg.tenants.map((t) => tenantNamespace(t.name));
  const tenantNotebooks = new TenantNotebookIdentity(
    TENANT_NOTEBOOK_ROLE,
    {
      clusterName: cluster.clusterName,
      namespaces: tenantNamespaces,
      serviceAccount: "notebook",
      buckets: { notebooks: buckets.names.notebooks, datasets: buckets.names.datasets },
      kmsKeyArn: buckets.kmsKeyArn,
      region: a.region,
    },
    opts,
  );
  // Tenants' Spark drivers and executors: the same mechanism, over their tenant's prefix of the Spark bucket.
  new TenantSparkIdentity(
    TENANT_SPARK_ROLE,
    {
      clusterName: cluster.clusterName,
      namespaces: tenantNamespaces,
      serviceAccount: TENANT_SPARK_SERVICE_ACCOUNT,
      buckets: { spark: buckets.names.spark, datasets: buckets.names.datasets },
      kmsKeyArn: buckets.kmsKeyArn,
      region: a.region,
      agent: tenantNotebooks.agent,
    },
    opts,
  );
  // Tenants' home-backup copier Jobs: upload only, under backups/tenants/<namespace>/ (same mechanism).
  new TenantBackupWriterIdentity(
    "tenant-backup-writer",
    {
      clusterName: cluster.clusterName,
      namespaces: tenantNamespaces,
      serviceAccount: TENANT_BACKUP_SERVICE_ACCOUNT,
      notebooksBucket: buckets.names.notebooks,
      kmsKeyArn: buckets.kmsKeyArn,
      region: a.region,
    },
    // The Pod Identity agent add-on comes with the notebooks' identity.
    { ...opts, dependsOn: [tenantNotebooks.agent] },
  );

  // The ingress NLB's maker, on the system pool; Traefik's Service waits for it (its ingressService).
  const issuer = { oidcProviderArn: cluster.oidcProviderArn, oidcIssuer: cluster.oidcIssuer };
  const system = { nodeSelector: { [POOL_LABEL]: "system" }, provider: cluster.provider, source: ONLINE };
  const lbController = new LoadBalancerController(
    "load-balancer-controller",
    {
      ...issuer,
      ...system,
      clusterName: cluster.clusterName,
      vpcId: vpc.vpcId,
      region: a.region,
      // The NLB only in the zones of the system nodes, where Traefik runs (public and private subnets are
      // made zone by zone in the same order).
      ingressSubnetIds: vpc.publicSubnetIds.slice(0, systemNodeCount(cfg)),
      // One per system node: a second replica on dev's only node would survive no node loss, only take
      // 128 MiB of it (the NLB keeps serving while a lone controller restarts).
      replicas: systemNodeCount(cfg),
    },
    { ...opts, dependsOn: [cluster] },
  );
  // Optional: the endpoints' DNS records kept in an existing Route 53 zone (else made by hand, docs/aws.md).
  if (a.externalDnsZoneId)
    new ExternalDns(
      "external-dns",
      {
        ...issuer,
        ...system,
        zoneId: a.externalDnsZoneId,
        domain: cfg.domain,
        txtOwnerId: name,
        region: a.region,
      },
      { ...opts, dependsOn: [cluster] },
    );

  const platform = new Platform(
    "platform",
    {
      cluster: clusterInput(cluster, lbController.ingressService),
      database: databaseInput(database, a.region),
      objectStore: objectStoreInput(buckets, roleArns, a.region),
      tls: tlsInput(a.acmeEmail),
      ...platformSettings(cfg),
      // Sized for the smallest notebook node the autoscaler may add (a 2-vCPU node cannot guarantee 2 CPUs).
      notebookSizing: notebookSizingFor(smallestNode(a.notebookInstanceTypes)),
    },
    { dependsOn: [cluster, database, buckets] },
  );

  return {
    region: a.region,
    clusterName: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    databaseEndpoint: database.endpoint,
    buckets: buckets.names,
    hubUrl: platform.urls.hub,
    grafanaUrl: platform.urls.grafana,
    headlampUrl: platform.urls.headlamp,
    // Point hub., grafana. and headlamp.<domain> at it (CNAME or Route 53 alias; docs/aws.md).
    ingressHostname: platform.ingressAddress,
  };
}
