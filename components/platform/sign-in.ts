/**
 * How people sign in to the hub, Grafana and Headlamp: one identity provider for the whole platform.
 * Declared here, by the platform layer that consumes it; the stacks map the validated config onto it.
 */
import type * as pulumi from "@pulumi/pulumi";

/** `local` is NativeAuthenticator (accounts kept by the hub, for sites with no internet); the rest OAuth. */
export type SignInProvider = "github" | "google" | "entra" | "local";

export interface SignIn {
  /** Identity provider for every sign-in of the platform. */
  provider: SignInProvider;
  /** OAuth client id registered with the provider; empty for `local`. */
  clientId: string;
  /** OAuth client secret (a Pulumi secret); undefined for `local`. */
  clientSecret?: pulumi.Output<string>;
  /** GitHub organizations whose members may sign in. */
  allowedOrganizations: string[];
  /** Google Workspace domains whose users may sign in. */
  allowedDomains: string[];
  /** Microsoft Entra ID tenant (directory) id. */
  entraTenantId: string;
  /** Individual users allowed besides the organizations/domains above. */
  allowedUsers: string[];
}
