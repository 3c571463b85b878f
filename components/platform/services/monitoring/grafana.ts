/**
 * Grafana's values: sign-in (the platform's identity provider, or local accounts), role mapping, its
 * PostgreSQL state and datasources, ingress.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { SignIn } from "../../sign-in";
import type { DatabaseInput } from "../../../shared/inputs";
import { DB_CA_PATH } from "../database-roles";
import { tlsIngressAnnotations } from "../ingress-tls";
import { SIZES, type SizeProfile } from "../sizing";
import { DASHBOARD_LABEL, PROMETHEUS_URL } from "./metrics";

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
