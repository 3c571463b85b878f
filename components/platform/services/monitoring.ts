/**
 * Monitoring: kube-prometheus-stack (Prometheus, Alertmanager, kube-state-metrics, node exporter; its own
 * Grafana off), the platform's alert rules, a PostgreSQL exporter that tells whether the database answers,
 * and Grafana from the grafana-community chart with its datasources and dashboards provisioned as code.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SignIn } from "../sign-in";
import { imageRef, releaseArgs, type ArtifactSource } from "../../shared/artifacts";
import type { DatabaseInput } from "../../shared/inputs";
import { NAMESPACES } from "../../shared/naming";
import { IMAGES } from "../../versions";
import { DB_CA_PATH } from "./database-roles";
import { HttpsRedirect, tlsIngressAnnotations } from "./ingress-tls";
import { PROMETHEUS_STORAGE, SIZES, type SizeProfile } from "./sizing";

/**
 * The project's own dashboards chart (ConfigMaps the Grafana sidecar loads): the release names it
 * relative to the project folder, where Pulumi runs the program, so plans show no machine's path.
 */
export const DASHBOARDS_CHART = path.join("charts", "dashboards");
export const DASHBOARDS_CHART_DIR = path.resolve(__dirname, "..", "..", "..", "charts", "dashboards");

/** The dashboards chart's version, from its Chart.yaml: the release pins it like any other. */
export function dashboardsChartVersion(dir = DASHBOARDS_CHART_DIR): string {
  const m = /^version:\s*["']?([^"'\s]+)/m.exec(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"));
  if (!m) throw new Error(`${dir}/Chart.yaml has no version`);
  return m[1];
}

/** kube-prometheus-stack's resource-name prefix, so that Service names are known in advance. */
export const KPS_FULLNAME = "kps";
export const PROMETHEUS_URL = `http://${KPS_FULLNAME}-prometheus.${NAMESPACES.monitoring}.svc:9090`;

/** Label the Grafana sidecar watches; every dashboard ConfigMap carries it. */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;

export function kubePrometheusStackValues(a: {
  profile: SizeProfile;
  replicas: number;
  storageClass: string;
  imageRegistry?: string;
}): Record<string, unknown> {
  const s = SIZES[a.profile];
  const store = PROMETHEUS_STORAGE[a.profile];
  const pdb = { enabled: a.replicas > 1, minAvailable: 1 };
  return {
    fullnameOverride: KPS_FULLNAME,
    crds: { enabled: true },
    ...(a.imageRegistry ? { global: { imageRegistry: a.imageRegistry } } : {}),
    // Grafana comes from the grafana-community chart below, configured by this program.
    grafana: { enabled: false },
    // Managed control planes (EKS) and k3s expose none of these to scraping: alerts on them only cry wolf.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    kubeEtcd: { enabled: false },
    defaultRules: {
      rules: {
        etcd: false,
        kubeControllerManager: false,
        kubeProxy: false,
        kubeSchedulerAlerting: false,
        windows: false,
      },
    },
    windowsMonitoring: { enabled: false },
    prometheusOperator: {
      resources: s.prometheusOperator,
      admissionWebhooks: { patch: { resources: s.prometheusAdmissionPatch } },
      prometheusConfigReloader: { resources: s.prometheusConfigReloader },
    },
    prometheus: {
      podDisruptionBudget: pdb,
      prometheusSpec: {
        replicas: a.replicas,
        retention: store.retention,
        retentionSize: store.retentionSize,
        resources: s.prometheus,
        // Select every rule and monitor in the cluster, not only this release's (Spark, cert-manager, ...).
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: a.storageClass,
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: `${store.volumeGi}Gi` } },
            },
          },
        },
      },
    },
    alertmanager: {
      podDisruptionBudget: pdb,
      alertmanagerSpec: { replicas: a.replicas, resources: s.alertmanager },
    },
    "kube-state-metrics": {
      resources: s.kubeStateMetrics,
      // The labels the usage dashboard groups by: user of a notebook pod or volume, tenant of a namespace.
      metricLabelsAllowlist: [
        "pods=[hub.jupyter.org/username,component,datavis.io/tenant]",
        "persistentvolumeclaims=[hub.jupyter.org/username]",
        "namespaces=[datavis.io/tenant]",
      ],
    },
    "prometheus-node-exporter": { resources: s.nodeExporter },
  };
}

