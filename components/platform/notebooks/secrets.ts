/**
 * The Secrets notebook pods read their credentials from: in each namespace whose pods connect (the hub's,
 * the scheduled runs'), the app role's database password and, where the object store takes keys, the keys;
 * in the hub's namespace the identity provider's OAuth client secret. Names and keys: NOTEBOOK_SECRETS.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStoreInput } from "../../shared/inputs";
import type { SignIn } from "../sign-in";
import { NOTEBOOK_SECRETS } from "./hub-values";

/** The database password (and object-store keys) Secrets in `ns`, named `<prefix>-database` and so on. */
export function credentialSecrets(
  parent: pulumi.Resource,
  ns: k8s.core.v1.Namespace,
  prefix: string,
  databasePassword: pulumi.Input<string>,
  store: ObjectStoreInput,
): k8s.core.v1.Secret[] {
  const child = { parent };
  const secrets: k8s.core.v1.Secret[] = [
    new k8s.core.v1.Secret(
      `${prefix}-database`,
      {
        metadata: { name: NOTEBOOK_SECRETS.database.name, namespace: ns.metadata.name },
        type: "Opaque",
        stringData: { [NOTEBOOK_SECRETS.database.passwordKey]: databasePassword },
      },
      child,
    ),
  ];
  if (store.identity.kind === "keys") {
    const k = NOTEBOOK_SECRETS.objectStoreKeys;
    secrets.push(
      new k8s.core.v1.Secret(
        `${prefix}-object-store`,
        {
          metadata: { name: k.name, namespace: ns.metadata.name },
          type: "Opaque",
          stringData: {
            [k.accessKeyKey]: store.identity.accessKeyId,
            [k.secretKeyKey]: store.identity.secretAccessKey,
          },
        },
        child,
      ),
    );
  }
  return secrets;
}

/** The OAuth client secret of the hub in `ns`; none with local sign-in or without a secret. */
export function hubOAuthSecret(
  parent: pulumi.Resource,
  ns: k8s.core.v1.Namespace,
  signIn: SignIn,
): k8s.core.v1.Secret[] {
  const child = { parent };
  return signIn.provider !== "local" && signIn.clientSecret
    ? [
        new k8s.core.v1.Secret(
          "hub-oauth",
          {
            metadata: { name: NOTEBOOK_SECRETS.oauth.name, namespace: ns.metadata.name },
            type: "Opaque",
            stringData: { [NOTEBOOK_SECRETS.oauth.clientSecretKey]: signIn.clientSecret },
          },
          child,
        ),
      ]
    : [];
}
