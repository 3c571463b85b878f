/**
 * Notebook backups: every day, every user's home volume is copied into the notebooks bucket under
 * `backups/<user>/<YYYY-MM-DD>/` (volumes of the hub's namespace) or `backups/tenants/<namespace>/<user>/
 * <YYYY-MM-DD>/` (volumes of a tenant namespace), and days older than the retention are deleted. The same
 * on both targets: it only needs the volumes and an S3 API (ObjectStoreInput).
 *
 * The controller CronJob runs in the hub's namespace with the platform's backup identity (list, prune,
 * restores). A pod can only mount volumes of its own namespace, so it starts one short copier Job per user
 * volume in the volume's namespace (read-only mount, on the node of the user's running server when there
 * is one): in the hub's namespace with the platform's identity, in a tenant namespace with that tenant's
 * write-only identity (./backup-tenants.ts). Restores go the other way into `~/restored-<date>/`; in a
 * tenant namespace the put-back Job holds no key, only presigned URLs (docs/notebooks-platform.md).
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStoreInput } from "../../shared/inputs";
import { tenantBackupPrefix } from "../../shared/tenant-backups";
import { BACKUP_CONTROLLER_RULES, BACKUP_WRITER_SECRET, tenantBackupResources } from "./backup-tenants";
import { CONFIG_MOUNT, configVolume, envList, objectStoreEnv, type EnvValue } from "./environment";
import type { PythonExtrasPod } from "./python-extras";

export interface NotebookBackupArgs {
  namespace: pulumi.Input<string>;
  objectStore: ObjectStoreInput;
  /** Image with python3 (the single-user image); boto3 from it or from `pythonExtras`. */
  image: string;
  /** Environment with the object-storage settings and credentials (objectStoreEnv). */
  env: Record<string, EnvValue>;
  /** Days of backups kept. */
  retentionDays: number;
  /** Cron schedule (UTC); default daily at 02:17. */
  schedule?: string;
  /** Keys of the `datavis-config` ConfigMap (in `namespace`) to mount, e.g. the AWS config for path-style S3. */
  configKeys?: string[];
  /** The notebook extras (boto3) for an image that lacks them, installed by an init container. */
  pythonExtras?: PythonExtrasPod;
  /**
   * Tenant name -> its namespace: home volumes there are backed up too, by copier Jobs in that namespace
   * with the tenant's write-only identity. Each must hold the `datavis-config` ConfigMap with `configKeys`.
   */
  tenantNamespaces?: Record<string, pulumi.Input<string>>;
}

export const BACKUP_DEFAULTS = {
  schedule: "17 2 * * *",
  serviceAccount: "notebook-backup",
  prefix: "backups",
};

/**
 * The script's ConfigMap data: notebook_backup.py and backup_store.py, which it imports from its own folder
 * (the whole ConfigMap is mounted at /opt/backup, no `items`, so every key lands there).
 */
export const BACKUP_SCRIPT_DATA: Record<string, string> = Object.fromEntries(
  ["notebook_backup.py", "backup_store.py"].map((f) => [
    f,
    fs.readFileSync(path.join(__dirname, "backup", f), "utf8"),
  ]),
);