/** The platform's own alerts: hub down, database unreachable, a volume filling, a certificate expiring. */
export function platformAlertRules(jupyterhubNamespace: string): Record<string, unknown>[] {
  return [
    {
      name: "datavis.platform",
      rules: [
        {
          alert: "JupyterHubDown",
          expr: `sum by (deployment) (kube_deployment_status_replicas_available{namespace="${jupyterhubNamespace}", deployment=~"hub|proxy"}) < 1`,
          for: "5m",
          labels: { severity: "critical" },
          annotations: {
            summary: "JupyterHub {{ $labels.deployment }} has no available pod",
            description: "Users cannot sign in or start notebooks. Check `kubectl -n jupyterhub get pods`.",
          },
        },
        {
          alert: "DatabaseUnreachable",
          expr: 'pg_up{job="postgres-exporter"} == 0 or absent(pg_up{job="postgres-exporter"})',
          for: "3m",
          labels: { severity: "critical" },
          annotations: {
            summary: "The platform database does not answer",
            description: "The PostgreSQL exporter cannot connect with the read-only role for 3 minutes.",
          },
        },
        {
          alert: "VolumeFillingUp",
          expr:
            "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10 " +
            "and predict_linear(kubelet_volume_stats_available_bytes[6h], 24 * 3600) < 0",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} fills within a day",
            description: "Less than 10% free and the trend of the last 6 hours reaches zero within 24 hours.",
          },
        },
        {
          alert: "VolumeAlmostFull",
          expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.03",
          for: "5m",
          labels: { severity: "critical" },
          annotations: {
            summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over 97% full",
            description: "Writes will fail soon; grow the volume or free space.",
          },
        },
        {
          alert: "CertificateExpiringSoon",
          expr: "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600",
          for: "1h",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within 14 days",
            description:
              "cert-manager renews 30 days ahead by default: renewal is failing. See `kubectl describe certificate`.",
          },
        },
        {
          alert: "CertificateNotReady",
          expr: 'certmanager_certificate_ready_status{condition="False"} == 1',
          for: "30m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
            description: "An endpoint may be serving no or an invalid certificate.",
          },
        },
      ],
    },
  ];
}

/** JMESPath that maps platform admins to Grafana Admin and everyone else allowed to Viewer. */
export function grafanaRoleMapping(auth: SignIn, admins: string[]): { path: string; strict: boolean } {
  const attr = auth.provider === "github" ? "login" : "email";
  const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
  const adminExpr = admins.length ? `contains(${list(admins)}, ${attr}) && 'Admin' || ` : "";
  // With no organization or domain to fence sign-in, only the listed users get a role (strict refuses others).
  const fenced =
    (auth.provider === "github" && auth.allowedOrganizations.length > 0) ||
    (auth.provider !== "github" && auth.allowedDomains.length > 0) ||
    auth.provider === "entra";
  if (fenced) return { path: `${adminExpr}'Viewer'`, strict: false };
  return { path: `${adminExpr}contains(${list(auth.allowedUsers)}, ${attr}) && 'Viewer'`, strict: true };
}

/** grafana.ini sign-in sections: the identity provider JupyterHub uses, or local accounts. */
export function grafanaAuthIni(auth: SignIn, admins: string[]): Record<string, Record<string, unknown>> {
  const secret = "$__env{GRAFANA_OAUTH_CLIENT_SECRET}";
  if (auth.provider === "local") {
    return { auth: { disable_login_form: false }, "auth.basic": { enabled: true } };
  }
  const role = grafanaRoleMapping(auth, admins);
  const common = {
    enabled: true,
    allow_sign_up: true,
    client_id: auth.clientId,
    client_secret: secret,
    role_attribute_path: role.path,
    role_attribute_strict: role.strict,
    skip_org_role_sync: false,
  };
  switch (auth.provider) {
    case "github":
      return {
        "auth.github": {
          ...common,
          scopes: "user:email,read:org",
          auth_url: "https://github.com/login/oauth/authorize",
          token_url: "https://github.com/login/oauth/access_token",
          api_url: "https://api.github.com/user",
          // `org:team` entries fence by organization here (Grafana matches teams by numeric id only).
          allowed_organizations: [...new Set(auth.allowedOrganizations.map((o) => o.split(":")[0]))].join(
            " ",
          ),
        },
      };
    case "google":
      return {
        "auth.google": {
          ...common,
          scopes: "openid email profile",
          allowed_domains: auth.allowedDomains.join(" "),
        },
      };
    case "entra":
      return {
        "auth.azuread": {
          ...common,
          scopes: "openid email profile",
          auth_url: `https://login.microsoftonline.com/${auth.entraTenantId}/oauth2/v2.0/authorize`,
          token_url: `https://login.microsoftonline.com/${auth.entraTenantId}/oauth2/v2.0/token`,
          allowed_organizations: auth.entraTenantId,
          allowed_domains: auth.allowedDomains.join(" "),
        },
      };
  }
}

