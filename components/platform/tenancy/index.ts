/**
 * Students without interference: users belong to tenants; a user's notebook server runs in the tenant's
 * namespace as the tenant (its database role, its object-store identity, its Spark rights), and a user
 * in no tenant is refused. See docs/notebooks-platform.md ("Setting up a class").
 */
export * from "./names";
export { hubTenancy, type HubTenancy } from "./hub";
export {
  TenantDatabaseLogins,
  TenantDatabases,
  TENANT_ADMIN_SQL,
  TENANT_DATABASES_SH,
  tenantSpecs,
} from "./database";
export { TenantHomeGuard, TENANT_HOME_GUARD_DEFAULTS } from "./home-guard";
export { TenantNotebookNamespaces, HUB_RULES, NOTEBOOK_SPARK_RULES, HUB_SERVICE_ACCOUNT } from "./namespaces";
