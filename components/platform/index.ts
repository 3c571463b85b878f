/**
 * The shared platform layer: everything on the cluster, written once for both targets. It takes the four
 * target inputs (cluster, database, object storage, TLS issuer) plus settings from config, and never asks
 * which target it runs on.
 *
 * Composition: Tenants (namespaces, quotas, isolation) -> platform services (ingress + TLS, Spark,
 * monitoring, Headlamp, database roles) -> notebooks (JupyterHub, backups, scheduled runs).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../stacks/config";
import type { ClusterInput, DatabaseInput, ObjectStoreInput, TlsIssuerInput } from "./inputs";
import { Notebooks, type NotebookSizing } from "./notebooks";
import { HttpsRedirect, PlatformServices, tlsIngressAnnotations } from "./services";
import { Tenants } from "./tenants";

export * from "./inputs";

export interface PlatformArgs {
  cluster: ClusterInput;
  database: DatabaseInput;
  objectStore: ObjectStoreInput;
  tls: TlsIssuerInput;
  /** The validated stack config: domain, tenants, sign-in, maintenance mode, retention, production. */
  settings: PlatformConfig;
  /** Notebook server profile sizes (small / large / Spark); cheap defaults fit 8 GiB nodes. */
  notebookSizing?: Partial<NotebookSizing>;
}

export class Platform extends pulumi.ComponentResource {
  /** https URLs of the platform's endpoints. */
  readonly urls: { hub: string; grafana: string; headlamp: string };
  /** Namespace of each tenant. */
  readonly tenantNamespaces: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Platform", name, {}, opts);
    const d = args.settings.domain;
    // Every Kubernetes resource of the layer goes to the target's cluster.
    const inCluster = { parent: this, providers: [args.cluster.provider] };

    const tenants = new Tenants(
      "tenants",
      { tenants: args.settings.tenants, database: args.database, objectStore: args.objectStore },
      inCluster,
    );
    this.tenantNamespaces = tenants.namespaces;

    const services = new PlatformServices(
      "services",
      {
        cluster: args.cluster,
        database: args.database,
        objectStore: args.objectStore,
        tls: args.tls,
        settings: args.settings,
        tenantNamespaces: tenants.namespaces,
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
        objectStore: args.objectStore,
        settings: args.settings,
        hubUrl,
        ingress: {
          className: services.ingressClass,
          annotations: tlsIngressAnnotations(services.clusterIssuerName),
        },
        sizing: args.notebookSizing,
        dependsOn: services.ready,
      },
      inCluster,
    );
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
    this.registerOutputs({ urls: this.urls });
  }
}