export interface GrafanaValuesArgs {
  host: string;
  clusterIssuer: string;
  ingressClass: string;
  profile: SizeProfile;
  replicas: number;
  /** Who signs in to Grafana, and who is its administrator. */
  signIn: SignIn;
  admins: string[];
  database: Pick<DatabaseInput, "host" | "port" | "database" | "sslMode" | "caCertificate">;
  readerUser: string;
  grafanaUser: string;
  /** Secret holding admin-user/admin-password, reader-password, database-password, oauth-client-secret. */
  secretName: string;
  /** ConfigMap with the database CA bundle (verify-full), if any. */
  caConfigMap?: string;
  imageRegistry?: string;
}

export function grafanaValues(a: GrafanaValuesArgs): Record<string, unknown> {
  const s = SIZES[a.profile];
  const db = a.database;
  const fromSecret = (key: string) => ({ secretKeyRef: { name: a.secretName, key } });
  const sslmode = db.sslMode;
  const tlsSecret = "grafana-tls";
  return {
    ...(a.imageRegistry ? { global: { imageRegistry: a.imageRegistry } } : {}),
    replicas: a.replicas,
    podDisruptionBudget: a.replicas > 1 ? { minAvailable: 1 } : {},
    resources: s.grafana,
    testFramework: { enabled: false },
    // Grafana keeps its state in PostgreSQL (below): pods are stateless and can run replicated.
    persistence: { enabled: false },
    initChownData: { enabled: false },
    admin: { existingSecret: a.secretName, userKey: "admin-user", passwordKey: "admin-password" },
    envValueFrom: {
      GF_DATABASE_PASSWORD: fromSecret("database-password"),
      GRAFANA_READER_PASSWORD: fromSecret("reader-password"),
      ...(a.signIn.provider !== "local"
        ? { GRAFANA_OAUTH_CLIENT_SECRET: fromSecret("oauth-client-secret") }
        : {}),
    },
    ...(a.caConfigMap
      ? {
          extraConfigmapMounts: [
            {
              name: "db-ca",
              mountPath: path.posix.dirname(DB_CA_PATH),
              configMap: a.caConfigMap,
              readOnly: true,
            },
          ],
        }
      : {}),
    "grafana.ini": {
      server: { domain: a.host, root_url: `https://${a.host}`, enforce_domain: false },
      database: {
        type: "postgres",
        host: pulumi.interpolate`${db.host}:${db.port}`,
        name: db.database,
        user: a.grafanaUser,
        password: "$__env{GF_DATABASE_PASSWORD}",
        ssl_mode: sslmode,
        ...(a.caConfigMap ? { ca_cert_path: DB_CA_PATH } : {}),
      },
      analytics: { check_for_updates: false, check_for_plugin_updates: false, reporting_enabled: false },
      security: { cookie_secure: true, disable_gravatar: true, allow_embedding: false },
      users: { allow_sign_up: false, default_theme: "system" },
      "auth.anonymous": { enabled: false },
      ...grafanaAuthIni(a.signIn, a.admins),
    },
    datasources: {
      "datasources.yaml": {
        apiVersion: 1,
        datasources: [
          {
            name: "Prometheus",
            uid: "prometheus",
            type: "prometheus",
            access: "proxy",
            url: PROMETHEUS_URL,
            isDefault: true,
            editable: false,
            jsonData: { timeInterval: "30s" },
          },
          {
            name: "PostgreSQL",
            uid: "postgresql",
            type: "grafana-postgresql-datasource",
            access: "proxy",
            url: pulumi.interpolate`${db.host}:${db.port}`,
            user: a.readerUser,
            editable: false,
            jsonData: {
              database: db.database,
              sslmode,
              ...(a.caConfigMap ? { sslRootCertFile: DB_CA_PATH, tlsConfigurationMethod: "file-path" } : {}),
              postgresVersion: 1700,
              timescaledb: false,
              maxOpenConns: 10,
            },
            secureJsonData: { password: "$GRAFANA_READER_PASSWORD" },
          },
        ],
      },
    },
    sidecar: {
      resources: s.grafanaSidecar,
      dashboards: {
        enabled: true,
        label: DASHBOARD_LABEL.key,
        labelValue: DASHBOARD_LABEL.value,
        folderAnnotation: "grafana_folder",
        resource: "configmap",
        provider: { foldersFromFilesStructure: true, allowUiUpdates: false },
      },
    },
    ingress: {
      enabled: true,
      ingressClassName: a.ingressClass,
      annotations: tlsIngressAnnotations(a.clusterIssuer),
      hosts: [a.host],
      path: "/",
      pathType: "Prefix",
      tls: [{ secretName: tlsSecret, hosts: [a.host] }],
    },
  };
}

