/**
 * What the hub's tenancy hook (notebooks/hub/tenancy.py) reads from the chart's `custom.datavis.tenancy`:
 * each tenant's namespace, database role and who belongs to it, and whom a user in no tenant should ask.
 */
import { tenantNamespace } from "../../shared/naming";
import { TENANT_NOTEBOOK_SERVICE_ACCOUNT, tenantDatabaseRole, type TenantMembership } from "./names";

export interface HubTenancy {
  tenants: {
    name: string;
    namespace: string;
    databaseRole: string;
    members: string[];
    owners: string[];
    groups: string[];
  }[];
  contact: string;
  serviceAccount: string;
}

/** The hook's settings. `admins` are named in the refusal of a user who belongs to no tenant. */
export function hubTenancy(tenants: TenantMembership[], admins: string[]): HubTenancy {
  return {
    tenants: tenants.map((t) => ({
      name: t.name,
      namespace: tenantNamespace(t.name),
      databaseRole: tenantDatabaseRole(t.name),
      members: t.members ?? [],
      owners: t.owners ?? [],
      groups: t.groups ?? [],
    })),
    contact:
      admins.length > 0
        ? `your instructor or the platform's administrators (${admins.join(", ")})`
        : "your instructor or the platform's administrators",
    serviceAccount: TENANT_NOTEBOOK_SERVICE_ACCOUNT,
  };
}
