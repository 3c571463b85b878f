/**
 * Each tenant's data is its own in PostgreSQL: a login role and two schemas per tenant, the private one
 * (uploads land there: it is first on the role's search_path) and the published one (the platform's
 * read-only role reads it, for Grafana and BI tools). No tenant has any right on another's schemas, and
 * the platform's app role has none on any tenant's. A Job runs tenant-admin.sql for every tenant with the
 * administrator credentials the platform's database-roles Job already keeps (services/database-roles.ts).
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ArtifactSource } from "../../shared/artifacts";
import { psqlJob, revisionOf } from "../services/database-roles";
import { publishedSchema, tenantDatabaseRole, tenantSchema } from "./names";

/** The administrator's script and the loop over tenants (real files: the data suite runs them with psql). */
export const TENANT_ADMIN_SQL = fs.readFileSync(path.join(__dirname, "tenant-admin.sql"), "utf8");
export const TENANT_DATABASES_SH = fs.readFileSync(path.join(__dirname, "tenant-databases.sh"), "utf8");

/** Each tenant's database login: generated passwords, made before anything that hands them out. */
export class TenantDatabaseLogins extends pulumi.ComponentResource {
  /** Login of each tenant's notebooks and Spark jobs, by tenant name. */
  readonly roles: Record<string, { username: string; password: pulumi.Output<string> }> = {};

  constructor(name: string, args: { tenants: string[] }, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:TenantDatabaseLogins", name, {}, opts);
    for (const t of args.tenants) {
      const password = new random.RandomPassword(
        `db-tenant-${t}-password`,
        // Letters and digits only, like the platform roles: it goes into URLs and JDBC strings unescaped.
        { length: 32, special: false },
        { parent: this },
      ).result;
      this.roles[t] = { username: tenantDatabaseRole(t), password };
    }
    this.registerOutputs({ roles: Object.keys(this.roles) });
  }
}

export interface TenantDatabasesArgs {
  /** Each tenant's login (TenantDatabaseLogins), by tenant name. */
  roles: Record<string, { username: string; password: pulumi.Input<string> }>;
  /** Namespace of the platform's database bootstrap Job, where the administrator's Secret lives. */
  bootstrapNamespace: pulumi.Input<string>;
  /** Name of that Secret: libpq variables of the administrator plus READER_USER. */
  adminSecretName: string;
  /** Where the psql image comes from (the cluster's artifact source). */
  source: ArtifactSource;
  /** The platform roles' Job: the reader role must exist before tenants grant it their published schema. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The `TENANTS` list the script reads: `role:schema:published` per tenant. */
export function tenantSpecs(tenants: string[]): string {
  return tenants.map((t) => `${tenantDatabaseRole(t)}:${tenantSchema(t)}:${publishedSchema(t)}`).join(" ");
}

export class TenantDatabases extends pulumi.ComponentResource {
  readonly job?: k8s.batch.v1.Job;

  constructor(name: string, args: TenantDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:TenantDatabases", name, {}, opts);
    const roles = Object.values(args.roles);
    const tenants = Object.keys(args.roles);
    if (tenants.length === 0) {
      this.registerOutputs({});
      return;
    }
    const namespace = args.bootstrapNamespace;
    const passwords = new k8s.core.v1.Secret(
      "db-tenant-passwords",
      {
        metadata: { name: "db-tenant-passwords", namespace },
        type: "Opaque",
        stringData: Object.fromEntries(roles.map((r) => [r.username, r.password])),
      },
      { parent: this },
    );
    const scripts = new k8s.core.v1.ConfigMap(
      "db-tenant-sql",
      {
        metadata: { name: "db-tenant-sql", namespace },
        data: { "tenant-admin.sql": TENANT_ADMIN_SQL, "tenant-databases.sh": TENANT_DATABASES_SH },
      },
      { parent: this },
    );
    const specs = tenantSpecs(tenants);
    // A new tenant, password or script gives the Job a new revision: Pulumi replaces it and it runs again.
    this.job = psqlJob(
      "db-tenants",
      {
        namespace,
        revision: revisionOf(
          roles.map((r) => r.password),
          [specs, TENANT_ADMIN_SQL, TENANT_DATABASES_SH],
        ),
        script: "/sql/tenant-databases.sh",
        secretName: args.adminSecretName,
        env: [{ name: "TENANTS", value: specs }],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
        sqlConfigMap: scripts.metadata.name,
        secretMounts: [{ name: "passwords", mountPath: "/passwords", secretName: passwords.metadata.name }],
        // The database CA, when the platform's bootstrap has one (verify-full on RDS).
        optionalCa: true,
        source: args.source,
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ tenants });
  }
}
