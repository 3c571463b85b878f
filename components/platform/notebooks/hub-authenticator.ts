/**
 * The hub's sign-in: JupyterHub's authenticator for the configured provider (GitHub, Google, Entra, or
 * local accounts through NativeAuthenticator) and its pass-through config.
 */
import type { SignIn } from "../sign-in";

/** JupyterHub authenticator entry-point name and its pass-through config for the configured provider. */
export function authenticatorConfig(
  auth: SignIn,
  admins: string[],
  callbackUrl: string,
): Record<string, Record<string, unknown>> {
  const common = {
    admin_users: admins,
    ...(auth.allowedUsers.length > 0 ? { allowed_users: auth.allowedUsers } : {}),
  };
  const oauth = { client_id: auth.clientId, oauth_callback_url: callbackUrl };
  switch (auth.provider) {
    case "github":
      return {
        JupyterHub: { authenticator_class: "github" },
        Authenticator: common,
        GitHubOAuthenticator: {
          ...oauth,
          allowed_organizations: auth.allowedOrganizations,
          // Membership of private organizations is only visible with read:org.
          scope: ["read:org"],
        },
      };
    case "google":
      return {
        JupyterHub: { authenticator_class: "google" },
        Authenticator: common,
        GoogleOAuthenticator: {
          ...oauth,
          hosted_domain: auth.allowedDomains,
          // Everyone of the allowed Workspace domains may sign in (hosted_domain already restricts).
          ...(auth.allowedDomains.length > 0 ? { allow_all: true } : {}),
          login_service: "Google",
        },
      };
    case "entra":
      return {
        JupyterHub: { authenticator_class: "azuread" },
        Authenticator: common,
        AzureAdOAuthenticator: {
          ...oauth,
          tenant_id: auth.entraTenantId,
          // Tokens from one directory only: every user of that directory may sign in unless listed users are set.
          ...(auth.allowedUsers.length === 0 ? { allow_all: true } : {}),
          login_service: "Microsoft Entra ID",
          username_claim: "preferred_username",
        },
      };
    case "local":
      // NativeAuthenticator (shipped in the z2jh 4.4.0 hub image): accounts in the hub's own database, for
      // sites without internet. Users sign up, an admin authorizes them; admins are authorized at once.
      //
      // Who gets in is NativeAuthenticator's own decision: its authenticate() returns a name only for an
      // account an admin has authorized (nativeauthenticator.py 1.3.0, `authenticate`, lines 229-249);
      // admins are authorized at sign-up (`create_user` / `get_authed_users`, lines 271-314). JupyterHub 5.5's
      // check_allowed then runs on top (jupyterhub/auth.py 5.5.0 lines 654-656, 742-746): with
      // `allow_all: false` and no `allowed_users` it refuses everyone, admins included, because admins join
      // `allowed_users` only when that list is non-empty (jupyterhub/app.py 5.5.0, init_users: "if
      // self.authenticator.allowed_users and self.authenticator.admin_users"). So: allow everyone the
      // authenticator accepts, unless `authAllowedUsers` narrows it further (then admins are added to it).
      return {
        JupyterHub: { authenticator_class: "native" },
        Authenticator: { ...common, allow_all: auth.allowedUsers.length === 0 },
        NativeAuthenticator: {
          open_signup: false,
          enable_signup: true,
          minimum_password_length: 12,
          check_common_password: true,
          allowed_failed_logins: 5,
          seconds_before_next_try: 600,
        },
      };
  }
}
