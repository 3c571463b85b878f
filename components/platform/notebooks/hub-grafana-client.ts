/**
 * Grafana signs in through the hub (JupyterHub as OAuth2 provider): the hub side of that client, as the
 * z2jh `hub.services` and `hub.loadRoles` values. Grafana's side: services/grafana-hub-oauth.ts.
 */
import * as pulumi from "@pulumi/pulumi";

/** OAuth client id of Grafana at the hub (JupyterHub requires the `service-` prefix; services/service.py). */
export const GRAFANA_HUB_CLIENT_ID = "service-grafana";

/** Grafana's callback URL and the client secret both sides share. */
export interface GrafanaHubClient {
  /** Grafana's OAuth callback URL. */
  redirectUri: string;
  /** The client secret, which is also the service's API token at the hub. */
  clientSecret: pulumi.Input<string>;
}

/** The `hub.*` values that register Grafana as an OAuth client of the hub. */
export function grafanaHubClientValues(client: GrafanaHubClient): Record<string, any> {
  return {
    // An OAuth client without a server of its own (JupyterHub 5.5 app.py init_services: a service
    // with oauth_redirect_uri gets a client whose secret is its api_token). Grafana reads
    // /hub/api/user with the token it gets; the consent page is skipped for this trusted client.
    services: {
      grafana: {
        oauth_client_id: GRAFANA_HUB_CLIENT_ID,
        oauth_redirect_uri: client.redirectUri,
        oauth_no_confirm: true,
        display: false,
        apiToken: client.clientSecret,
      },
    },
    // Signing in to a service's OAuth client needs `access:services!service=<name>` (JupyterHub 5.5
    // docs, "Authenticating a service": the default `user` role has only `self`); every hub user
    // may open the dashboards.
    loadRoles: {
      user: { description: "Hub users", scopes: ["self", "access:services!service=grafana"] },
    },
  };
}
