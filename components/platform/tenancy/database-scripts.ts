/**
 * Prints, as JSON, the scripts the platform's database Jobs run (the platform roles' and the tenants'),
 * with the TENANTS list and role names of the tenants given as arguments:
 *
 *   node -r ./tools/register.js components/platform/tenancy/database-scripts.ts physics-101 stats-101
 *
 * The data suite runs them with the real psql against a real PostgreSQL (notebooks/tests/
 * test_tenant_database.py); an operator can run them the same way on a database outside Kubernetes.
 */
import { ADMIN_SQL, APP_SQL, BOOTSTRAP_SH } from "../services/database-roles";
import { TENANT_ADMIN_SQL, TENANT_DATABASES_SH, tenantSpecs } from "./database";
import { tenantDatabaseRole } from "./names";

const tenants = process.argv.slice(2);
process.stdout.write(
  JSON.stringify({
    admin: ADMIN_SQL,
    app: APP_SQL,
    sh: BOOTSTRAP_SH,
    tenantSql: TENANT_ADMIN_SQL,
    tenantSh: TENANT_DATABASES_SH,
    specs: tenantSpecs(tenants),
    roles: tenants.map(tenantDatabaseRole),
  }) + "\n",
);
