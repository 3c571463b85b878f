/**
 * AWS target: Network -> Cluster -> Database -> ObjectStore -> workload identity -> Platform.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Buckets } from "../components/aws/buckets";
import { notebookSizingFor } from "../components/platform/notebooks/profile-fit";
import { EksCluster } from "../components/aws/eks";
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
import { Platform, type ObjectStoreWorkload } from "../components/platform";
import { KUBERNETES_VERSION } from "../components/versions";
import type { PlatformConfig } from "./config";
import { platformSettings } from "./platform-args";
import type { StackOutputs } from "./program";
import { clusterInput, databaseInput, objectStoreInput, tlsInput } from "./aws-inputs";
import { awsIngress, natIngressFor } from "./aws-ingress";
import { nodeGroups, smallestNode } from "./aws-nodes";

export { smallestNode } from "./aws-nodes";

export {
  clusterInput,
  databaseInput,
  LETSENCRYPT_PRODUCTION,
  objectStoreInput,
  tlsInput,
} from "./aws-inputs";

/** Control-plane log types: all five in prod; in dev the three that trace who did what (cheaper). */
const ALL_CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const DEV_CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"];

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
      natIngress: natIngressFor(cfg, name),
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

  const ingressService = awsIngress(cfg, name, vpc, cluster, provider);

  const platform = new Platform(
    "platform",
    {
      cluster: clusterInput(cluster, ingressService),
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
    // Point hub., grafana. and headlamp.<domain> at it (docs/aws.md): the NLB's host name (CNAME or Route 53
    // alias), or the NAT instance's address (A records) with ingressMode natInstance.
    ...(a.ingressMode === "natInstance"
      ? { ingressAddress: platform.ingressAddress }
      : { ingressHostname: platform.ingressAddress }),
  };
}
