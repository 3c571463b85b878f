/**
 * The notebook platform: JupyterHub (zero-to-jupyterhub) with sign-in, profiles, idle culling, per-user
 * storage and network policies; the notebook servers' database and object-storage environment; daily
 * backups of every home volume; scheduled Papermill runs; read-only maintenance mode; the activity log.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageRef, releaseArgs } from "../../shared/artifacts";
import type { ClusterInput, DatabaseInput, ObjectStoreInput } from "../../shared/inputs";
import type { SignIn } from "../sign-in";
import { NAMESPACES } from "../../shared/naming";
import { objectStorePort } from "../tenants";
import { IMAGES, KUBERNETES_VERSION } from "../../versions";
import { NotebookBackup } from "./backup";
import {
  CONFIG_MAP_NAME,
  CONFIG_MOUNT,
  configFiles,
  configVolume,
  databaseEnv,
  objectStoreEnv,
  type EnvValue,
} from "./environment";
import { exampleConfigMaps, examplesPodConfig } from "./examples";
import {
  DEFAULT_PACKAGE_INDEX,
  indexPort,
  PYTHON_EXTRAS_CONFIG_MAP,
  pythonExtrasConfigMap,
  pythonExtrasPod,
} from "./python-extras";
import { hubDatabase } from "./hub-database";
import { hubValues, NOTEBOOK_SECRETS, NOTEBOOK_SIZING_DEFAULTS, type NotebookSizing } from "./hub-values";
import { ScheduledRuns } from "./scheduled-runs";
import { withSpawnLatency } from "./spawn-latency";
import { credentialSecrets, hubOAuthSecret } from "./secrets";
import type { NotebookSettings } from "./settings";

export { NOTEBOOK_SIZING_DEFAULTS, type NotebookSizing } from "./hub-values";
export { NOTEBOOK_SETTINGS_DEFAULTS, type NotebookSettings } from "./settings";

export interface NotebooksArgs {
  cluster: ClusterInput;
  database: DatabaseInput;
  /** The role notebooks and scheduled runs connect as (the platform's app role, not the administrator). */
  databaseUser: { username: pulumi.Input<string>; password: pulumi.Input<string> };
  objectStore: ObjectStoreInput;
  /** Identity provider and who may sign in. */
  signIn: SignIn;
  /** Hub (and Grafana) administrators: user names of the identity provider. */
  admins: string[];
  /** Storage, culling, image, maintenance, retention and scheduled runs; see NOTEBOOK_SETTINGS_DEFAULTS. */
  settings: NotebookSettings;
  /** Production: the hub and proxy get disruption budgets and replicated services. */
  production: boolean;
  /** https URL of the hub. */
  hubUrl: string;
  /** Ingress class of the hub's Ingress and its annotations (cert-manager issuer, Traefik TLS router). */
  ingress: { className: string; annotations: Record<string, string> };
  /** Profile sizes; defaults NOTEBOOK_SIZING_DEFAULTS. */
  sizing?: Partial<NotebookSizing>;
  /** Who belongs to which tenant (components/platform/tenancy/hub.ts); the hub places servers by it. */
  tenancy?: Record<string, unknown>;
  /** Tenant name -> namespace: home volumes of tenants' users live there and are backed up from there. */
  tenantNamespaces?: Record<string, pulumi.Input<string>>;
  /** Grafana's OAuth client at the hub (sign-in to dashboards with hub accounts); unset: none. */
  grafanaClient?: { redirectUri: string; clientSecret: pulumi.Input<string> };
  /** What the hub release waits for: the ingress controller, cert-manager and the database roles. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The hub's own role and database in the platform's PostgreSQL (hub-database.ts); unset: SQLite on a volume. */
  hubDatabase?: { username: string; password: pulumi.Input<string>; database: string };
}

/** Service account of the notebook servers (bound to the notebooks bucket's role on AWS). */
export const NOTEBOOK_SERVICE_ACCOUNT = "notebook";

