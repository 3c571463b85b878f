/** Customer-managed KMS keys: rotated yearly, aliased, and (in prod) protected from deletion. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface KmsKeyArgs {
  /** What the key encrypts, shown in the console. */
  description: string;
  /** Alias without the `alias/` prefix. */
  alias: string;
  /** Protect the key from `pulumi destroy` and give it the longest deletion window (prod). */
  protect: boolean;
  /** Key policy (JSON); the account-root default policy when unset. */
  policy?: pulumi.Input<string>;
}

/** Creates a rotated symmetric key and its alias as children of `parent`. */
export function kmsKey(name: string, args: KmsKeyArgs, parent: pulumi.Resource): aws.kms.Key {
  const key = new aws.kms.Key(
    name,
    {
      description: args.description,
      enableKeyRotation: true,
      // A deleted key makes its data unreadable: the longest window in prod, the shortest in dev.
      deletionWindowInDays: args.protect ? 30 : 7,
      ...(args.policy !== undefined ? { policy: args.policy } : {}),
    },
    { parent, protect: args.protect, retainOnDelete: args.protect },
  );
  new aws.kms.Alias(name, { name: `alias/${args.alias}`, targetKeyId: key.keyId }, { parent });
  return key;
}