export interface MetricsArgs {
  database: DatabaseInput;
  storageClass: string;
  readerRole: { username: string; password: pulumi.Input<string> };
  /** The job that creates the database roles (the exporter signs in with the reader role). */
  databaseReady: pulumi.Resource;
  profile: SizeProfile;
  replicas: number;
  source: ArtifactSource;
}

/** Prometheus and its alert rules: installed first, as its CRDs carry every other release's monitors. */
export class Metrics extends pulumi.ComponentResource {
  /** kube-prometheus-stack: installs the CRDs (ServiceMonitor, PodMonitor, PrometheusRule) others use. */
  readonly stack: k8s.helm.v3.Release;
  readonly namespace: pulumi.Output<string>;
  /** ConfigMap `db-ca` in the monitoring namespace, when the database needs its CA verified. */
  readonly caConfigMap?: string;

  constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Metrics", name, {}, opts);
    const registry = args.source.imageRegistry;
    const ns = new k8s.core.v1.Namespace(
      "monitoring",
      { metadata: { name: NAMESPACES.monitoring } },
      { parent: this },
    );
    const namespace = ns.metadata.name;
    this.namespace = namespace;

    this.stack = new k8s.helm.v3.Release(
      "kube-prometheus-stack",
      {
        name: "kube-prometheus-stack",
        ...releaseArgs(
          "kubePrometheusStack",
          {
            namespace,
            values: kubePrometheusStackValues({
              profile: args.profile,
              replicas: args.replicas,
              storageClass: args.storageClass,
              imageRegistry: registry,
            }),
            timeoutSeconds: 900,
          },
          args.source,
        ),
      },
      { parent: this },
    );

    new k8s.apiextensions.CustomResource(
      "platform-alerts",
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "datavis-platform", namespace },
        spec: { groups: platformAlertRules(NAMESPACES.jupyterhub) },
      },
      { parent: this, dependsOn: [this.stack] },
    );

    const db = args.database;
    const ca = db.caCertificate
      ? new k8s.core.v1.ConfigMap(
          "monitoring-db-ca",
          { metadata: { name: "db-ca", namespace }, data: { "ca.crt": db.caCertificate } },
          { parent: this },
        )
      : undefined;
    this.caConfigMap = ca ? "db-ca" : undefined;
    new PostgresExporter(
      "postgres-exporter",
      {
        namespace,
        database: db,
        reader: args.readerRole,
        caConfigMap: ca?.metadata.name,
        profile: args.profile,
        source: args.source,
      },
      { parent: this, dependsOn: [this.stack, args.databaseReady] },
    );
    this.registerOutputs({});
  }
}

export interface DashboardsArgs {
  /** Grafana is served at grafana.<domain>. */
  domain: string;
  /** Identity provider for Grafana's sign-in. */
  signIn: SignIn;
  /** Grafana administrators. */
  admins: string[];
  database: DatabaseInput;
  /** Monitoring namespace (from Metrics). */
  namespace: pulumi.Input<string>;
  caConfigMap?: string;
  readerRole: { username: string; password: pulumi.Input<string> };
  grafanaRole: { username: string; password: pulumi.Input<string> };
  databaseReady: pulumi.Resource;
  clusterIssuer: string;
  ingressClass: string;
  /** cert-manager, the issuer and the ingress controller. */
  ingressReady: pulumi.Resource[];
  profile: SizeProfile;
  replicas: number;
  source: ArtifactSource;
}

