/**
 * Grafana sign-in through the hub: on sites with local accounts (no outside identity provider), JupyterHub
 * is the OAuth2 provider and Grafana's generic OAuth its client, so one account serves notebooks and
 * dashboards. The hub side is the service `grafana` (notebooks/hub-grafana-client.ts,
 * GRAFANA_HUB_CLIENT_ID); this file makes the shared client secret, the Secret Grafana reads it from, and
 * Grafana's settings.
 *
 * Flow (what Grafana does, tested against a real hub in notebooks/hub/test_hub_journeys.py):
 *   browser -> https://hub.<domain>/hub/api/oauth2/authorize (the user signs in at the hub)
 *   Grafana -> http://proxy-public.jupyterhub.svc/hub/api/oauth2/token   (code -> access token)
 *   Grafana -> http://proxy-public.jupyterhub.svc/hub/api/user           ({name, admin, groups, ...})
 * Token and user calls stay inside the cluster (the hub's proxy Service) so Grafana needs no trust of the
 * site's private CA; the browser's redirect goes to the public URL.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GRAFANA_HUB_CLIENT_ID } from "../notebooks/hub-grafana-client";
import { NAMESPACES } from "../../shared/naming";
import type { SignIn } from "../sign-in";

/** The hub's proxy inside the cluster (z2jh's `proxy-public` Service, port 80). */
export const HUB_INTERNAL_URL = `http://proxy-public.${NAMESPACES.jupyterhub}.svc`;
/** The Secret (in Grafana's namespace) holding the client secret, and its key. */
export const HUB_SIGN_IN_SECRET = { name: "grafana-hub-oauth", key: "client-secret" } as const;

/** Grafana's OAuth client at the hub. */
export interface HubSignIn {
  /** https URL of the hub, as browsers reach it. */
  hubUrl: string;
  /** Grafana's callback (generic OAuth: `<root_url>/login/generic_oauth`). */
  redirectUri: string;
  /** Shared by the hub service (its api_token is the client secret) and Grafana. */
  clientSecret: pulumi.Output<string>;
}

/** The client, when sign-in is local (otherwise Grafana signs in with the same outside provider as the hub). */
export function hubSignInClient(
  auth: Pick<SignIn, "provider">,
  domain: string,
  parent: pulumi.Resource,
): HubSignIn | undefined {
  if (auth.provider !== "local") return undefined;
  const clientSecret = new random.RandomPassword(
    "grafana-hub-oauth-client-secret",
    { length: 48, special: false },
    { parent },
  ).result;
  return {
    hubUrl: `https://hub.${domain}`,
    redirectUri: `https://grafana.${domain}/login/generic_oauth`,
    clientSecret,
  };
}

/**
 * grafana.ini sections for generic OAuth against the hub. Hub admins become Grafana Admins, everyone else
 * who can sign in to the hub a Viewer. The hub has no e-mail addresses: Grafana gets `<name>@<hub host>`.
 */
export function grafanaHubOAuthIni(hubUrl: string): Record<string, Record<string, unknown>> {
  const host = new URL(hubUrl).hostname;
  return {
    // The form stays for Grafana's own admin account (break-glass when the hub is down).
    auth: { disable_login_form: false },
    "auth.basic": { enabled: true },
    "auth.generic_oauth": {
      enabled: true,
      name: "JupyterHub",
      allow_sign_up: true,
      client_id: GRAFANA_HUB_CLIENT_ID,
      client_secret: "$__env{GRAFANA_HUB_OAUTH_CLIENT_SECRET}",
      scopes: "",
      auth_url: `${hubUrl}/hub/api/oauth2/authorize`,
      token_url: `${HUB_INTERNAL_URL}/hub/api/oauth2/token`,
      api_url: `${HUB_INTERNAL_URL}/hub/api/user`,
      login_attribute_path: "name",
      name_attribute_path: "name",
      email_attribute_path: `join('@', [name, '${host}'])`,
      role_attribute_path: GRAFANA_HUB_ROLE_PATH,
      role_attribute_strict: true,
      skip_org_role_sync: false,
    },
  };
}

/** JMESPath over /hub/api/user: hub admins are Grafana Admins, every other hub user a Viewer. */
export const GRAFANA_HUB_ROLE_PATH = "admin && 'Admin' || 'Viewer'";

/**
 * Adds hub sign-in to Grafana's chart values and makes the Secret the client secret is read from.
 * Returns the values unchanged (and no resource) when `client` is undefined.
 */
export function withHubSignIn(
  values: Record<string, any>,
  client: HubSignIn | undefined,
  namespace: pulumi.Input<string>,
  parent: pulumi.Resource,
): { values: Record<string, any>; dependsOn: pulumi.Resource[] } {
  if (!client) return { values, dependsOn: [] };
  const secret = new k8s.core.v1.Secret(
    HUB_SIGN_IN_SECRET.name,
    {
      metadata: { name: HUB_SIGN_IN_SECRET.name, namespace },
      type: "Opaque",
      stringData: { [HUB_SIGN_IN_SECRET.key]: client.clientSecret },
    },
    { parent },
  );
  return {
    values: {
      ...values,
      envValueFrom: {
        ...(values.envValueFrom ?? {}),
        // The Secret's name as an output: the Grafana release waits for the Secret.
        GRAFANA_HUB_OAUTH_CLIENT_SECRET: {
          secretKeyRef: { name: secret.metadata.name, key: HUB_SIGN_IN_SECRET.key },
        },
      },
      "grafana.ini": { ...(values["grafana.ini"] ?? {}), ...grafanaHubOAuthIni(client.hubUrl) },
    },
    dependsOn: [secret],
  };
}
