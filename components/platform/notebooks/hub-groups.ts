/**
 * Identity-provider groups as JupyterHub groups, so that `tenants[].groups` can match: hub/tenancy.py
 * places a server by `user.groups`, and JupyterHub fills those from the authenticator only when
 * `Authenticator.manage_groups` is on (jupyterhub 5.5.0 handlers/base.py `auth_to_user`: with it on, the
 * auth model's `groups` are synced into the user's groups at every sign-in; with it off they stay empty).
 *
 * What OAuthenticator 17.4.0 needs per provider (oauth2.py `_apply_managed_groups`, lines 1277-1298, turns
 * `get_user_groups(auth_state)` into the auth model's `groups`; `get_user_groups`, lines 1218-1256, reads
 * `auth_state_groups_key`, a dotted key or a callable):
 * - github: `populate_teams_in_auth_state` makes github.py `update_auth_model` (lines 225-236) fetch
 *   GET /user/teams into auth_state["teams"], and only when `read:org` is in `scope` (line 226). The teams
 *   are GitHub's team objects, so hub/tenancy.py sets a callable `auth_state_groups_key` naming each
 *   `org:team-slug`, the form allowed_organizations uses (github.py lines 104-111).
 * - entra: AzureAdOAuthenticator reads the id token's claims into auth_state["user"] (azuread.py
 *   `token_to_user`) and its `auth_state_groups_key` defaults to "user.groups" (lines 35-44): the `groups`
 *   claim, which Entra fills with group object ids unless the app registration emits names.
 * - google: groups come only with a Workspace service account and an administrator to act as
 *   (google.py `google_service_account_keys`, `gsuite_administrator`, lines 61-85), fetched only when
 *   `allowed_google_groups` is set (line 254); the platform has neither, so config refuses Google groups
 *   (stacks/config/rules.ts).
 * - local: NativeAuthenticator has no groups; config refuses them too.
 * - (a fork adding a generic OIDC provider: GenericOAuthenticator's `auth_state_groups_key` defaults to
 *   "oauth_user.groups", the userinfo's `groups` claim (generic.py lines 35-44, `claim_groups_key`); set
 *   it to the claim the provider sends, with manage_groups.)
 * auth_state itself need not be kept (`enable_auth_state` stays off): groups are computed at sign-in from
 * the auth model in memory, and take effect at the user's next sign-in.
 */
import type { SignInProvider } from "../sign-in";

/** hub.config: one object per configurable class (z2jh passes each to `c[section].update`). */
export type HubConfig = Record<string, Record<string, unknown>>;

/** Whether some tenant maps identity-provider groups (the hook's `custom.datavis.tenancy` settings). */
export function tenancyUsesGroups(tenancy?: Record<string, unknown>): boolean {
  const tenants = (tenancy?.tenants ?? []) as { groups?: string[] }[];
  return tenants.some((t) => (t.groups ?? []).length > 0);
}

/** The authenticator settings that make the provider's groups JupyterHub groups. */
export function providerGroupsConfig(provider: SignInProvider): HubConfig {
  switch (provider) {
    case "github":
      return {
        Authenticator: { manage_groups: true },
        GitHubOAuthenticator: { populate_teams_in_auth_state: true, scope: ["read:org"] },
      };
    case "entra":
      return {
        Authenticator: { manage_groups: true },
        AzureAdOAuthenticator: { auth_state_groups_key: "user.groups" },
      };
    case "google":
    case "local":
      // stacks/config/rules.ts refuses this config before anything is registered; a fork calling the
      // component directly gets the same answer instead of groups that silently never match.
      throw new Error(
        `tenants[].groups: ${provider} sign-in gives the hub no groups; list the students under tenants[].members`,
      );
  }
}

/** `config` with the provider's group settings merged in, when some tenant maps groups. */
export function withTenantGroups(
  config: HubConfig,
  provider: SignInProvider,
  usesGroups: boolean,
): HubConfig {
  if (!usesGroups) return config;
  const out: HubConfig = { ...config };
  for (const [section, settings] of Object.entries(providerGroupsConfig(provider))) {
    const merged: Record<string, unknown> = { ...(out[section] ?? {}) };
    for (const [k, v] of Object.entries(settings)) {
      const had = merged[k];
      merged[k] = Array.isArray(had) && Array.isArray(v) ? [...new Set([...had, ...v])] : v;
    }
    out[section] = merged;
  }
  return out;
}
