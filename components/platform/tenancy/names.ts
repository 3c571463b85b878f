/**
 * Who belongs where, in one place: the names a tenant's users' servers, database role and schemas and
 * object-store identity get, and the user/group -> tenant lookup the hub applies (hub/tenancy.py holds
 * the same rule in Python; tests/tenancy.test.ts checks the two agree on the plan's values).
 */
import { tenantNamespace } from "../../shared/naming";
import { tenantObjectStoreIdentity, tenantPrefix } from "../../shared/tenant-storage";
import { tenantBackupSummary } from "../../shared/tenant-backups";

export { tenantObjectStoreIdentity, tenantPrefix };

/** The part of a tenant the tenancy layer needs: its name and who belongs to it. */
export interface TenantMembership {
  /** DNS label; the namespace is `tenant-<name>`. */
  name: string;
  /** Identity-provider user names (GitHub logins, e-mails for Google/Entra, local user names) of students. */
  members?: string[];
  /** Identity-provider groups whose members belong to this tenant (GitHub `org:team`, Google/Entra groups). */
  groups?: string[];
  /** Owners (instructors) also belong to the tenant: their servers land in it too. */
  owners?: string[];
}

/** A SQL identifier from a tenant name: `physics-101` -> `physics_101` (DNS labels are a-z, 0-9, '-'). */
function sqlName(tenant: string): string {
  return tenant.replace(/-/g, "_");
}

/** PostgreSQL login role of a tenant's notebooks. */
export function tenantDatabaseRole(tenant: string): string {
  return `tenant_${sqlName(tenant)}`;
}

/** The tenant's private schema: uploads and work tables land here (the role's search_path). */
export function tenantSchema(tenant: string): string {
  return `tenant_${sqlName(tenant)}`;
}

/** The tenant's published schema: what dashboards and BI tools (the read-only role) may read. */
export function publishedSchema(tenant: string): string {
  return `tenant_${sqlName(tenant)}_published`;
}

/** Object-store prefix of one user's own files: `home/<user>/` (the same key the home backups use). */
export function homePrefix(user: string): string {
  return `home/${user}/`;
}

/** Service account of notebook servers in a tenant namespace (the name z2jh gives in the hub's). */
export const TENANT_NOTEBOOK_SERVICE_ACCOUNT = "notebook";

/** Service account the tenant's Spark drivers run as (made by the Spark component). */
export const TENANT_SPARK_SERVICE_ACCOUNT = "spark";

/**
 * The tenant of a user, as the hub decides it: the first tenant that lists the user (members, then
 * owners), else the first whose groups the user is in. Undefined: the user belongs nowhere.
 */
export function tenantOf(
  tenants: TenantMembership[],
  user: string,
  groups: string[] = [],
): string | undefined {
  const u = user.toLowerCase();
  const named = tenants.find((t) =>
    [...(t.members ?? []), ...(t.owners ?? [])].some((m) => m.toLowerCase() === u),
  );
  if (named) return named.name;
  const g = new Set(groups.map((x) => x.toLowerCase()));
  return tenants.find((t) => (t.groups ?? []).some((x) => g.has(x.toLowerCase())))?.name;
}

/** Whether the platform places servers by tenant at all: some tenant names its members or groups. */
export function tenancyEnforced(tenants: TenantMembership[]): boolean {
  return tenants.some((t) => (t.members ?? []).length > 0 || (t.groups ?? []).length > 0);
}

/** What `npm run plan` shows per tenant: where its users' servers run and what they may touch. */
export interface TenancyRow {
  tenant: string;
  /** Namespace the tenant's users' notebook servers run in. */
  serverNamespace: string;
  /** Object-store identity: an S3 identity name (edge) or an IAM role with its session-tag scope (AWS). */
  objectStore: string;
  /** The identity the tenant's Spark drivers and executors (service account `spark`) use, and its scope. */
  spark: string;
  /** PostgreSQL schema uploads land in, and the schema dashboards read. */
  databaseSchema: string;
  publishedSchema: string;
  /** PostgreSQL login role of the tenant's notebooks. */
  databaseRole: string;
  /** Members and groups mapped to the tenant (owners included). */
  members: number;
  groups: number;
}

