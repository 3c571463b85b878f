/**
 * Stack-wide reliability rules.
 */
import { isProduction, otherControl, type Rule } from "./lib";

/**
 * Resources that hold data or guard it: deleting one loses data or makes it unreadable (a KMS key).
 * Kubernetes volumes and the CloudNativePG cluster hold the edge database and notebooks.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:efs/fileSystem:FileSystem",
  "aws:ebs/volume:Volume",
  "aws:dynamodb/table:Table",
  "aws:backup/vault:Vault",
  "kubernetes:core/v1:PersistentVolume",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:postgresql.cnpg.io/v1:Cluster",
]);

const productionProtected: Rule = {
  name: "production-stateful-resources-protected",
  description:
    "In production (stack tag datavis:environment=prod) every stateful resource (databases, buckets, KMS keys, volumes) has `protect: true`, so neither `pulumi destroy` nor a refactor that drops or renames it can delete data; `retainOnDelete` is welcome too but is not visible to policies.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: otherControl(
    "AWS Well-Architected Reliability",
    "REL09",
    "Back up data and protect it from deletion (deletion protection for every stateful resource; cf. FSBP RDS.8)",
  ),
  validateResource: (args, report) => {
    if (!STATEFUL_TYPES.has(args.type) || !isProduction(args.stackTags)) return;
    if (args.opts.protect !== true)
      report(`${args.type.split(":").pop()} ${args.name} is not protected (protect: true)`);
  },
};

export const stackRules: Rule[] = [productionProtected];
