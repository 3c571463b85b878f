/**
 * The platform's database roles: a read-write app role (notebooks, Spark jobs, loaders), a read-only role
 * (Grafana's PostgreSQL datasource, Tableau, Power BI), a role that keeps Grafana's own state in its own
 * schema, and JupyterHub's role with a database of its own (users, local accounts' password hashes, servers,
 * tokens) on the same server, so that the platform's database backups (RDS snapshots and point-in-time
 * recovery, CloudNativePG's Barman backups) cover the hub too. Passwords are generated, kept in Kubernetes
 * Secrets, and an idempotent Job creates or updates the roles with the administrator credentials of the
 * DatabaseInput.
 */
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { imageRef, type ArtifactSource } from "../../shared/artifacts";
import type { DatabaseInput } from "../../shared/inputs";
import { IMAGES } from "../../versions";
import { SIZES, type SizeProfile } from "./sizing";

/** Role names, fixed so that BI tools and docs can name them. */
export const DATABASE_ROLES = {
  app: "datavis_app",
  reader: "datavis_reader",
  grafana: "datavis_grafana",
  hub: "datavis_hub",
} as const;

/** JupyterHub's own database (owned by DATABASE_ROLES.hub; no other role may connect to it). */
export const HUB_DATABASE = "jupyterhub";

/** Schema that holds Grafana's own tables, out of the reader's sight. */
export const GRAFANA_SCHEMA = "grafana";

/** Namespace of the bootstrap Job: the only place the administrator password is stored in the cluster. */
export const DATABASE_BOOTSTRAP_NAMESPACE = "platform-db-bootstrap";

/** Where a pod finds the database server's CA bundle (sslmode verify-full). */
export const DB_CA_PATH = "/etc/datavis/db-ca/ca.crt";

export interface DatabaseRolesArgs {
  database: DatabaseInput;
  profile: SizeProfile;
  /** Where the psql image comes from (the cluster's artifact source). */
  source: ArtifactSource;
}

/** psql script run by the Job as the administrator: creates or updates the three roles and their grants. */
export const ADMIN_SQL = `\\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY[:'app_user', :'reader_user', :'grafana_user', :'hub_user']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \\gexec
ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_password';
ALTER ROLE :"reader_user" WITH LOGIN PASSWORD :'reader_password';
ALTER ROLE :"grafana_user" WITH LOGIN PASSWORD :'grafana_password';
ALTER ROLE :"reader_user" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"dbname" TO :"app_user", :"reader_user", :"grafana_user";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"app_user";
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public TO :"app_user";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO :"app_user";
GRANT USAGE ON SCHEMA public TO :"reader_user";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader_user";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLES TO :"app_user";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app_user";
CREATE SCHEMA IF NOT EXISTS ${GRAFANA_SCHEMA};
REVOKE ALL ON SCHEMA ${GRAFANA_SCHEMA} FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA ${GRAFANA_SCHEMA} TO :"grafana_user";
ALTER ROLE :"grafana_user" SET search_path = ${GRAFANA_SCHEMA};
ALTER ROLE :"hub_user" WITH LOGIN PASSWORD :'hub_password';
-- The hub's database, owned by its role. Naming an owner needs membership of that role (PostgreSQL 16+: the
-- right to SET ROLE to it), which the role's creator may grant itself (RDS's master user, CNPG's superuser).
GRANT :"hub_user" TO CURRENT_USER;
SELECT format('CREATE DATABASE %I OWNER %I', :'hub_db', :'hub_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'hub_db') \\gexec
REVOKE ALL ON DATABASE :"hub_db" FROM PUBLIC;
`;

/** psql script run as the app role: tables it creates later are readable by the reader role. */
export const APP_SQL = `\\set ON_ERROR_STOP on
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";
`;

