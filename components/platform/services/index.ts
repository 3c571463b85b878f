/**
 * Platform services: ingress and TLS, database roles, the Spark operator, monitoring with Grafana and its
 * dashboards, and the Headlamp deployment UI. Written once for both targets from the four inputs.
 *
 * Order on a fresh cluster: kube-prometheus-stack first (its CRDs carry the ServiceMonitors and
 * PodMonitors of the others), then cert-manager and the ClusterIssuer (and Traefik where installed),
 * then everything that serves an Ingress.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterInput, DatabaseInput, ObjectStoreInput, TlsIssuerInput } from "../../shared/inputs";
import type { SignIn } from "../sign-in";
import type { TenantSpec } from "../tenants";
import { DatabaseRoles } from "./database-roles";
import { DeploymentUi } from "./headlamp";
import { IngressTls } from "./ingress-tls";
import type { HubSignIn } from "./grafana-hub-oauth";
import { Dashboards, Metrics } from "./monitoring";
import { replicasFor, type SizeProfile } from "./sizing";
import { SparkPlatform } from "./spark";

export { platformServicesRequests, type ReleaseRequest } from "./sizing";
export { HttpsRedirect, tlsIngressAnnotations } from "./ingress-tls";

export interface PlatformServicesArgs {
  /** Kubernetes provider, storage class, whether to install Traefik, ingress class, registry mirror. */
  cluster: ClusterInput;
  /** Database whose admin credentials create the app and read-only roles. */
  database: DatabaseInput;
  /** Object storage for Spark event logs and checkpoints. */
  objectStore: ObjectStoreInput;
  /** ACME (public) or private CA issuer for every endpoint's certificate. */
  tls: TlsIssuerInput;
  /** Endpoints are grafana.<domain> and headlamp.<domain>. */
  domain: string;
  /** Identity provider for Grafana and Headlamp. */
  signIn: SignIn;
  /** Grafana administrators. */
  admins: string[];
  /** Tenants and their owners (Headlamp deploy rights per tenant namespace). */
  tenants: TenantSpec[];
  /** Requests, limits and replicas of every service (`production` replicates with disruption budgets). */
  profile: SizeProfile;
  /** Tenant name -> namespace (from the tenants component): Spark job namespaces and deploy rights. */
  tenantNamespaces: Record<string, pulumi.Input<string>>;
  /** Each tenant's database login (tenancy): its Spark jobs connect as it, not as the app role. */
  tenantDatabaseRoles?: Record<string, { username: string; password: pulumi.Input<string> }>;
  /** Grafana sign-in through the hub (local accounts; grafana-hub-oauth.ts); unset: Grafana's own config. */
  hubSignIn?: HubSignIn;
}

export class PlatformServices extends pulumi.ComponentResource {
  readonly urls: { grafana: string; headlamp: string };
  readonly clusterIssuerName: string;
  readonly ingressClass: string;
  /** cert-manager, the ClusterIssuer and the ingress controller: what Ingress-bearing releases depend on. */
  readonly ready: pulumi.Resource[];
  /** The ingress load balancer's host name (or IP), where the target's controller makes it. */
  readonly ingressAddress?: pulumi.Output<string>;
  /** The Job that creates the platform's database roles (tenant roles are granted to the reader after it). */
  readonly databaseRolesJob: pulumi.Resource;
  /** The platform's read-write app role. */
  readonly appDatabase: { username: string; password: pulumi.Output<string> };
  /** JupyterHub's role and database (its state lives in the platform's PostgreSQL). */
  readonly hubDatabase: { username: string; password: pulumi.Output<string>; database: string };
  /** The read-only role (Grafana, Tableau, Power BI). */
  readonly readerDatabase: { username: string; password: pulumi.Output<string> };
  /** Grafana's generated admin password (sign-in for `local`, break-glass otherwise). */
  readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: PlatformServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "datavis:platform:PlatformServices",
      name,
      {},
      {
        ...opts,
        providers: { ...providerMap(opts?.providers), kubernetes: args.cluster.provider },
      },
    );
    const profile = args.profile;
    const replicas = replicasFor({ production: profile === "production" });
    const source = args.cluster.artifacts;
    const child = { parent: this };

    const roles = new DatabaseRoles("database-roles", { database: args.database, profile, source }, child);
    this.appDatabase = roles.app;
    this.hubDatabase = roles.hub;
    this.readerDatabase = roles.reader;
    this.databaseRolesJob = roles.job;

    // Prometheus first: its CRDs carry the ServiceMonitors and PodMonitors of every other release.
    const metrics = new Metrics(
      "metrics",
      {
        database: args.database,
        storageClass: args.cluster.storageClass,
        readerRole: roles.reader,
        databaseReady: roles.job,
        profile,
        replicas,
        source,
      },
      child,
    );
    const ingress = new IngressTls(
      "ingress-tls",
      {
        tls: args.tls,
        installIngress: args.cluster.installIngress,
        ingressClass: args.cluster.ingressClass,
        profile,
        replicas,
        source,
        dependsOn: [metrics.stack],
        service: args.cluster.ingressService,
      },
      child,
    );
    this.ready = ingress.ready;
    this.ingressAddress = ingress.loadBalancerAddress;
    this.clusterIssuerName = ingress.clusterIssuerName;
    this.ingressClass = ingress.ingressClass;

    const dashboards = new Dashboards(
      "dashboards",
      {
        domain: args.domain,
        signIn: args.signIn,
        admins: args.admins,
        database: args.database,
        namespace: metrics.namespace,
        caConfigMap: metrics.caConfigMap,
        readerRole: roles.reader,
        grafanaRole: roles.grafana,
        databaseReady: roles.job,
        clusterIssuer: this.clusterIssuerName,
        ingressClass: this.ingressClass,
        ingressReady: this.ready,
        profile,
        replicas,
        source,
        hubSignIn: args.hubSignIn,
      },
      child,
    );
    this.grafanaAdminPassword = dashboards.grafanaAdminPassword;

    new SparkPlatform(
      "spark",
      {
        tenantNamespaces: args.tenantNamespaces,
        cluster: args.cluster,
        database: args.database,
        objectStore: args.objectStore,
        appRole: roles.app,
        tenantRoles: args.tenantDatabaseRoles,
        profile,
        replicas,
        source,
        dependsOn: [metrics.stack, roles.job],
      },
      child,
    );

    const ui = new DeploymentUi(
      "deployment-ui",
      {
        domain: args.domain,
        auth: args.signIn,
        tenants: args.tenants,
        tenantNamespaces: args.tenantNamespaces,
        clusterIssuer: this.clusterIssuerName,
        ingressClass: this.ingressClass,
        ingressReady: this.ready,
        profile,
        replicas,
        source,
      },
      child,
    );

    this.urls = { grafana: dashboards.grafanaUrl, headlamp: ui.url };
    this.registerOutputs({
      urls: this.urls,
      clusterIssuerName: this.clusterIssuerName,
      ingressClass: this.ingressClass,
      appDatabaseUser: this.appDatabase.username,
      readerDatabaseUser: this.readerDatabase.username,
    });
  }
}

function providerMap(
  p: pulumi.ComponentResourceOptions["providers"],
): Record<string, pulumi.ProviderResource> {
  if (!p) return {};
  if (Array.isArray(p)) return Object.fromEntries(p.map((x) => [(x as any).getPackage?.() ?? "", x]));
  return p as Record<string, pulumi.ProviderResource>;
}