/** Grafana (grafana-community chart) with its datasources, sign-in and the dashboards chart. */
export class Dashboards extends pulumi.ComponentResource {
  readonly grafanaUrl: string;
  readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Dashboards", name, {}, opts);
    const host = `grafana.${args.domain}`;
    this.grafanaUrl = `https://${host}`;
    const namespace = args.namespace;
    this.grafanaAdminPassword = new random.RandomPassword(
      "grafana-admin-password",
      { length: 32, special: false },
      { parent: this },
    ).result;
    const auth = args.signIn;
    const secret = new k8s.core.v1.Secret(
      "grafana-credentials",
      {
        metadata: { name: "grafana-credentials", namespace },
        type: "Opaque",
        stringData: {
          "admin-user": "admin",
          "admin-password": this.grafanaAdminPassword,
          "reader-password": args.readerRole.password,
          "database-password": args.grafanaRole.password,
          ...(auth.clientSecret ? { "oauth-client-secret": auth.clientSecret } : {}),
        },
      },
      { parent: this },
    );
    const grafana = new k8s.helm.v3.Release(
      "grafana",
      {
        name: "grafana",
        ...releaseArgs(
          "grafana",
          {
            namespace,
            values: grafanaValues({
              host,
              clusterIssuer: args.clusterIssuer,
              ingressClass: args.ingressClass,
              profile: args.profile,
              replicas: args.replicas,
              signIn: args.signIn,
              admins: args.admins,
              database: args.database,
              readerUser: args.readerRole.username,
              grafanaUser: args.grafanaRole.username,
              secretName: "grafana-credentials",
              caConfigMap: args.caConfigMap,
              imageRegistry: args.source.imageRegistry,
            }),
          },
          args.source,
        ),
      },
      { parent: this, dependsOn: [secret, args.databaseReady, ...args.ingressReady] },
    );

    new k8s.helm.v3.Release(
      "dashboards",
      {
        name: "platform-dashboards",
        chart: DASHBOARDS_CHART,
        version: dashboardsChartVersion(),
        namespace,
        values: { label: { key: DASHBOARD_LABEL.key, value: DASHBOARD_LABEL.value } },
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 5,
      },
      { parent: this, dependsOn: [grafana] },
    );

    new HttpsRedirect(
      "grafana",
      { namespace, ingressClass: args.ingressClass, routes: [{ host, service: "grafana", port: 80 }] },
      { parent: this, dependsOn: [grafana] },
    );
    this.registerOutputs({ grafanaUrl: this.grafanaUrl });
  }
}

export interface PostgresExporterArgs {
  namespace: pulumi.Input<string>;
  database: DatabaseInput;
  reader: { username: string; password: pulumi.Input<string> };
  caConfigMap?: pulumi.Input<string>;
  profile: SizeProfile;
  /** Where the exporter image comes from (the cluster's artifact source). */
  source: ArtifactSource;
}

/** PostgreSQL exporter on the read-only role: `pg_up` for the DatabaseUnreachable alert, and DB health. */
export class PostgresExporter extends pulumi.ComponentResource {
  constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:PostgresExporter", name, {}, opts);
    const db = args.database;
    const labels = { "app.kubernetes.io/name": "postgres-exporter", "app.kubernetes.io/part-of": "datavis" };
    const meta = { name: "postgres-exporter", namespace: args.namespace, labels };
    const sslQuery = args.caConfigMap
      ? `sslmode=${db.sslMode}&sslrootcert=${DB_CA_PATH}`
      : `sslmode=${db.sslMode}`;
    const secret = new k8s.core.v1.Secret(
      name,
      {
        metadata: meta,
        type: "Opaque",
        stringData: {
          DATA_SOURCE_URI: pulumi.interpolate`${db.host}:${db.port}/${db.database}?${sslQuery}`,
          DATA_SOURCE_USER: args.reader.username,
          DATA_SOURCE_PASS: args.reader.password,
        },
      },
      { parent: this },
    );
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: meta,
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "exporter",
                  image: imageRef(IMAGES.postgresExporter, args.source),
                  envFrom: [{ secretRef: { name: secret.metadata.name } }],
                  ports: [{ name: "metrics", containerPort: 9187 }],
                  resources: SIZES[args.profile].postgresExporter,
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 30 },
                  ...(args.caConfigMap
                    ? {
                        volumeMounts: [
                          { name: "db-ca", mountPath: path.posix.dirname(DB_CA_PATH), readOnly: true },
                        ],
                      }
                    : {}),
                },
              ],
              ...(args.caConfigMap
                ? { volumes: [{ name: "db-ca", configMap: { name: args.caConfigMap } }] }
                : {}),
            },
          },
        },
      },
      { parent: this },
    );
    const svc = new k8s.core.v1.Service(
      name,
      {
        metadata: meta,
        spec: { selector: labels, ports: [{ name: "metrics", port: 9187, targetPort: "metrics" }] },
      },
      { parent: this },
    );
    new k8s.apiextensions.CustomResource(
      name,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: meta,
        spec: {
          jobLabel: "app.kubernetes.io/name",
          selector: { matchLabels: labels },
          endpoints: [{ port: "metrics", interval: "30s" }],
        },
      },
      { parent: this, dependsOn: [svc] },
    );
    this.registerOutputs({});
  }
}