/** Pod Security labels of a namespace: `enforce` at `level`, warnings and audit at `restricted`. */
function podSecurityLabels(level: "baseline" | "restricted"): Record<string, string> {
  const v = `v${KUBERNETES_VERSION}`;
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": v,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": v,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": v,
  };
}

export class Notebooks extends pulumi.ComponentResource {
  readonly hubUrl: string;
  readonly release: k8s.helm.v3.Release;
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: NotebooksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Notebooks", name, {}, opts);
    const s = args.settings;
    const store = args.objectStore;
    const registry = args.cluster.artifacts.imageRegistry;
    const image = imageRef(s.image || IMAGES.singleuser, args.cluster.artifacts);
    const child = { parent: this };

    // The hub's namespace enforces `baseline`: the chart's image-puller daemonset is not `restricted`.
    const hubNs = new k8s.core.v1.Namespace(
      "jupyterhub",
      { metadata: { name: NAMESPACES.jupyterhub, labels: podSecurityLabels("baseline") } },
      child,
    );
    const jobsNs = new k8s.core.v1.Namespace(
      "platform-jobs",
      { metadata: { name: NAMESPACES.jobs, labels: podSecurityLabels("restricted") } },
      child,
    );
    this.namespace = hubNs.metadata.name;

    // Secrets each namespace's pods read their credentials from (secrets.ts).
    const hubSecrets = credentialSecrets(this, hubNs, "notebook", args.databaseUser.password, store);
    const jobsSecrets = credentialSecrets(this, jobsNs, "scheduled-runs", args.databaseUser.password, store);

    const env: Record<string, EnvValue> = {
      ...databaseEnv(args.database, args.databaseUser.username, {
        name: NOTEBOOK_SECRETS.database.name,
        key: NOTEBOOK_SECRETS.database.passwordKey,
      }),
      ...objectStoreEnv(store, NOTEBOOK_SECRETS.objectStoreKeys),
    };
    // CA bundle and AWS config files, in both namespaces whose pods connect.
    const config = configFiles(args.database, store);
    const configKeys = Object.keys(config);
    const configMaps = configKeys.length
      ? [hubNs, jobsNs].map(
          (ns) =>
            new k8s.core.v1.ConfigMap(
              `${ns === hubNs ? "notebook" : "scheduled-runs"}-config`,
              { metadata: { name: CONFIG_MAP_NAME, namespace: ns.metadata.name }, data: config },
              child,
            ),
        )
      : [];

    // The example notebooks and the datavis_data library, copied into each home on start (examples.ts).
    const exampleMaps = Object.entries(exampleConfigMaps()).map(
      ([name, data]) =>
        new k8s.core.v1.ConfigMap(name, { metadata: { name, namespace: hubNs.metadata.name }, data }, child),
    );

    // The notebook extras for an image that lacks them, in both namespaces whose pods run the image.
    const extras = s.pythonExtras ? pythonExtrasPod({ image, indexUrl: s.pythonExtras.indexUrl }) : undefined;
    const extrasMaps = s.pythonExtras
      ? [hubNs, jobsNs].map(
          (ns) =>
            new k8s.core.v1.ConfigMap(
              `${ns === hubNs ? "notebook" : "scheduled-runs"}-python-extras`,
              {
                metadata: { name: PYTHON_EXTRAS_CONFIG_MAP, namespace: ns.metadata.name },
                data: pythonExtrasConfigMap(),
              },
              child,
            ),
        )
      : [];

    const identity = store.identity;
    const notebookSa = new k8s.core.v1.ServiceAccount(
      "notebook-sa",
      {
        metadata: {
          name: NOTEBOOK_SERVICE_ACCOUNT,
          namespace: hubNs.metadata.name,
          ...(identity.kind === "workload" && identity.roleArns.notebooks
            ? { annotations: { "eks.amazonaws.com/role-arn": identity.roleArns.notebooks } }
            : {}),
        },
        // Notebook servers need no Kubernetes API access.
        automountServiceAccountToken: false,
      },
      child,
    );

