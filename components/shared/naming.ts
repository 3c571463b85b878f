/** Names shared by the platform's components, so that one place decides them. */

/** Namespace of a tenant (team or class): its Spark jobs, quota, limits, network isolation and RBAC. */
export function tenantNamespace(tenant: string): string {
  return `tenant-${tenant}`;
}

/** Namespaces of the platform's own services. */
export const NAMESPACES = {
  /** JupyterHub, its proxy and the single-user servers. */
  jupyterhub: "jupyterhub",
  certManager: "cert-manager",
  ingress: "traefik",
  spark: "spark-operator",
  monitoring: "monitoring",
  headlamp: "headlamp",
  /** Scheduled notebook runs, dataset loading, database bootstrap, backups. */
  jobs: "platform-jobs",
} as const;
