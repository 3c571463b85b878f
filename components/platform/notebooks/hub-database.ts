/**
 * JupyterHub's state (users, local accounts with their password hashes, servers, tokens) in the platform's
 * PostgreSQL instead of a SQLite file on the hub's volume: the platform's database backups (RDS snapshots and
 * point-in-time recovery, CloudNativePG's Barman backups) then cover the hub, and a lost volume loses no account.
 * The role and its database are made by the platform's database-roles Job (services/database-roles.ts).
 *
 * How z2jh 4.4.0 takes it (jupyterhub/files/hub/jupyterhub_config.py at tag 4.4.0, lines 63-77): for
 * `hub.db.type: postgres` it sets `c.JupyterHub.db_url` from `hub.db.url`, and only if `hub.db.password` is set
 * does it read that from the chart's own Secret into PGPASSWORD. That value would sit in the release's values
 * in plain text, so it is left unset: the hub's PGPASSWORD comes from a Secret of ours through hub.extraEnv, and
 * libpq (psycopg2, which the hub image ships: images/hub/requirements.txt line 149, psycopg2==2.9.12) reads it
 * with PGSSLMODE and PGSSLROOTCERT from the environment. With `sqlite-pvc` gone the chart mounts no volume at
 * /srv/jupyterhub (templates/hub/deployment.yaml line 76), so the activity log keeps a volume of its own.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseInput } from "../../shared/inputs";
import { CONFIG_MOUNT, configVolume, DB_CA_FILE } from "./environment";
import { ACTIVITY_LOG_DIR } from "./hub-values";

/** The Secret (in the hub's namespace) with the hub role's database password. */
export const HUB_DATABASE_SECRET = { name: "hub-database", key: "password" };

/** What the hub needs to reach its database. */
export interface HubDatabaseInput {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  database: string;
  username: string;
  /** Secret (in the hub's namespace) and key holding the role's password. */
  passwordSecret: { name: string; key: string };
  sslMode: string;
  /** Where the database CA is mounted in the hub pod (verify-full), with the volume that puts it there. */
  ca?: { file: string; volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount };
}

/** The hub's activity log volume (the hub's only file state once the database is elsewhere). */
export interface ActivityLogVolume {
  claimName: pulumi.Input<string>;
  mountPath: string;
}

/** The `hub.*` values of a hub whose database is PostgreSQL. */
export function hubDatabaseValues(db: HubDatabaseInput, activityLog: ActivityLogVolume): Record<string, any> {
  const url = pulumi.interpolate`postgresql://${db.username}@${db.host}:${db.port}/${db.database}`;
  return {
    // `upgrade`: JupyterHub refuses to start on an older schema unless told to upgrade it (z2jh leaves it off
    // for non-SQLite databases); the platform's database backups are the way back from a failed upgrade.
    db: { type: "postgres", url, upgrade: true },
    extraEnv: {
      PGPASSWORD: {
        valueFrom: { secretKeyRef: { name: db.passwordSecret.name, key: db.passwordSecret.key } },
      },
      PGSSLMODE: db.sslMode,
      ...(db.ca ? { PGSSLROOTCERT: db.ca.file } : {}),
    },
    extraVolumes: [
      { name: "activity-log", persistentVolumeClaim: { claimName: activityLog.claimName } },
      ...(db.ca ? [db.ca.volume] : []),
    ],
    extraVolumeMounts: [
      { name: "activity-log", mountPath: activityLog.mountPath },
      ...(db.ca ? [db.ca.mount] : []),
    ],
  };
}

export interface HubDatabaseArgs {
  namespace: pulumi.Input<string>;
  storageClass: string;
  /** Production: the activity-log volume is protected and kept when the stack is destroyed. */
  production: boolean;
  /** The platform's PostgreSQL (host, port, TLS mode, CA). */
  database: DatabaseInput;
  /** The hub's role and database (services/database-roles.ts). */
  role: { username: string; password: pulumi.Input<string>; database: string };
}

/** The hub's database password Secret, its activity-log volume, and the `hub.*` values that use them. */
export function hubDatabase(
  parent: pulumi.Resource,
  a: HubDatabaseArgs,
): { values: Record<string, any>; resources: pulumi.Resource[] } {
  const secret = new k8s.core.v1.Secret(
    "hub-database",
    {
      metadata: { name: HUB_DATABASE_SECRET.name, namespace: a.namespace },
      type: "Opaque",
      stringData: { [HUB_DATABASE_SECRET.key]: a.role.password },
    },
    { parent },
  );
  const claim = new k8s.core.v1.PersistentVolumeClaim(
    "hub-activity-log",
    {
      metadata: { name: "hub-activity-log", namespace: a.namespace },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: a.storageClass,
        resources: { requests: { storage: "1Gi" } },
      },
    },
    { parent, protect: a.production, retainOnDelete: a.production },
  );
  const db = a.database;
  const values = hubDatabaseValues(
    {
      host: db.host,
      port: db.port,
      database: a.role.database,
      username: a.role.username,
      passwordSecret: HUB_DATABASE_SECRET,
      sslMode: db.sslMode,
      ...(db.caCertificate
        ? { ca: { file: DB_CA_FILE, volume: configVolume(["db-ca.crt"]), mount: CONFIG_MOUNT } }
        : {}),
    },
    { claimName: claim.metadata.name, mountPath: ACTIVITY_LOG_DIR },
  );
  return { values, resources: [secret, claim] };
}
