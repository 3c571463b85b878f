/**
 * The four inputs the AWS target gives the platform layer: the EKS cluster (Traefik behind an NLB, spot
 * pools for notebooks and Spark), RDS, S3 with workload identity, and Let's Encrypt.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Buckets } from "../components/aws/buckets";
import { POOL_LABEL, type EksCluster, type PoolName } from "../components/aws/eks";
import { rdsCaBundle, type PostgresRds } from "../components/aws/rds";
import { POD_IDENTITY_AGENT } from "../components/aws/tenant-identity";
import type {
  ClusterInput,
  DatabaseInput,
  IngressServiceInput,
  ObjectStoreInput,
  ObjectStoreWorkload,
  TlsIssuerInput,
} from "../components/platform";
import { ONLINE } from "../components/shared/artifacts";

/** Let's Encrypt's production ACME directory. */
export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

function pool(name: PoolName) {
  return {
    nodeSelector: { [POOL_LABEL]: name },
    tolerations: [{ key: POOL_LABEL, operator: "Equal", value: name, effect: "NoSchedule" }],
  };
}

/** The cluster as the platform sees it: Traefik as ingress, spot pools for notebooks and Spark. */
export function clusterInput(
  cluster: Pick<EksCluster, "provider" | "storageClass" | "architectures">,
  ingressService?: IngressServiceInput,
): ClusterInput {
  return {
    provider: cluster.provider,
    storageClass: cluster.storageClass,
    architectures: cluster.architectures,
    installIngress: true,
    ingressClass: "traefik",
    nodePools: { notebooks: pool("notebooks"), spark: pool("spark") },
    // Online: charts from their repositories, images from their registries.
    artifacts: ONLINE,
    ...(ingressService ? { ingressService } : {}),
  };
}

/**
 * RDS as the platform sees it: admin credentials (the platform creates the app and read-only roles with
 * them) and TLS verified against the region's RDS CA, host name included.
 */
export function databaseInput(
  database: Pick<PostgresRds, "address" | "port" | "databaseName" | "adminUser" | "adminPassword">,
  region: string,
): DatabaseInput {
  return {
    host: database.address,
    port: database.port,
    database: database.databaseName,
    adminUser: database.adminUser,
    adminPassword: database.adminPassword,
    sslMode: "verify-full",
    caCertificate: rdsCaBundle(region),
  };
}

/** S3 as the platform sees it: the three buckets and one IRSA role per workload (no static keys). */
export function objectStoreInput(
  buckets: Pick<Buckets, "names">,
  roleArns: Partial<Record<ObjectStoreWorkload, pulumi.Input<string>>>,
  region: string,
): ObjectStoreInput {
  return {
    region,
    forcePathStyle: false,
    buckets: buckets.names,
    identity: { kind: "workload", roleArns, podIdentityAgent: POD_IDENTITY_AGENT },
  };
}

/** Public certificates from Let's Encrypt (HTTP-01 through Traefik). */
export function tlsInput(email: string): TlsIssuerInput {
  return { kind: "acme", email, server: LETSENCRYPT_PRODUCTION };
}
