/**
 * Dashboards: Grafana (grafana-community chart) with its datasources and sign-in, and the project's
 * dashboards chart (ConfigMaps the Grafana sidecar loads).
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SignIn } from "../../sign-in";
import { releaseArgs, type ArtifactSource } from "../../../shared/artifacts";
import type { DatabaseInput } from "../../../shared/inputs";
import { HttpsRedirect } from "../ingress-tls";
import { type SizeProfile } from "../sizing";
import { type HubSignIn, withHubSignIn } from "../grafana-hub-oauth";
import { grafanaValues } from "./grafana";
import { DASHBOARD_LABEL } from "./metrics";

/**
 * The project's own dashboards chart (ConfigMaps the Grafana sidecar loads): the release names it
 * relative to the project folder, where Pulumi runs the program, so plans show no machine's path.
 */
export const DASHBOARDS_CHART = path.join("charts", "dashboards");
export const DASHBOARDS_CHART_DIR = path.resolve(__dirname, "..", "..", "..", "..", "charts", "dashboards");

/** The dashboards chart's version, from its Chart.yaml: the release pins it like any other. */
export function dashboardsChartVersion(dir = DASHBOARDS_CHART_DIR): string {
  const m = /^version:\s*["']?([^"'\s]+)/m.exec(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"));
  if (!m) throw new Error(`${dir}/Chart.yaml has no version`);
  return m[1];
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
  /** Sign-in through the hub (local accounts); see ../grafana-hub-oauth.ts. */
  hubSignIn?: HubSignIn;
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
            values: withHubSignIn(
              grafanaValues({
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
              args.hubSignIn,
              namespace,
              this,
            ).values,
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
