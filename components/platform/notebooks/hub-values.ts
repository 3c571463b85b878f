/**
 * Values for the zero-to-jupyterhub chart (CHARTS.jupyterhub): sign-in, admins, profiles, idle culling,
 * per-user storage, network policies, the single-user image and its environment, maintenance mode and the
 * activity log. A pure function of its input so that tests validate exactly what the release receives
 * against the chart's own values schema.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SignIn } from "../sign-in";
import { imageRef, splitImage } from "../../shared/artifacts";
import { tenancyUsesGroups, withTenantGroups } from "./hub-groups";
import type { PythonExtrasPod } from "./python-extras";
import { authenticatorConfig } from "./hub-authenticator";
import { profile, type NotebookSizing } from "./server-profiles";
import { grafanaHubClientValues, type GrafanaHubClient } from "./hub-grafana-client";

export { authenticatorConfig } from "./hub-authenticator";
export { NOTEBOOK_SIZING_DEFAULTS, type NotebookSizing, type ServerSize } from "./server-profiles";
export { GRAFANA_HUB_CLIENT_ID } from "./hub-grafana-client";

/** Where the activity log lives: on the hub's own persistent volume (mounted at /srv/jupyterhub). */
export const ACTIVITY_LOG_DIR = "/srv/jupyterhub/activity";

/** The Secret (in the hub's namespace) each environment variable of a notebook server is read from. */
export const NOTEBOOK_SECRETS = {
  database: { name: "notebook-database", passwordKey: "password" },
  objectStoreKeys: {
    name: "notebook-object-store",
    accessKeyKey: "access-key-id",
    secretKeyKey: "secret-access-key",
  },
  oauth: { name: "hub-oauth", clientSecretKey: "client-secret" },
} as const;

/** Files the hub loads as hub.extraConfig (kept as real Python so they are tested with JupyterHub itself). */
const HUB_CONFIG_DIR = path.join(__dirname, "hub");
export function hubExtraConfig(): Record<string, string> {
  return {
    "10-maintenance": fs.readFileSync(path.join(HUB_CONFIG_DIR, "maintenance.py"), "utf8"),
    "20-activity-log": fs.readFileSync(path.join(HUB_CONFIG_DIR, "activity_log.py"), "utf8"),
    "30-tenancy": fs.readFileSync(path.join(HUB_CONFIG_DIR, "tenancy.py"), "utf8"),
  };
}

/** The single-user container's security context: Pod Security `restricted` (hub/tenancy.py sets the same). */
export const SERVER_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
};

export interface HubValuesInput {
  /** https URL the hub is served at (`https://hub.<domain>`). */
  hubHost: string;
  auth: SignIn;
  admins: string[];
  /** Single-user image (registry/path:tag). */
  image: string;
  /** Rewrite of every image to a site's registry mirror (air-gapped). */
  imageRegistry?: string;
  storageClass: string;
  notebookStorageGi: number;
  cullIdleMinutes: number;
  sizing: NotebookSizing;
  maintenance: { enabled: boolean; message: string };
  activityLogRetentionDays: number;
  ingress: { className: string; annotations: Record<string, string> };
  /** Service account of user servers (bound to object-storage identity on AWS). */
  serviceAccountName: string;
  /** Environment of every notebook server (database, object storage). */
  env: Record<string, pulumi.Input<string> | { valueFrom: k8s.types.input.core.v1.EnvVarSource }>;
  /** Extra volumes (and their mounts) of every notebook server: the datavis-config files. */
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  /** TCP ports user servers may reach outside the cluster's DNS: the database and object storage. */
  egressPorts: pulumi.Input<number>[];
  /** Node placement of user servers (EKS notebook node group). */
  nodeSelector?: Record<string, string>;
  tolerations?: k8s.types.input.core.v1.Toleration[];
  production: boolean;
  /** Who belongs to which tenant, read by hub/tenancy.py (components/platform/tenancy/hub.ts builds it). */
  tenancy?: Record<string, unknown>;
  /**
   * The example notebooks and library delivered into every server (examples.ts): their ConfigMap volumes,
   * mounts, environment (PYTHONPATH) and the postStart hook that copies the notebooks into the home.
   */
  examples?: {
    volumes: k8s.types.input.core.v1.Volume[];
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
    env: Record<string, string>;
    postStart: string[];
  };
  /** `hub.*` values of a hub whose database is the platform's PostgreSQL (hubDatabaseValues); unset: SQLite. */
  hubDatabase?: Record<string, any>;
  /** The notebook extras' init container, volumes and PYTHONPATH entry (python-extras.ts); unset: none. */
  pythonExtras?: PythonExtrasPod;
  /**
   * Grafana signs in through the hub (JupyterHub as OAuth2 provider, hub service `grafana`): Grafana's
   * callback URL and the client secret both sides share. Unset: no such client.
   */
  grafanaClient?: GrafanaHubClient;
}

