/**
 * What a tenant namespace needs to run Spark: the `spark` service account drivers and executors run as,
 * the RBAC a driver needs there (executors, their service, config and volumes), and the tenant's own
 * credentials (database login, object-store keys on an S3 store with keys, the database CA).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseInput, ObjectStoreInput } from "../../shared/inputs";
import { libpqEnv } from "./database-roles";
import { SPARK_SERVICE_ACCOUNT } from "./spark-operator";

export interface SparkTenantArgs {
  tenant: string;
  namespace: pulumi.Input<string>;
  database: DatabaseInput;
  objectStore: ObjectStoreInput;
  /** The tenant's database login (its own role, or the app role where tenants have none). */
  login: { username: string; password: pulumi.Input<string> };
}

export interface SparkTenant {
  labels: Record<string, string>;
  meta: (n: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
  sa: k8s.core.v1.ServiceAccount;
  dbSecret: k8s.core.v1.Secret;
  s3Secret?: k8s.core.v1.Secret;
  caMap?: k8s.core.v1.ConfigMap;
}

/**
 * `s3a://<spark bucket>/<the tenant's prefix>`: `tenants/<name>` where the tenant holds its own keys (edge),
 * `tenants/<namespace>` with EKS Pod Identity (AWS), whose policy names the prefix by the session's
 * namespace tag (a policy variable cannot drop the namespace's `tenant-`).
 */
export function sparkTenantPrefix(
  store: ObjectStoreInput,
  tenant: string,
  namespace: pulumi.Input<string>,
): pulumi.Output<string> {
  const dir = store.identity.kind === "workload" ? namespace : tenant;
  return pulumi.interpolate`s3a://${store.buckets.spark}/tenants/${dir}`;
}

/** The `spark` account, its Role and binding, and the tenant's credentials in its namespace. */
export function sparkTenant(parent: pulumi.Resource, a: SparkTenantArgs): SparkTenant {
  const { tenant, namespace } = a;
  const store = a.objectStore;
  const labels = { "datavis.io/tenant": tenant, "app.kubernetes.io/part-of": "datavis" };
  const meta = (n: string) => ({ name: n, namespace, labels });
  // No IRSA annotation: on AWS the target associates this account of every tenant namespace with the
  // tenants' Spark role through EKS Pod Identity (components/aws/tenant-identity.ts), each session scoped
  // to its own namespace's prefix.
  const sa = new k8s.core.v1.ServiceAccount(
    `spark-${tenant}`,
    { metadata: meta(SPARK_SERVICE_ACCOUNT) },
    { parent },
  );
  // What a driver does in its own namespace: executors (pods), their service, config and volumes.
  const role = new k8s.rbac.v1.Role(
    `spark-${tenant}`,
    {
      metadata: meta(SPARK_SERVICE_ACCOUNT),
      rules: [
        {
          apiGroups: [""],
          resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
          verbs: ["create", "get", "list", "watch", "update", "patch", "delete", "deletecollection"],
        },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list"] },
      ],
    },
    { parent },
  );
  new k8s.rbac.v1.RoleBinding(
    `spark-${tenant}`,
    {
      metadata: meta(SPARK_SERVICE_ACCOUNT),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
    },
    { parent },
  );
  const dbSecret = new k8s.core.v1.Secret(
    `spark-db-${tenant}`,
    {
      metadata: meta("spark-db"),
      type: "Opaque",
      stringData: libpqEnv(a.database, a.login.username, a.login.password),
    },
    { parent },
  );
  const s3Secret =
    store.identity.kind === "keys"
      ? new k8s.core.v1.Secret(
          `spark-s3-${tenant}`,
          {
            metadata: meta("spark-s3"),
            type: "Opaque",
            stringData: {
              // The tenant's own keys where the store has them (edge: scoped to its prefixes).
              AWS_ACCESS_KEY_ID: (store.identity.tenants?.[tenant] ?? store.identity).accessKeyId,
              AWS_SECRET_ACCESS_KEY: (store.identity.tenants?.[tenant] ?? store.identity).secretAccessKey,
              AWS_REGION: store.region,
            },
          },
          { parent },
        )
      : undefined;
  const caMap = a.database.caCertificate
    ? new k8s.core.v1.ConfigMap(
        `spark-db-ca-${tenant}`,
        { metadata: meta("db-ca"), data: { "ca.crt": a.database.caCertificate } },
        { parent },
      )
    : undefined;
  return { labels, meta, sa, dbSecret, s3Secret, caMap };
}
