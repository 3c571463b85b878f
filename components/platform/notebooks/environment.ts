/**
 * The environment a notebook (or a platform job working on notebooks) needs to reach the database and
 * object storage without anyone typing a secret: libpq variables, the AWS SDK's variables and the bucket
 * names. Secrets are referenced from Kubernetes Secrets, never written into the pod spec.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseInput, ObjectStoreInput } from "../../shared/inputs";

/**
 * Files pods read, from one ConfigMap (`datavis-config`) mounted at /etc/datavis: the database server's CA
 * bundle (sslmode verify-full) and the AWS config file (path-style S3).
 */
export const CONFIG_DIR = "/etc/datavis";
export const CONFIG_MAP_NAME = "datavis-config";
export const DB_CA_FILE = `${CONFIG_DIR}/db-ca/ca.crt`;
export const AWS_CONFIG_FILE = `${CONFIG_DIR}/aws/config`;

/** The ConfigMap's keys and where each lands under CONFIG_DIR. */
export const CONFIG_FILES = {
  "db-ca.crt": "db-ca/ca.crt",
  "aws-config": "aws/config",
} as const;

/** Data of the `datavis-config` ConfigMap for this database and object store (may be empty). */
export function configFiles(
  database: DatabaseInput,
  store: ObjectStoreInput,
): Partial<Record<keyof typeof CONFIG_FILES, pulumi.Input<string>>> {
  return {
    ...(database.caCertificate ? { "db-ca.crt": database.caCertificate } : {}),
    ...(store.forcePathStyle ? { "aws-config": AWS_PATH_STYLE_CONFIG } : {}),
  };
}

/** The pod volume that projects the ConfigMap's files (only those present) under CONFIG_DIR. */
export function configVolume(keys: string[]): k8s.types.input.core.v1.Volume {
  return {
    name: "datavis-config",
    configMap: {
      name: CONFIG_MAP_NAME,
      items: keys.map((key) => ({ key, path: CONFIG_FILES[key as keyof typeof CONFIG_FILES] })),
    },
  };
}
export const CONFIG_MOUNT = { name: "datavis-config", mountPath: CONFIG_DIR, readOnly: true };

export type EnvValue = pulumi.Input<string> | { valueFrom: k8s.types.input.core.v1.EnvVarSource };

const fromSecret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });

/** libpq variables: every PostgreSQL client (psql, psycopg, pandas.read_sql, JDBC wrappers) reads them. */
export function databaseEnv(
  database: DatabaseInput,
  username: pulumi.Input<string>,
  passwordSecret: { name: string; key: string },
): Record<string, EnvValue> {
  return {
    PGHOST: database.host,
    PGPORT: pulumi.output(database.port).apply(String),
    PGDATABASE: database.database,
    PGUSER: username,
    PGPASSWORD: fromSecret(passwordSecret.name, passwordSecret.key),
    PGSSLMODE: database.sslMode,
    ...(database.caCertificate ? { PGSSLROOTCERT: DB_CA_FILE } : {}),
  };
}

/**
 * AWS SDK variables and bucket names. With workload identity no key is set (the service account's role is
 * used); with static keys both come from `keysSecret`.
 */
export function objectStoreEnv(
  store: ObjectStoreInput,
  keysSecret: { name: string; accessKeyKey: string; secretKeyKey: string },
): Record<string, EnvValue> {
  return {
    AWS_REGION: store.region,
    AWS_DEFAULT_REGION: store.region,
    ...(store.endpoint
      ? {
          AWS_ENDPOINT_URL: store.endpoint,
          AWS_ENDPOINT_URL_S3: store.endpoint,
          S3_ENDPOINT_URL: store.endpoint,
        }
      : {}),
    ...(store.forcePathStyle ? { AWS_CONFIG_FILE } : {}),
    NOTEBOOKS_BUCKET: store.buckets.notebooks,
    DATASETS_BUCKET: store.buckets.datasets,
    SPARK_BUCKET: store.buckets.spark,
    ...(store.identity.kind === "keys"
      ? {
          AWS_ACCESS_KEY_ID: fromSecret(keysSecret.name, keysSecret.accessKeyKey),
          AWS_SECRET_ACCESS_KEY: fromSecret(keysSecret.name, keysSecret.secretKeyKey),
        }
      : {}),
  };
}

/** AWS config file content for path-style S3 (what most in-cluster S3 implementations need). */
export const AWS_PATH_STYLE_CONFIG = "[default]\ns3 =\n    addressing_style = path\n";

/** Converts an env map into a container's `env` list. */
export function envList(env: Record<string, EnvValue>): k8s.types.input.core.v1.EnvVar[] {
  return Object.entries(env).map(([name, v]) =>
    typeof v === "object" && v !== null && "valueFrom" in v
      ? { name, valueFrom: v.valueFrom }
      : { name, value: v },
  );
}
