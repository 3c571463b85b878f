/**
 * Object storage: the notebooks (versioned), datasets and Spark buckets. Each is encrypted with the stack's
 * S3 KMS key, blocks every form of public access, refuses plain HTTP, owns every object it holds
 * (ACLs disabled) and expires old versions and abandoned uploads.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BucketKey } from "./identity";
import { kmsKey } from "./kms";

export interface BucketsArgs {
  /** Prefix of the bucket names (`<prefix>-notebooks-<random>`); lowercase, at most 30 characters. */
  namePrefix: string;
  /** Days a replaced or deleted notebook version can still be restored. */
  noncurrentVersionDays: number;
  /** Protect buckets and key from deletion and refuse to empty buckets on destroy (prod). */
  protect: boolean;
}

export const BUCKETS_DEFAULTS: Pick<BucketsArgs, "noncurrentVersionDays"> = { noncurrentVersionDays: 30 };

const BUCKETS: Record<BucketKey, { versioned: boolean; purpose: string }> = {
  notebooks: { versioned: true, purpose: "notebooks, scheduled-run outputs and backups" },
  datasets: { versioned: false, purpose: "landing zone for uploaded datasets" },
  spark: { versioned: false, purpose: "Spark event logs and checkpoints" },
};

export class Buckets extends pulumi.ComponentResource {
  readonly names: Record<BucketKey, pulumi.Output<string>>;
  readonly arns: Record<BucketKey, pulumi.Output<string>>;
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: BucketsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:Buckets", name, {}, opts);
    if (!/^[a-z0-9][a-z0-9-]{0,29}$/.test(args.namePrefix)) {
      throw new Error(
        `buckets ${name}: name prefix "${args.namePrefix}" must be lowercase, at most 30 characters`,
      );
    }
    const key = kmsKey(
      `${name}-s3`,
      { description: `${args.namePrefix} S3 buckets`, alias: `${args.namePrefix}-s3`, protect: args.protect },
      this,
    );
    const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
    const p = { parent: this };
    const names = {} as Record<BucketKey, pulumi.Output<string>>;
    const arns = {} as Record<BucketKey, pulumi.Output<string>>;

    for (const [kind, spec] of Object.entries(BUCKETS) as [BucketKey, (typeof BUCKETS)[BucketKey]][]) {
      const id = `${name}-${kind}`;
      const bucket = new aws.s3.Bucket(
        id,
        {
          bucketPrefix: `${args.namePrefix}-${kind}-`,
          // dev can be torn down with its data; prod refuses to delete a bucket that holds objects.
          forceDestroy: !args.protect,
          tags: { purpose: spec.purpose },
        },
        stateful,
      );
      new aws.s3.BucketPublicAccessBlock(
        id,
        {
          bucket: bucket.id,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        },
        p,
      );
      new aws.s3.BucketOwnershipControls(
        id,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        p,
      );
      new aws.s3.BucketServerSideEncryptionConfiguration(
        id,
        {
          bucket: bucket.id,
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
              // One data key per bucket instead of one KMS call per object: cheaper, same protection.
              bucketKeyEnabled: true,
            },
          ],
        },
        p,
      );
      const versioning = spec.versioned
        ? new aws.s3.BucketVersioning(
            id,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            p,
          )
        : undefined;
      new aws.s3.BucketLifecycleConfiguration(
        id,
        {
          bucket: bucket.id,
          rules: [
            {
              id: "expire-old-versions",
              status: "Enabled",
              filter: {},
              noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
              expiration: { expiredObjectDeleteMarker: true },
            },
            {
              id: "abort-abandoned-uploads",
              status: "Enabled",
              filter: {},
              abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
          ],
        },
        { parent: this, dependsOn: versioning ? [versioning] : [] },
      );
      new aws.s3.BucketPolicy(
        id,
        {
          bucket: bucket.id,
          policy: bucket.arn.apply((arn) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "DenyPlainHttp",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "s3:*",
                  Resource: [arn, `${arn}/*`],
                  Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
                {
                  Sid: "DenyOldTls",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "s3:*",
                  Resource: [arn, `${arn}/*`],
                  Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
                },
              ],
            }),
          ),
        },
        p,
      );
      names[kind] = bucket.bucket;
      arns[kind] = bucket.arn;
    }

    this.names = names;
    this.arns = arns;
    this.kmsKeyArn = key.arn;
    this.registerOutputs({ names, kmsKeyArn: this.kmsKeyArn });
  }
}