/** The Job's script: both psql runs, the SQL from $SQL_DIR (the mounted ConfigMap, /sql by default). */
export const BOOTSTRAP_SH = `set -eu
SQL_DIR="\${SQL_DIR:-/sql}"
psql -v app_user="$APP_USER" -v app_password="$APP_PASSWORD" \\
  -v reader_user="$READER_USER" -v reader_password="$READER_PASSWORD" \\
  -v grafana_user="$GRAFANA_USER" -v grafana_password="$GRAFANA_PASSWORD" \\
  -v hub_user="$HUB_USER" -v hub_password="$HUB_PASSWORD" -v hub_db="$HUB_DATABASE" \\
  -v dbname="$PGDATABASE" -f "$SQL_DIR/admin.sql"
PGUSER="$APP_USER" PGPASSWORD="$APP_PASSWORD" psql -v reader_user="$READER_USER" -f "$SQL_DIR/app.sql"
echo "roles $APP_USER, $READER_USER, $GRAFANA_USER and $HUB_USER (database $HUB_DATABASE) are up to date"
`;

/** Connection settings of a role as libpq environment variables (what notebooks and jobs read). */
export function libpqEnv(
  database: DatabaseInput,
  user: string,
  password: pulumi.Input<string>,
): Record<string, pulumi.Input<string>> {
  return {
    PGHOST: database.host,
    PGPORT: pulumi.output(database.port).apply(String),
    PGDATABASE: database.database,
    PGUSER: user,
    PGPASSWORD: password,
    PGSSLMODE: database.sslMode,
    ...(database.caCertificate ? { PGSSLROOTCERT: DB_CA_PATH } : {}),
  };
}

export class DatabaseRoles extends pulumi.ComponentResource {
  readonly app: { username: string; password: pulumi.Output<string> };
  readonly reader: { username: string; password: pulumi.Output<string> };
  readonly grafana: { username: string; password: pulumi.Output<string> };
  /** JupyterHub's role and its own database. */
  readonly hub: { username: string; password: pulumi.Output<string>; database: string };
  /** The Job that creates the roles: what consumers of the roles wait for. */
  readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: DatabaseRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:DatabaseRoles", name, {}, opts);
    const password = (role: keyof typeof DATABASE_ROLES) =>
      // Letters and digits only: the password goes into URLs, ini files and JDBC strings unescaped.
      new random.RandomPassword(`db-${role}-password`, { length: 32, special: false }, { parent: this })
        .result;
    this.app = { username: DATABASE_ROLES.app, password: password("app") };
    this.reader = { username: DATABASE_ROLES.reader, password: password("reader") };
    this.grafana = { username: DATABASE_ROLES.grafana, password: password("grafana") };
    this.hub = { username: DATABASE_ROLES.hub, password: password("hub"), database: HUB_DATABASE };

    const ns = new k8s.core.v1.Namespace(
      "db-bootstrap",
      { metadata: { name: DATABASE_BOOTSTRAP_NAMESPACE } },
      { parent: this },
    );
    const namespace = ns.metadata.name;
    const db = args.database;
    const credentials = new k8s.core.v1.Secret(
      "db-bootstrap-credentials",
      {
        metadata: { name: "db-bootstrap-credentials", namespace },
        type: "Opaque",
        stringData: {
          ...libpqEnv(db, "", db.adminPassword),
          PGUSER: db.adminUser,
          APP_USER: this.app.username,
          APP_PASSWORD: this.app.password,
          READER_USER: this.reader.username,
          READER_PASSWORD: this.reader.password,
          GRAFANA_USER: this.grafana.username,
          GRAFANA_PASSWORD: this.grafana.password,
          HUB_USER: this.hub.username,
          HUB_PASSWORD: this.hub.password,
          HUB_DATABASE: this.hub.database,
        },
      },
      { parent: this },
    );
    const sql = new k8s.core.v1.ConfigMap(
      "db-bootstrap-sql",
      {
        metadata: { name: "db-bootstrap-sql", namespace },
        data: { "admin.sql": ADMIN_SQL, "app.sql": APP_SQL, "bootstrap.sh": BOOTSTRAP_SH },
      },
      { parent: this },
    );
    const ca = db.caCertificate
      ? new k8s.core.v1.ConfigMap(
          "db-bootstrap-ca",
          { metadata: { name: "db-ca", namespace }, data: { "ca.crt": db.caCertificate } },
          { parent: this },
        )
      : undefined;

