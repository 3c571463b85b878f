/**
 * Deployment UI: Headlamp behind sign-in, with no cluster rights of its own. Engineers act with their own
 * identity (OIDC where the identity provider speaks it, else a service-account token handed out by an
 * admin), and RBAC lets each of them deploy into the tenants they own and nothing else.
 */
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SignIn } from "../sign-in";
import type { TenantSpec } from "../tenants";
import { releaseArgs, type ArtifactSource } from "../../shared/artifacts";
import { NAMESPACES } from "../../shared/naming";
import { HttpsRedirect, tlsIngressAnnotations } from "./ingress-tls";
import { SIZES, type SizeProfile } from "./sizing";

/** Role (in every tenant namespace) of an engineer who owns the tenant. */
export const DEPLOYER_ROLE = "tenant-deployer";

/** What an owner may do in a tenant: run and change workloads; never RBAC, quotas or network policy. */
export const DEPLOYER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: ["apps"],
    resources: ["deployments", "statefulsets", "replicasets"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  {
    apiGroups: ["apps"],
    resources: ["deployments/scale", "statefulsets/scale"],
    verbs: ["get", "update", "patch"],
  },
  {
    apiGroups: ["batch"],
    resources: ["jobs", "cronjobs"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  {
    apiGroups: [""],
    resources: ["services", "configmaps", "secrets", "persistentvolumeclaims"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
  { apiGroups: [""], resources: ["pods/log", "events"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["networking.k8s.io"],
    resources: ["ingresses"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  {
    apiGroups: ["autoscaling"],
    resources: ["horizontalpodautoscalers"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  {
    apiGroups: ["sparkoperator.k8s.io"],
    resources: ["sparkapplications", "scheduledsparkapplications"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  // Visible, not editable: the tenant's fence is the platform's.
  {
    apiGroups: ["", "networking.k8s.io"],
    resources: ["resourcequotas", "limitranges", "networkpolicies"],
    verbs: ["get", "list", "watch"],
  },
];

/** A DNS-label service-account name for an identity-provider user name or e-mail. */
export function engineerAccountName(user: string): string {
  const base = user
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  const hash = createHash("sha256").update(user).digest("hex").slice(0, 6);
  return `engineer-${base || "user"}-${hash}`;
}

/** OIDC issuer of the identity provider, where it has one (GitHub OAuth does not speak OIDC). */
export function oidcIssuer(auth: SignIn): string | undefined {
  if (auth.provider === "google") return "https://accounts.google.com";
  if (auth.provider === "entra") return `https://login.microsoftonline.com/${auth.entraTenantId}/v2.0`;
  return undefined;
}

export function headlampValues(a: {
  host: string;
  clusterIssuer: string;
  ingressClass: string;
  profile: SizeProfile;
  replicas: number;
  auth: SignIn;
  imageRegistry?: string;
}): Record<string, unknown> {
  const issuer = oidcIssuer(a.auth);
  return {
    replicaCount: a.replicas,
    podDisruptionBudget:
      a.replicas > 1 ? { enabled: true, minAvailable: 1, maxUnavailable: null } : { enabled: false },
    ...(a.imageRegistry ? { image: { registry: a.imageRegistry } } : {}),
    config: {
      inCluster: true,
      ...(issuer
        ? {
            // The client secret never enters the chart values (Pulumi state, the Helm release Secret):
            // the chart reads every OIDC setting from HEADLAMP_OIDC_SECRET through `envFrom` when
            // externalSecret is enabled (charts/headlamp/templates/deployment.yaml, the
            // `$oidc.externalSecret.enabled` branches: envFrom secretRef, then -oidc-client-id=$(OIDC_CLIENT_ID),
            // -oidc-client-secret=$(OIDC_CLIENT_SECRET), -oidc-idp-issuer-url=$(OIDC_ISSUER_URL), and the
            // scopes, callback URL and PKCE flags when hasScopes / callbackURL / usePKCE are set).
            oidc: {
              secret: { create: false },
              externalSecret: { enabled: true, name: HEADLAMP_OIDC_SECRET, hasScopes: true },
              callbackURL: headlampCallbackUrl(a.host),
              usePKCE: true,
            },
          }
        : {}),
    },
    // Headlamp itself gets no cluster rights: every request carries the signed-in engineer's identity.
    clusterRoleBinding: { create: false },
    serviceAccount: { create: true },
    resources: SIZES[a.profile].headlamp,
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: {
      runAsNonRoot: true,
      privileged: false,
      runAsUser: 100,
      runAsGroup: 101,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    },
    ingress: {
      enabled: true,
      ingressClassName: a.ingressClass,
      annotations: tlsIngressAnnotations(a.clusterIssuer),
      hosts: [{ host: a.host, paths: [{ path: "/", type: "Prefix" }] }],
      tls: [{ secretName: "headlamp-tls", hosts: [a.host] }],
    },
  };
}

/** Kubernetes Secret holding Headlamp's OIDC client settings, the client secret included. */
export const HEADLAMP_OIDC_SECRET = "headlamp-oidc";

function headlampCallbackUrl(host: string): string {
  return `https://${host}/oidc-callback`;
}

/** The environment the Headlamp container reads its OIDC client from (keys the chart's args name). */
export function headlampOidcEnv(
  auth: SignIn,
  host: string,
): Record<string, pulumi.Input<string>> | undefined {
  const issuer = oidcIssuer(auth);
  if (!issuer || !auth.clientSecret) return undefined;
  return {
    OIDC_CLIENT_ID: auth.clientId,
    OIDC_CLIENT_SECRET: auth.clientSecret,
    OIDC_ISSUER_URL: issuer,
    OIDC_SCOPES: "openid email profile",
    OIDC_CALLBACK_URL: headlampCallbackUrl(host),
    OIDC_USE_PKCE: "true",
  };
}

export interface DeploymentUiArgs {
  domain: string;
  auth: SignIn;
  tenants: TenantSpec[];
  tenantNamespaces: Record<string, pulumi.Input<string>>;
  clusterIssuer: string;
  ingressClass: string;
  ingressReady: pulumi.Input<pulumi.Resource>[];
  profile: SizeProfile;
  replicas: number;
  source: ArtifactSource;
}

export class DeploymentUi extends pulumi.ComponentResource {
  readonly url: string;
  /** Service account (in the headlamp namespace) of each tenant owner, for token sign-in. */
  readonly engineerAccounts: Record<string, string> = {};

  constructor(name: string, args: DeploymentUiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:DeploymentUi", name, {}, opts);
    const host = `headlamp.${args.domain}`;
    this.url = `https://${host}`;
    const ns = new k8s.core.v1.Namespace(
      "headlamp",
      { metadata: { name: NAMESPACES.headlamp } },
      { parent: this },
    );
    const namespace = ns.metadata.name;
    const oidcEnv = headlampOidcEnv(args.auth, host);
    const oidcSecret = oidcEnv
      ? new k8s.core.v1.Secret(
          "headlamp-oidc",
          { metadata: { name: HEADLAMP_OIDC_SECRET, namespace }, type: "Opaque", stringData: oidcEnv },
          { parent: this },
        )
      : undefined;
    const release = new k8s.helm.v3.Release(
      "headlamp",
      {
        name: "headlamp",
        ...releaseArgs(
          "headlamp",
          {
            namespace,
            values: headlampValues({
              host,
              clusterIssuer: args.clusterIssuer,
              ingressClass: args.ingressClass,
              profile: args.profile,
              replicas: args.replicas,
              auth: args.auth,
              imageRegistry: args.source.imageRegistry,
            }),
          },
          args.source,
        ),
      },
      { parent: this, dependsOn: [...args.ingressReady, ...(oidcSecret ? [oidcSecret] : [])] },
    );
    new HttpsRedirect(
      "headlamp",
      { namespace, ingressClass: args.ingressClass, routes: [{ host, service: "headlamp", port: 80 }] },
      { parent: this, dependsOn: [release] },
    );

    for (const owner of [...new Set(args.tenants.flatMap((t) => t.owners))].sort()) {
      const sa = engineerAccountName(owner);
      this.engineerAccounts[owner] = sa;
      new k8s.core.v1.ServiceAccount(
        sa,
        {
          metadata: {
            name: sa,
            namespace,
            labels: { "app.kubernetes.io/part-of": "datavis", "datavis.io/role": "engineer" },
            annotations: { "datavis.io/user": owner },
          },
          automountServiceAccountToken: false,
        },
        { parent: this },
      );
    }
    for (const t of args.tenants) {
      const tenantNs = args.tenantNamespaces[t.name];
      if (!tenantNs || t.owners.length === 0) continue;
      const role = new k8s.rbac.v1.Role(
        `${DEPLOYER_ROLE}-${t.name}`,
        { metadata: { name: DEPLOYER_ROLE, namespace: tenantNs }, rules: DEPLOYER_RULES },
        { parent: this },
      );
      new k8s.rbac.v1.RoleBinding(
        `${DEPLOYER_ROLE}-${t.name}`,
        {
          metadata: { name: DEPLOYER_ROLE, namespace: tenantNs },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: t.owners.flatMap((o) => [
            // Signed in through OIDC: the API server knows the engineer by the identity provider's name.
            { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: o },
            // Signed in with a token of the engineer's service account.
            { kind: "ServiceAccount", name: engineerAccountName(o), namespace: NAMESPACES.headlamp },
          ]),
        },
        { parent: this },
      );
    }
    this.registerOutputs({ url: this.url });
  }
}