    const oauthSecret = hubOAuthSecret(this, hubNs, args.signIn);

    const hubDb = args.hubDatabase
      ? hubDatabase(this, {
          namespace: hubNs.metadata.name,
          storageClass: args.cluster.storageClass,
          production: args.production,
          database: args.database,
          role: args.hubDatabase,
        })
      : undefined;

    const egressPorts = [
      args.database.port,
      pulumi.output(store.endpoint).apply(objectStorePort),
      // A site's PyPI mirror may sit on a private address, which the servers' policy otherwise refuses.
      ...(s.pythonExtras && s.pythonExtras.indexUrl !== DEFAULT_PACKAGE_INDEX
        ? [indexPort(s.pythonExtras.indexUrl)]
        : []),
    ] as pulumi.Input<number>[];
    const values = hubValues({
      hubHost: args.hubUrl,
      auth: args.signIn,
      admins: args.admins,
      image,
      imageRegistry: registry,
      storageClass: args.cluster.storageClass,
      notebookStorageGi: s.storageGi,
      cullIdleMinutes: s.cullIdleMinutes,
      sizing: { ...NOTEBOOK_SIZING_DEFAULTS, ...args.sizing },
      maintenance: s.maintenance,
      activityLogRetentionDays: s.activityLogRetentionDays,
      ingress: args.ingress,
      serviceAccountName: NOTEBOOK_SERVICE_ACCOUNT,
      env,
      volumes: configKeys.length ? [configVolume(configKeys)] : [],
      volumeMounts: configKeys.length ? [CONFIG_MOUNT] : [],
      egressPorts,
      nodeSelector: args.cluster.nodePools.notebooks?.nodeSelector,
      tolerations: args.cluster.nodePools.notebooks?.tolerations,
      production: args.production,
      tenancy: args.tenancy,
      examples: examplesPodConfig(),
      pythonExtras: extras,
      hubDatabase: hubDb?.values,
      grafanaClient: args.grafanaClient,
    });
    const hubReleaseValues = withSpawnLatency(values, s.spawnLatency);

    this.release = new k8s.helm.v3.Release(
      "jupyterhub",
      {
        name: "jupyterhub",
        ...releaseArgs(
          "jupyterhub",
          { namespace: hubNs.metadata.name, values: hubReleaseValues },
          args.cluster.artifacts,
        ),
      },
      {
        parent: this,
        dependsOn: [
          notebookSa,
          ...hubSecrets,
          ...configMaps,
          ...exampleMaps,
          ...extrasMaps,
          ...oauthSecret,
          ...(hubDb?.resources ?? []),
          ...(args.dependsOn ?? []),
        ],
      },
    );
    this.hubUrl = args.hubUrl;

    new NotebookBackup(
      "notebook-backup",
      {
        namespace: hubNs.metadata.name,
        objectStore: store,
        image,
        env: objectStoreEnv(store, NOTEBOOK_SECRETS.objectStoreKeys),
        retentionDays: s.backupRetentionDays,
        configKeys,
        pythonExtras: extras,
        tenantNamespaces: args.tenantNamespaces,
      },
      { parent: this, dependsOn: [...hubSecrets, ...configMaps, ...extrasMaps] },
    );

    // Papermill runs as the app role too, with the same environment as a notebook; paused in maintenance.
    new ScheduledRuns(
      "scheduled-runs",
      {
        namespace: jobsNs.metadata.name,
        objectStore: store,
        image,
        env,
        configKeys,
        suspend: s.maintenance.enabled,
        runs: s.scheduledRuns,
        pythonExtras: extras,
        nodeSelector: args.cluster.nodePools.notebooks?.nodeSelector,
        tolerations: args.cluster.nodePools.notebooks?.tolerations,
      },
      { parent: this, dependsOn: [...jobsSecrets, ...configMaps, ...extrasMaps, ...(args.dependsOn ?? [])] },
    );

    this.registerOutputs({ hubUrl: this.hubUrl });
  }
}
