/**
 * S3 rules, each mapped to a Security Hub control (AWS FSBP unless the README says otherwise). Buckets are
 * @pulumi/aws 7 `Bucket`/`BucketV2` with their settings as separate resources (public access block,
 * encryption, policy, versioning, ACL, ownership, lifecycle); the rules relate them through
 * `dependencies` or the `bucket` name, so a setting stated on its own resource counts.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, attachedTo, fsbp, get, known, stackPolicy, type Rule } from "./lib";
import { statements } from "./lib-iam";

export const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const PUBLIC_ACCESS_BLOCK = new Set(["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]);
const SSE_TYPES = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);
const VERSIONING_TYPES = new Set([
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
]);
export const BUCKET_POLICY = new Set(["aws:s3/bucketPolicy:BucketPolicy"]);
const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

/** Names a bucket may be referred to by: its `bucket` input/output (the id is the name). */
export function bucketNames(b: PolicyResource): (string | undefined)[] {
  return [known(() => b.props.bucket), known(() => b.props.id)];
}

export function bucketLabel(b: PolicyResource): string {
  const n = known(() => b.props.bucket) ?? known(() => b.props.bucketPrefix);
  return typeof n === "string" ? `${b.name} (${n})` : b.name;
}

/** Buckets meant for server access logs may only use SSE-S3 (S3 cannot deliver logs to SSE-KMS targets). */
function isAccessLogBucket(b: PolicyResource): boolean {
  const tags = known(() => b.props.tags) ?? {};
  return tags["datavis:data-class"] === "access-logs";
}

/** Notebook storage: the bucket's name, name prefix or resource name says "notebook". */
function isNotebookBucket(b: PolicyResource): boolean {
  const names = [b.name, known(() => b.props.bucket), known(() => b.props.bucketPrefix)];
  const tags = known(() => b.props.tags) ?? {};
  return (
    tags["datavis:data-class"] === "notebooks" ||
    names.some((n) => typeof n === "string" && /notebook/i.test(n))
  );
}

const s3PublicAccessBlock = stackPolicy({
  name: "s3-bucket-public-access-blocked",
  description:
    "Every S3 bucket has a BucketPublicAccessBlock with all four settings on (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets): one public ACL or policy would expose notebooks and datasets to the internet.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("S3.8", "S3 general purpose buckets should block public access"),
  validateStack: (args, report) => {
    const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const blocks = attachedTo(b, args.resources, PUBLIC_ACCESS_BLOCK, "bucket", bucketNames(b));
      if (blocks.length === 0) {
        report(`bucket ${bucketLabel(b)} has no BucketPublicAccessBlock`, b.urn);
        continue;
      }
      for (const block of blocks) {
        const off = flags.filter((f) => block.props[f] !== true);
        if (off.length) report(`public access block ${block.name} leaves ${off.join(", ")} off`, block.urn);
      }
    }
  },
});

const s3KmsEncryption = stackPolicy({
  name: "s3-bucket-kms-encryption",
  description:
    "Every S3 bucket declares default encryption with a KMS key (aws:kms or aws:kms:dsse), so reading data needs kms:Decrypt as well as s3:GetObject and every access is logged in CloudTrail; only buckets tagged datavis:data-class=access-logs may use SSE-S3.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("S3.17", "S3 general purpose buckets should be encrypted at rest with AWS KMS keys"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const algorithms: string[] = [];
      const inline = known(() => get(b.props.serverSideEncryptionConfiguration, "rule"));
      for (const rule of asArray(inline)) {
        const a = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm");
        if (typeof a === "string") algorithms.push(a);
      }
      for (const cfg of attachedTo(b, args.resources, SSE_TYPES, "bucket", bucketNames(b))) {
        for (const rule of asArray(cfg.props.rules)) {
          const a = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm");
          if (typeof a === "string") algorithms.push(a);
        }
      }
      if (algorithms.length === 0) {
        report(`bucket ${bucketLabel(b)} declares no default encryption`, b.urn);
      } else if (!isAccessLogBucket(b) && !algorithms.some((a) => KMS_ALGORITHMS.has(a))) {
        report(`bucket ${bucketLabel(b)} is encrypted with ${algorithms.join(", ")}, not a KMS key`, b.urn);
      }
    }
  },
});