    // A new password (or script) gives the Job a new revision, so Pulumi replaces it and the roles follow.
    this.job = psqlJob(
      "db-roles",
      {
        namespace,
        revision: revisionOf(
          [this.app.password, this.reader.password, this.grafana.password, this.hub.password],
          [ADMIN_SQL, APP_SQL, BOOTSTRAP_SH],
        ),
        script: "/sql/bootstrap.sh",
        secretName: credentials.metadata.name,
        resources: SIZES[args.profile].databaseRolesJob,
        sqlConfigMap: sql.metadata.name,
        caConfigMap: ca?.metadata.name,
        source: args.source,
      },
      { parent: this },
    );
    this.registerOutputs({ app: this.app.username, reader: this.reader.username });
  }
}

/** A short hash of secrets and scripts: in a Job's pod template, a change of either replaces the Job. */
export function revisionOf(secrets: pulumi.Input<string>[], scripts: string[]): pulumi.Output<string> {
  return pulumi.all(secrets).apply((values) =>
    createHash("sha256")
      .update([...values, ...scripts].join("\n"))
      .digest("hex")
      .slice(0, 16),
  );
}

export interface PsqlJobArgs {
  namespace: pulumi.Input<string>;
  /** In the (immutable) pod template: a new revision replaces the Job, which runs again. */
  revision: pulumi.Input<string>;
  /** Shell script (in the `sql` ConfigMap, mounted at /sql) the container runs. */
  script: string;
  /** Secret whose keys become the container's environment (libpq PG* variables). */
  secretName: pulumi.Input<string>;
  env?: k8s.types.input.core.v1.EnvVar[];
  resources: k8s.types.input.core.v1.ResourceRequirements;
  /** ConfigMap with the scripts, mounted at /sql. */
  sqlConfigMap: pulumi.Input<string>;
  /** Extra read-only Secret mounts (name -> mount path and Secret). */
  secretMounts?: { name: string; mountPath: string; secretName: pulumi.Input<string> }[];
  /** ConfigMap with the database CA (verify-full), mounted where libpq's sslrootcert points. */
  caConfigMap?: pulumi.Input<string>;
  /** Mount the `db-ca` ConfigMap only if it exists (a Job that runs on both targets). */
  optionalCa?: boolean;
  source: ArtifactSource;
}

/**
 * A run-to-completion psql Job: the pinned postgres (alpine) image as its postgres user, read-only root,
 * no service-account token, scripts from a ConfigMap; the database roles and the tenants' schemas use it.
 */
export function psqlJob(name: string, a: PsqlJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
  const ca = a.caConfigMap !== undefined || a.optionalCa;
  return new k8s.batch.v1.Job(
    name,
    {
      metadata: { namespace: a.namespace },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        template: {
          metadata: {
            labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "datavis" },
            annotations: { "datavis.io/revision": a.revision },
          },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 70, // postgres in the alpine image
              runAsGroup: 70,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "psql",
                image: imageRef(IMAGES.postgres, a.source),
                command: ["/bin/sh", a.script],
                envFrom: [{ secretRef: { name: a.secretName } }],
                env: [{ name: "HOME", value: "/tmp" }, ...(a.env ?? [])],
                resources: a.resources,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [
                  { name: "sql", mountPath: "/sql", readOnly: true },
                  ...(a.secretMounts ?? []).map((m) => ({
                    name: m.name,
                    mountPath: m.mountPath,
                    readOnly: true,
                  })),
                  { name: "tmp", mountPath: "/tmp" },
                  ...(ca ? [{ name: "db-ca", mountPath: "/etc/datavis/db-ca", readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: "sql", configMap: { name: a.sqlConfigMap } },
              ...(a.secretMounts ?? []).map((m) => ({ name: m.name, secret: { secretName: m.secretName } })),
              { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
              ...(ca
                ? [
                    {
                      name: "db-ca",
                      configMap: a.optionalCa ? { name: "db-ca", optional: true } : { name: a.caConfigMap! },
                    },
                  ]
                : []),
            ],
          },
        },
      },
    },
    opts,
  );
}
