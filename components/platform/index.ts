/**
 * The shared platform layer: everything on the cluster, written once for both targets. It takes the four
 * target inputs (cluster, database, object storage, TLS issuer) plus its own declared settings (below), and
 * never asks which target it runs on. The stacks map the validated config onto PlatformArgs.
 *
 * Composition: Tenants (namespaces, quotas, isolation) -> platform services (ingress + TLS, Spark,
 * monitoring, Headlamp, database roles) -> notebooks (JupyterHub, backups, scheduled runs).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterInput, DatabaseInput, ObjectStoreInput, TlsIssuerInput } from "../shared/inputs";
import { Notebooks, type NotebookSettings, type NotebookSizing } from "./notebooks";
import type { SizeProfile } from "./services/sizing";
import type { SignIn } from "./sign-in";
import { HttpsRedirect, PlatformServices, tlsIngressAnnotations } from "./services";
import { hubSignInClient } from "./services/grafana-hub-oauth";
import { Tenants, type TenantSpec } from "./tenants";
import { configFiles } from "./notebooks/environment";
import { DATABASE_BOOTSTRAP_NAMESPACE } from "./services/database-roles";
import {
  hubTenancy,
  TenantDatabaseLogins,
  TenantDatabases,
  tenancyAnnotations,
  TenantHomeGuard,
  TenantNotebookNamespaces,
} from "./tenancy";

export * from "../shared/inputs";
export { NOTEBOOK_SETTINGS_DEFAULTS, type NotebookSettings, type NotebookSizing } from "./notebooks";
export type { SizeProfile } from "./services/sizing";
export type { SignIn, SignInProvider } from "./sign-in";
export type { TenantSpec } from "./tenants";

export interface PlatformArgs {
  cluster: ClusterInput;
  database: DatabaseInput;
  objectStore: ObjectStoreInput;
  tls: TlsIssuerInput;
  /** DNS domain of the endpoints: hub.<domain>, grafana.<domain>, headlamp.<domain>. */
  domain: string;
  /** Teams or classes sharing the cluster, each fenced off in its own namespace. */
  tenants: TenantSpec[];
  /** Identity provider and who may sign in (hub, Grafana, Headlamp). */
  signIn: SignIn;
  /** Administrators of the hub and Grafana (identity-provider user names). */
  admins: string[];
  /** Requests, limits and replicas of the platform services: `edge` (a few Pis), `standard`, `production`. */
  profile: SizeProfile;
  /** Notebook servers: storage, culling, image, maintenance mode, retention, scheduled runs. */
  notebooks: NotebookSettings;
  /** Notebook server profile sizes (small / large / Spark); cheap defaults fit 8 GiB nodes. */
  notebookSizing?: Partial<NotebookSizing>;
}

export class Platform extends pulumi.ComponentResource {
  /** https URLs of the platform's endpoints. */
  readonly urls: { hub: string; grafana: string; headlamp: string };
  /**
   * Host name (or IP) of the load balancer in front of the ingress, where the target's load-balancer
   * controller makes it (ClusterInput.ingressService); the endpoints' DNS records point at it.
   */
  readonly ingressAddress?: pulumi.Output<string>;
  /** Namespace of each tenant. */
  readonly tenantNamespaces: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Platform", name, {}, opts);
    const d = args.domain;
    // Every Kubernetes resource of the layer goes to the target's cluster.
    const inCluster = { parent: this, providers: [args.cluster.provider] };

    const tenants = new Tenants(
      "tenants",
      {
        tenants: args.tenants,
        database: args.database,
        objectStore: args.objectStore,
        annotations: tenancyAnnotations(args.tenants, args.objectStore.identity),
      },
      inCluster,
    );
    this.tenantNamespaces = tenants.namespaces;
    // Each tenant's database login: its notebooks and its Spark jobs connect as it.
    const tenantLogins = new TenantDatabaseLogins(
      "tenant-logins",
      { tenants: args.tenants.map((t) => t.name) },
      inCluster,
    );

    // Local accounts: Grafana signs in through the hub (one account for notebooks and dashboards).
    const hubSignIn = hubSignInClient(args.signIn, d, this);
    const services = new PlatformServices(
      "services",
      {
        cluster: args.cluster,
        database: args.database,
        objectStore: args.objectStore,
        tls: args.tls,
        domain: d,
        signIn: args.signIn,
        admins: args.admins,
        tenants: args.tenants,
        profile: args.profile,
        tenantNamespaces: tenants.namespaces,
        tenantDatabaseRoles: tenantLogins.roles,
        hubSignIn,
      },
      inCluster,
    );

    const hubUrl = `https://hub.${d}`;
    const notebooks = new Notebooks(
      "notebooks",
      {
        cluster: args.cluster,
        database: args.database,
        // The platform's app role (made by the services' database-roles Job), never the administrator.
        databaseUser: services.appDatabase,
        // The hub's own role and database on the same server, covered by the platform's database backups.
        hubDatabase: services.hubDatabase,
        objectStore: args.objectStore,
        signIn: args.signIn,
        admins: args.admins,
        settings: args.notebooks,
        production: args.profile === "production",
        hubUrl,
        ingress: {
          className: services.ingressClass,
          annotations: tlsIngressAnnotations(services.clusterIssuerName),
        },
        sizing: args.notebookSizing,
        tenancy: { ...hubTenancy(args.tenants, args.admins) },
        tenantNamespaces: tenants.namespaces,
        grafanaClient: hubSignIn,
        dependsOn: services.ready,
      },
      inCluster,
    );

    // Users belong to tenants: their servers run in the tenant's namespace, as the tenant.
    new TenantDatabases(
      "tenant-databases",
      {
        roles: tenantLogins.roles,
        bootstrapNamespace: DATABASE_BOOTSTRAP_NAMESPACE,
        adminSecretName: "db-bootstrap-credentials",
        source: args.cluster.artifacts,
        dependsOn: [services.databaseRolesJob],
      },
      inCluster,
    );
    const identity = args.objectStore.identity;
    new TenantNotebookNamespaces(
      "tenant-notebooks",
      {
        namespaces: tenants.namespaces,
        hubNamespace: notebooks.namespace,
        databasePasswords: Object.fromEntries(
          Object.entries(tenantLogins.roles).map(([t, r]) => [t, r.password]),
        ),
        objectStoreKeys: identity.kind === "keys" ? identity.tenants : undefined,
        configFiles: configFiles(args.database, args.objectStore) as Record<string, pulumi.Input<string>>,
        pythonExtras: args.notebooks.pythonExtras !== undefined,
      },
      inCluster,
    );
    // Classmates share a namespace: the API server keeps each one's home volume out of the others' jobs.
    new TenantHomeGuard("tenant-homes", {}, inCluster);
    // Plain HTTP to the hub is redirected to HTTPS by whichever Traefik serves the cluster.
    new HttpsRedirect(
      "hub",
      {
        namespace: notebooks.namespace,
        routes: [{ host: new URL(hubUrl).hostname, service: "proxy-public", port: 80 }],
        ingressClass: services.ingressClass,
      },
      { ...inCluster, dependsOn: [notebooks.release, ...services.ready] },
    );

    this.urls = {
      hub: notebooks.hubUrl,
      grafana: services.urls.grafana,
      headlamp: services.urls.headlamp,
    };
    this.ingressAddress = services.ingressAddress;
    this.registerOutputs({ urls: this.urls });
  }
}