/** The per-tenant table of the plan. `objectStore` names the target's mechanism (see tenant-identity). */
export function tenancySummary(
  tenants: TenantMembership[],
  objectStore: { kind: "keys" } | { kind: "podIdentity"; roleName: string; sparkRoleName: string },
): TenancyRow[] {
  const enforced = tenancyEnforced(tenants);
  return tenants.map((t) => ({
    tenant: t.name,
    // Until some tenant lists members or groups, the hub places nobody: every server stays in its namespace.
    serverNamespace: enforced
      ? tenantNamespace(t.name)
      : "jupyterhub (no tenant lists members or groups yet)",
    objectStore:
      objectStore.kind === "keys"
        ? `S3 identity ${tenantObjectStoreIdentity(t.name)}: ${tenantPrefix(t.name)} of the notebooks and Spark buckets, datasets read-only`
        : `IAM role ${objectStore.roleName} via EKS Pod Identity: tenants/${tenantNamespace(t.name)}/ of the notebooks bucket (session tag kubernetes-namespace=${tenantNamespace(t.name)}), datasets read-only`,
    spark:
      objectStore.kind === "keys"
        ? `S3 identity ${tenantObjectStoreIdentity(t.name)} (Secret spark-s3): ${tenantPrefix(t.name)} of the Spark bucket, datasets read-only`
        : `IAM role ${objectStore.sparkRoleName} via EKS Pod Identity (service account ${TENANT_SPARK_SERVICE_ACCOUNT}): tenants/${tenantNamespace(t.name)}/ of the Spark bucket (session tag kubernetes-namespace=${tenantNamespace(t.name)}), datasets read-only`,
    databaseSchema: tenantSchema(t.name),
    publishedSchema: publishedSchema(t.name),
    databaseRole: tenantDatabaseRole(t.name),
    members: new Set([...(t.members ?? []), ...(t.owners ?? [])]).size,
    groups: (t.groups ?? []).length,
  }));
}

/** Namespace annotations that say, on the cluster and in the plan, where a tenant's users run and as whom. */
export const TENANCY_ANNOTATIONS = {
  servers: "datavis.io/notebook-servers",
  objectStore: "datavis.io/object-store-identity",
  spark: "datavis.io/spark-identity",
  schema: "datavis.io/database-schema",
  published: "datavis.io/database-published-schema",
  role: "datavis.io/database-role",
  backups: "datavis.io/home-backups",
} as const;

/** The annotations of each tenant's namespace (tenancySummary in the cluster's own words). */
export function tenancyAnnotations(
  tenants: TenantMembership[],
  identity: { kind: "keys" } | { kind: "workload" },
): Record<string, Record<string, string>> {
  const rows = tenancySummary(
    tenants,
    identity.kind === "keys"
      ? { kind: "keys" }
      : { kind: "podIdentity", roleName: TENANT_NOTEBOOK_ROLE, sparkRoleName: TENANT_SPARK_ROLE },
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.tenant,
      {
        [TENANCY_ANNOTATIONS.servers]: `${r.members} people, ${r.groups} groups; servers in ${r.serverNamespace}`,
        [TENANCY_ANNOTATIONS.objectStore]: r.objectStore,
        [TENANCY_ANNOTATIONS.spark]: r.spark,
        [TENANCY_ANNOTATIONS.schema]: r.databaseSchema,
        [TENANCY_ANNOTATIONS.published]: r.publishedSchema,
        [TENANCY_ANNOTATIONS.role]: r.databaseRole,
        [TENANCY_ANNOTATIONS.backups]: tenantBackupSummary(r.tenant, identity.kind),
      },
    ]),
  );
}

/** Logical name of the one IAM role every tenant's notebooks assume through EKS Pod Identity (AWS). */
export const TENANT_NOTEBOOK_ROLE = "tenant-notebooks";

/** Logical name of the one IAM role every tenant's Spark jobs assume through EKS Pod Identity (AWS). */
export const TENANT_SPARK_ROLE = "tenant-spark";

/** The plan's per-tenant lines, read back from the tenant namespaces' annotations (tools/plan.ts prints them). */
export function tenancyPlanLines(
  namespaces: { name: string; annotations?: Record<string, string> }[],
): string[] {
  const rows = namespaces.filter((n) => n.annotations?.[TENANCY_ANNOTATIONS.role]);
  if (rows.length === 0) return ["  (no tenants)"];
  return rows.flatMap((n) => {
    const a = n.annotations!;
    return [
      `  ${n.name}: ${a[TENANCY_ANNOTATIONS.servers]}`,
      `    database: role ${a[TENANCY_ANNOTATIONS.role]}, schema ${a[TENANCY_ANNOTATIONS.schema]}, published ${a[TENANCY_ANNOTATIONS.published]}`,
      `    object store: ${a[TENANCY_ANNOTATIONS.objectStore]}`,
      `    spark jobs: ${a[TENANCY_ANNOTATIONS.spark]}`,
      `    home backups: ${a[TENANCY_ANNOTATIONS.backups]}`,
    ];
  });
}