const RESTRICTED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export class NotebookBackup extends pulumi.ComponentResource {
  readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: NotebookBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:NotebookBackup", name, {}, opts);
    const sa = BACKUP_DEFAULTS.serviceAccount;
    const ns = args.namespace;
    const identity = args.objectStore.identity;
    const roleArn = identity.kind === "workload" ? identity.roleArns.backup : undefined;

    new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: {
          name: sa,
          namespace: ns,
          ...(roleArn ? { annotations: { "eks.amazonaws.com/role-arn": roleArn } } : {}),
        },
        automountServiceAccountToken: false,
      },
      { parent: this },
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-role`,
      {
        metadata: { name: sa, namespace: ns },
        rules: BACKUP_CONTROLLER_RULES,
      },
      { parent: this },
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-binding`,
      {
        metadata: { name: sa, namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
      },
      { parent: this },
    );
    const configKeys = args.configKeys ?? [];
    const script = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      {
        metadata: { name: "notebook-backup-script", namespace: ns },
        data: { ...BACKUP_SCRIPT_DATA },
      },
      { parent: this },
    );

    const env = [
      ...envList(args.env),
      { name: "BACKUP_BUCKET", value: args.objectStore.buckets.notebooks },
      { name: "BACKUP_PREFIX", value: BACKUP_DEFAULTS.prefix },
      { name: "BACKUP_RETENTION_DAYS", value: String(args.retentionDays) },
      { name: "HOME", value: "/tmp" },
      ...(args.pythonExtras
        ? envList({ ...args.pythonExtras.env, PYTHONPATH: args.pythonExtras.pythonPath })
        : []),
    ];
    const scriptMounts = [
      { name: "script", mountPath: "/opt/backup", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
      ...(configKeys.length > 0 ? [CONFIG_MOUNT] : []),
      ...(args.pythonExtras?.volumeMounts ?? []),
    ];
    const volumes = [
      { name: "script", configMap: { name: script.metadata.name } },
      { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
      ...(configKeys.length > 0 ? [configVolume(configKeys)] : []),
      ...(args.pythonExtras?.volumes ?? []),
    ];
    const initContainers = args.pythonExtras ? { initContainers: [args.pythonExtras.initContainer] } : {};
    const podSecurity = {
      // uid 1000 / gid 100: the owner of the files in a notebook home (jovyan).
      runAsUser: 1000,
      runAsGroup: 100,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    };
    const container = (cname: string, command: string[], resources: object, withEnv = env) => ({
      name: cname,
      image: args.image,
      command,
      env: withEnv,
      resources,
      securityContext: RESTRICTED,
      volumeMounts: scriptMounts,
    });
    // What each copier/restorer Job's pod looks like; the script adds the user's volume and arguments.
    const copierResources = {
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    };
    const copierTemplate = pulumi.output({
      serviceAccountName: sa,
      automountServiceAccountToken: false,
      restartPolicy: "Never",
      securityContext: podSecurity,
      ...initContainers,
      containers: [container("copy", ["python3", "/opt/backup/notebook_backup.py"], copierResources)],
      volumes,
    });
    // In a tenant namespace: the tenant's write-only keys (edge) or its Pod Identity association (AWS) for
    // the copier; the put-back Job gets presigned URLs from the controller and no key at all.
    const tenantEnv = [
      ...envList(objectStoreEnv(args.objectStore, BACKUP_WRITER_SECRET)),
      { name: "BACKUP_BUCKET", value: args.objectStore.buckets.notebooks },
      { name: "HOME", value: "/tmp" },
      ...(args.pythonExtras
        ? envList({ ...args.pythonExtras.env, PYTHONPATH: args.pythonExtras.pythonPath })
        : []),
    ];
    const tenantTemplate = pulumi.output({
      serviceAccountName: sa,
      automountServiceAccountToken: false,
      restartPolicy: "Never",
      securityContext: podSecurity,
      ...initContainers,
      containers: [
        container("copy", ["python3", "/opt/backup/notebook_backup.py"], copierResources, tenantEnv),
      ],
      volumes,
    });
    const tenantNamespaces = args.tenantNamespaces ?? {};
    for (const [tenant, tns] of Object.entries(tenantNamespaces)) {
      tenantBackupResources(
        `${name}-${tenant}`,
        {
          tenant,
          namespace: tns,
          controller: { namespace: ns, serviceAccount: sa },
          objectStore: args.objectStore,
          scriptData: { ...BACKUP_SCRIPT_DATA },
          scriptConfigMap: "notebook-backup-script",
        },
        this,
      );
    }
    // Namespace -> backup prefix of each tenant (the controller's map; the copier gets its own prefix).
    const tenantPrefixes = pulumi
      .all(Object.entries(tenantNamespaces).map(([t, n]) => pulumi.all([n, tenantBackupPrefix(t)])))
      .apply((pairs) => JSON.stringify(Object.fromEntries(pairs.map(([n, p]) => [n, p.replace(/\/$/, "")]))));

    this.cronJob = new k8s.batch.v1.CronJob(
      name,
      {
        metadata: {
          name: "notebook-backup",
          namespace: ns,
          labels: { "app.kubernetes.io/name": "notebook-backup" },
        },
        spec: {
          schedule: args.schedule ?? BACKUP_DEFAULTS.schedule,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              activeDeadlineSeconds: 3600,
              template: {
                metadata: { labels: { "app.kubernetes.io/name": "notebook-backup" } },
                spec: {
                  serviceAccountName: sa,
                  // The runner lists volumes and starts Jobs through the API: it needs its token.
                  automountServiceAccountToken: true,
                  restartPolicy: "Never",
                  securityContext: podSecurity,
                  ...initContainers,
                  containers: [
                    {
                      ...container("backup", ["python3", "/opt/backup/notebook_backup.py"], {
                        requests: { cpu: "50m", memory: "128Mi" },
                        limits: { cpu: "500m", memory: "256Mi" },
                      }),
                      args: ["run"],
                      env: [
                        ...env,
                        {
                          name: "BACKUP_POD_TEMPLATE",
                          value: copierTemplate.apply((t) => JSON.stringify(t)),
                        },
                        { name: "BACKUP_TENANTS", value: tenantPrefixes },
                        {
                          name: "BACKUP_TENANT_POD_TEMPLATE",
                          value: tenantTemplate.apply((t) => JSON.stringify(t)),
                        },
                      ],
                    },
                  ],
                  volumes,
                },
              },
            },
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({ cronJob: this.cronJob.metadata.name });
  }
}
