-- One tenant's database role and schemas, run by the administrator after the platform roles exist
-- (services/database-roles.ts). Idempotent: every run brings the role, schemas and grants to this state.
-- Variables: tenant_role, tenant_password, tenant_schema, published_schema, reader_user, dbname.
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN', :'tenant_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'tenant_role') \gexec
ALTER ROLE :"tenant_role" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'tenant_password';
-- Uploads and unqualified CREATE TABLEs land in the tenant's own schema.
ALTER ROLE :"tenant_role" SET search_path = :"tenant_schema", :"published_schema";
GRANT CONNECT ON DATABASE :"dbname" TO :"tenant_role";
-- The administrator (not a superuser on RDS) must be a member of the role to give it schemas and to set
-- its default privileges (PostgreSQL 16+: CREATE SCHEMA ... AUTHORIZATION needs SET on the role).
SELECT format('GRANT %I TO CURRENT_USER', :'tenant_role')
 WHERE NOT pg_has_role(current_user, :'tenant_role', 'MEMBER') \gexec
CREATE SCHEMA IF NOT EXISTS :"tenant_schema" AUTHORIZATION :"tenant_role";
CREATE SCHEMA IF NOT EXISTS :"published_schema" AUTHORIZATION :"tenant_role";
ALTER SCHEMA :"tenant_schema" OWNER TO :"tenant_role";
ALTER SCHEMA :"published_schema" OWNER TO :"tenant_role";
-- Nobody else: not other tenants, not the app role, not PUBLIC.
REVOKE ALL ON SCHEMA :"tenant_schema" FROM PUBLIC;
REVOKE ALL ON SCHEMA :"published_schema" FROM PUBLIC;
-- The read-only role (Grafana, Tableau, Power BI) reads what the tenant publishes, and only that.
GRANT USAGE ON SCHEMA :"published_schema" TO :"reader_user";
GRANT SELECT ON ALL TABLES IN SCHEMA :"published_schema" TO :"reader_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"tenant_role" IN SCHEMA :"published_schema" GRANT SELECT ON TABLES TO :"reader_user";
