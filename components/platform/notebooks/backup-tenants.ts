/**
 * What the home backups need in each tenant namespace, where tenants' users' volumes live
 * (components/shared/tenant-backups.ts has the threat model):
 *  - a Role that lets the backup controller (the hub namespace's `notebook-backup` account) list home
 *    volumes and servers and start and remove Jobs there, and nothing else: no Secrets, no ClusterRole over
 *    every namespace;
 *  - the `notebook-backup` account the copier Jobs run as (no token; on AWS its Pod Identity association
 *    gives the write-only role), and on edge the Secret with the tenant's write-only keys;
 *  - the script, which a pod can only mount from its own namespace.
 * Restores need nothing here: the controller hands the put-back Job presigned URLs (notebook_backup.py).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStoreInput } from "../../shared/inputs";
import { TENANT_BACKUP_SERVICE_ACCOUNT } from "../../shared/tenant-backups";

/** The controller's verbs in a tenant namespace (and in its own): volumes and servers read, Jobs managed. */
export const BACKUP_CONTROLLER_RULES = [
  { apiGroups: [""], resources: ["persistentvolumeclaims", "pods"], verbs: ["get", "list"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "delete"] },
];

/** Secret (in each tenant namespace, edge) with the tenant's write-only backup keys. */
export const BACKUP_WRITER_SECRET = {
  name: "notebook-backup-writer",
  accessKeyKey: "access-key-id",
  secretKeyKey: "secret-access-key",
};

export interface TenantBackupResourcesArgs {
  tenant: string;
  namespace: pulumi.Input<string>;
  /** Namespace and account of the controller (the CronJob in the hub's namespace). */
  controller: { namespace: pulumi.Input<string>; serviceAccount: string };
  objectStore: ObjectStoreInput;
  /** The script's ConfigMap data (mounted by the copier Jobs). */
  scriptData: Record<string, string>;
  /** ConfigMap name of the script (the same in every namespace). */
  scriptConfigMap: string;
}

/** Registers one tenant namespace's backup resources under `parent`. */
export function tenantBackupResources(
  name: string,
  a: TenantBackupResourcesArgs,
  parent: pulumi.Resource,
): void {
  const opts = { parent };
  const labels = { "datavis.io/tenant": a.tenant, "app.kubernetes.io/name": "notebook-backup" };
  const meta = (n: string) => ({ name: n, namespace: a.namespace, labels });
  new k8s.core.v1.ServiceAccount(
    `${name}-sa`,
    { metadata: meta(TENANT_BACKUP_SERVICE_ACCOUNT), automountServiceAccountToken: false },
    opts,
  );
  const role = new k8s.rbac.v1.Role(
    `${name}-controller`,
    { metadata: meta("notebook-backup-controller"), rules: BACKUP_CONTROLLER_RULES },
    opts,
  );
  new k8s.rbac.v1.RoleBinding(
    `${name}-controller`,
    {
      metadata: meta("notebook-backup-controller"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [
        { kind: "ServiceAccount", name: a.controller.serviceAccount, namespace: a.controller.namespace },
      ],
    },
    opts,
  );
  new k8s.core.v1.ConfigMap(
    `${name}-script`,
    { metadata: meta(a.scriptConfigMap), data: a.scriptData },
    opts,
  );
  const identity = a.objectStore.identity;
  const keys = identity.kind === "keys" ? identity.tenantBackupWriters?.[a.tenant] : undefined;
  if (identity.kind === "keys" && !keys) {
    throw new Error(`notebook backups: the object store has no backup writer keys for tenant ${a.tenant}`);
  }
  if (keys) {
    new k8s.core.v1.Secret(
      `${name}-writer`,
      {
        metadata: meta(BACKUP_WRITER_SECRET.name),
        type: "Opaque",
        stringData: {
          [BACKUP_WRITER_SECRET.accessKeyKey]: keys.accessKeyId,
          [BACKUP_WRITER_SECRET.secretKeyKey]: keys.secretAccessKey,
        },
      },
      opts,
    );
  }
}