/** Group of the notebook user (jovyan's gid 100): owns the home volume so the server can write it. */
export const NOTEBOOK_FS_GID = 100;

/** The z2jh chart values. */
export function hubValues(i: HubValuesInput): Record<string, any> {
  const mirror = (name: string) => imageRef(name, { imageRegistry: i.imageRegistry });
  const image = splitImage(mirror(i.image));
  const cullSeconds = i.cullIdleMinutes * 60;
  const oauth = i.auth.provider !== "local";
  const restricted = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  // Every chart-internal image through the mirror on air-gapped sites (tags stay the chart's pins).
  const imageName = (name: string) => (i.imageRegistry ? { image: { name: mirror(name) } } : {});
  const extras = i.pythonExtras;
  const hubDb = i.hubDatabase;
  const volumes = [...i.volumes, ...(i.examples?.volumes ?? []), ...(extras?.volumes ?? [])];
  const volumeMounts = [
    ...i.volumeMounts,
    ...(i.examples?.volumeMounts ?? []),
    ...(extras?.volumeMounts ?? []),
  ];
  const pythonPath = [i.examples?.env.PYTHONPATH, extras?.pythonPath].filter(Boolean).join(":");
  return {
    hub: {
      config: {
        // Tenants that map identity-provider groups need the provider's groups as hub groups (hub-groups.ts).
        ...withTenantGroups(
          authenticatorConfig(i.auth, i.admins, `${i.hubHost}/hub/oauth_callback`),
          i.auth.provider,
          tenancyUsesGroups(i.tenancy),
        ),
        // Pod Security `restricted` for every server's container, wherever it runs (tenant namespaces
        // enforce it); KubeSpawner merges this over its own runAsUser/allowPrivilegeEscalation.
        KubeSpawner: { container_security_context: SERVER_CONTAINER_SECURITY },
      },
      ...(oauth || hubDb
        ? {
            extraEnv: {
              ...(oauth
                ? {
                    OAUTH_CLIENT_SECRET: {
                      valueFrom: {
                        secretKeyRef: {
                          name: NOTEBOOK_SECRETS.oauth.name,
                          key: NOTEBOOK_SECRETS.oauth.clientSecretKey,
                        },
                      },
                    },
                  }
                : {}),
              ...(hubDb?.extraEnv ?? {}),
            },
          }
        : {}),
      ...(hubDb ? { extraVolumes: hubDb.extraVolumes, extraVolumeMounts: hubDb.extraVolumeMounts } : {}),
      extraConfig: hubExtraConfig(),
      ...(i.grafanaClient ? grafanaHubClientValues(i.grafanaClient) : {}),
      // The banner on every hub page; empty outside maintenance.
      templateVars: i.maintenance.enabled ? { announcement: i.maintenance.message } : {},
      // The platform's PostgreSQL (hub-database.ts) when given; otherwise a SQLite file on the hub's volume.
      db: hubDb
        ? hubDb.db
        : { type: "sqlite-pvc", pvc: { storage: "1Gi", storageClassName: i.storageClass } },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      networkPolicy: { enabled: true },
      ...imageName("quay.io/jupyterhub/k8s-hub"),
    },
    proxy: {
      // TLS ends at the cluster's ingress (cert-manager certificate); the proxy stays internal.
      service: { type: "ClusterIP" },
      chp: {
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        networkPolicy: { enabled: true },
        ...imageName("quay.io/jupyterhub/configurable-http-proxy"),
      },
      secretSync: imageName("quay.io/jupyterhub/k8s-secret-sync"),
      traefik: imageName("traefik"),
    },
    ingress: {
      enabled: true,
      ingressClassName: i.ingress.className,
      annotations: i.ingress.annotations,
      hosts: [new URL(i.hubHost).hostname],
      tls: [{ hosts: [new URL(i.hubHost).hostname], secretName: "hub-tls" }],
    },
    singleuser: {
      image: { name: image.repository, tag: image.tag, pullPolicy: "IfNotPresent" },
      defaultUrl: "/lab",
      startTimeout: 600,
      serviceAccountName: i.serviceAccountName,
      // Instead of a privileged iptables init container, the network policy below blocks the cloud
      // metadata server (egressAllowRules.cloudMetadataServer stays false).
      cloudMetadata: { blockWithIptables: false },
      networkPolicy: {
        enabled: true,
        egressAllowRules: { cloudMetadataServer: false, privateIPs: false, nonPrivateIPs: true },
        // The database and object storage, wherever they are (in-cluster on edge, in the VPC on AWS).
        egress: [{ ports: i.egressPorts.map((port) => ({ protocol: "TCP", port })) }],
      },
      cpu: { guarantee: i.sizing.small.cpuGuarantee, limit: i.sizing.small.cpuLimit },
      memory: { guarantee: i.sizing.small.memGuarantee, limit: i.sizing.small.memLimit },
      profileList: [
        profile("small", "Small", "Everyday notebooks and teaching", i.sizing.small, true),
        profile("large", "Large", "Bigger data sets in pandas", i.sizing.large),
        profile("spark", "Spark", "PySpark in local mode on the notebook's own cores", i.sizing.spark),
      ],
      ...(i.examples ? { lifecycleHooks: { postStart: { exec: { command: i.examples.postStart } } } } : {}),
      storage: {
        type: "dynamic",
        capacity: `${i.notebookStorageGi}Gi`,
        dynamic: { storageClass: i.storageClass },
        // Lets the backup job find every user's volume.
        extraLabels: { "datavis.io/notebook-home": "true" },
        ...(volumes.length > 0 ? { extraVolumes: volumes, extraVolumeMounts: volumeMounts } : {}),
      },
      extraEnv: {
        ...i.env,
        ...(i.examples?.env ?? {}),
        ...(extras?.env ?? {}),
        ...(pythonPath ? { PYTHONPATH: pythonPath } : {}),
      },
      // The notebook extras are installed before the server starts (a failed install fails the spawn).
      ...(extras ? { initContainers: [extras.initContainer] } : {}),
      ...(i.nodeSelector && Object.keys(i.nodeSelector).length > 0 ? { nodeSelector: i.nodeSelector } : {}),
      ...(i.tolerations && i.tolerations.length > 0 ? { extraTolerations: i.tolerations } : {}),
      // KubeSpawner merges extra_pod_config over the pod spec it built, so this securityContext replaces the
      // one it made from fs_gid (kubespawner/objects.py make_pod: `fsGroup=fs_gid`, then
      // update_k8s_model(pod.spec, extra_pod_config)): without fsGroup here a fresh EBS (or local-path)
      // home is root-owned and jovyan (uid 1000, gid 100) cannot write it. 100 is z2jh's singleuser.fsGid.
      extraPodConfig: {
        securityContext: {
          runAsNonRoot: true,
          fsGroup: NOTEBOOK_FS_GID,
          seccompProfile: { type: "RuntimeDefault" },
        },
      },
      networkTools: imageName("quay.io/jupyterhub/k8s-network-tools"),
    },
    scheduling: {
      // The user scheduler and placeholders pack nodes for autoscaling: worth it on a large production
      // cluster, wasted memory on a small one.
      userScheduler: {
        enabled: i.production,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        ...imageName("registry.k8s.io/kube-scheduler"),
      },
      userPlaceholder: { enabled: false, ...imageName("registry.k8s.io/pause") },
      podPriority: { enabled: false },
    },
    prePuller: {
      // The hook would make every upgrade wait for the image on all nodes; the daemonset pulls it anyway.
      hook: { enabled: false, ...imageName("quay.io/jupyterhub/k8s-image-awaiter") },
      continuous: { enabled: true },
      resources: { requests: { cpu: "5m", memory: "8Mi" }, limits: { cpu: "50m", memory: "32Mi" } },
      pause: { containerSecurityContext: restricted, ...imageName("registry.k8s.io/pause") },
    },
    cull: {
      enabled: true,
      timeout: cullSeconds,
      every: Math.min(600, Math.max(60, Math.floor(cullSeconds / 4))),
      // Admins' servers are culled too: an idle server costs the same whoever owns it.
      adminUsers: true,
      users: false,
    },
    custom: {
      datavis: {
        maintenance: { enabled: i.maintenance.enabled, message: i.maintenance.message },
        activityLog: { directory: ACTIVITY_LOG_DIR, retentionDays: i.activityLogRetentionDays },
        ...(i.tenancy ? { tenancy: i.tenancy } : {}),
      },
    },
  };
}