/** A Deny of all S3 actions to everyone when aws:SecureTransport is false. */
function deniesPlainHttp(doc: unknown): boolean {
  return statements(doc).some((s) => {
    if (s.Effect !== "Deny") return false;
    const actions = asArray(s.Action).map(String);
    if (!actions.some((a) => a === "s3:*" || a === "*")) return false;
    const cond = s.Condition ?? {};
    const v = get(cond, "Bool", "aws:SecureTransport") ?? get(cond, "BoolIfExists", "aws:SecureTransport");
    return asArray(v).some((x) => String(x).toLowerCase() === "false");
  });
}

const s3TlsOnly: Rule = stackPolicy({
  name: "s3-bucket-tls-only",
  description:
    "Every S3 bucket's policy denies s3:* when aws:SecureTransport is false, so no client (or misconfigured SDK endpoint) can move data over plain HTTP.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("S3.5", "S3 general purpose buckets should require requests to use SSL"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      // A policy still unknown during preview (built from the bucket's ARN) is judged at `pulumi up`.
      const docs = [known(() => b.props.policy)];
      let unknownDoc = false;
      for (const p of attachedTo(b, args.resources, BUCKET_POLICY, "bucket", bucketNames(b))) {
        const doc = known(() => p.props.policy);
        if (doc === undefined) unknownDoc = true;
        docs.push(doc);
      }
      if (!unknownDoc && !docs.some(deniesPlainHttp)) {
        report(`bucket ${bucketLabel(b)} has no policy statement denying requests without TLS`, b.urn);
      }
    }
  },
});

const s3NotebookVersioning: Rule = stackPolicy({
  name: "s3-notebook-bucket-versioning",
  description:
    "The notebook storage bucket (name or prefix containing 'notebook', or tagged datavis:data-class=notebooks) has versioning enabled, so an overwritten or deleted notebook can be restored.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("S3.14", "S3 general purpose buckets should have versioning enabled"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type) && isNotebookBucket(r))) {
      const inline = known(() => get(b.props.versioning, "enabled")) === true;
      const separate = attachedTo(b, args.resources, VERSIONING_TYPES, "bucket", bucketNames(b)).some(
        (v) => get(v.props.versioningConfiguration, "status") === "Enabled",
      );
      if (!inline && !separate) report(`notebook bucket ${bucketLabel(b)} is not versioned`, b.urn);
    }
  },
});

const LIFECYCLE_TYPES = new Set([
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
]);

const s3Lifecycle = stackPolicy({
  name: "s3-bucket-lifecycle",
  description:
    "Every bucket has a lifecycle configuration with an enabled rule (expiring noncurrent versions of versioned buckets, aborting abandoned uploads), so old versions and parts do not pile up unseen.",
  enforcementLevel: "advisory",
  severity: "low",
  framework: fsbp(
    "S3.13",
    "S3 general purpose buckets should have Lifecycle configurations (and S3.10 for versioned ones)",
  ),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const rules = [
        ...asArray(known(() => b.props.lifecycleRules) as any[]).map((r) =>
          r?.enabled ? "Enabled" : "Disabled",
        ),
        ...attachedTo(b, args.resources, LIFECYCLE_TYPES, "bucket", bucketNames(b)).flatMap((l) =>
          asArray(known(() => l.props.rules) as any[]).map((r) => get(r, "status")),
        ),
      ];
      if (!rules.includes("Enabled")) report(`bucket ${bucketLabel(b)} has no enabled lifecycle rule`, b.urn);
    }
  },
});

export const s3Rules: Rule[] = [
  s3PublicAccessBlock,
  s3KmsEncryption,
  s3TlsOnly,
  s3NotebookVersioning,
  s3Lifecycle,
];
