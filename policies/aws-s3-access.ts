/**
 * S3 access rules: account and access-point public access blocks, no public ACLs or policies, no
 * cross-account administration in bucket policies, no ACLs at all (bucket owner enforced).
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, attachedTo, fsbp, get, known, resourcePolicy, stackPolicy, type Rule } from "./lib";
import { grantsAction, isPublicPrincipal, statements } from "./lib-iam";
import { BUCKET_POLICY, BUCKET_TYPES, bucketLabel, bucketNames } from "./aws-s3";

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

const s3AccountPublicAccessBlock = resourcePolicy({
  name: "s3-account-public-access-block",
  description:
    "An account-level S3 public access block, when the program manages one, has all four settings on, so no bucket of the account (this platform's or another's) can be made public by an ACL or policy.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("S3.1", "S3 general purpose buckets should have block public access settings enabled"),
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock") return;
    const off = PAB_FLAGS.filter((f) => args.props[f] !== true);
    if (off.length) report(`the account's public access block leaves ${off.join(", ")} off`);
  },
});

const ACL_TYPES = new Set(["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"]);
const PUBLIC_CANNED_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GRANTEES = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;

/** Why an ACL resource (or a bucket's inline `acl`) makes objects public, or undefined. */
function publicAcl(acl: unknown, grants: unknown): string | undefined {
  if (typeof acl === "string" && PUBLIC_CANNED_ACLS.has(acl)) return `canned ACL ${acl}`;
  const open = asArray(grants as any[]).filter((g) => PUBLIC_GRANTEES.test(String(get(g, "grantee", "uri"))));
  if (open.length)
    return `grants ${open.map((g) => get(g, "permission")).join(", ")} to ${String(
      get(open[0], "grantee", "uri"),
    )
      .split("/")
      .pop()}`;
  return undefined;
}

/** Bucket policy documents of the stack: inline on buckets, and BucketPolicy resources. */
function bucketPolicyDocs(all: PolicyResource[]): { doc: unknown; at: PolicyResource }[] {
  return all
    .filter((r) => BUCKET_TYPES.has(r.type) || BUCKET_POLICY.has(r.type))
    .map((r) => ({ doc: known(() => r.props.policy), at: r }))
    .filter((d) => d.doc !== undefined);
}

const s3NoPublicReadWrite = stackPolicy({
  name: "s3-bucket-no-public-read-write",
  description:
    "No bucket is readable or writable by everyone: no public canned ACL (public-read, public-read-write, authenticated-read), no ACL grant to AllUsers or AuthenticatedUsers, no bucket policy allowing Principal '*' without a condition. The public access block would refuse them at `pulumi up`; this says why before anyone deploys.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp(
    "S3.2",
    "S3 general purpose buckets should block public read access (and S3.3: write access)",
  ),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const why = publicAcl(
        known(() => b.props.acl),
        known(() => b.props.grants),
      );
      if (why) report(`bucket ${bucketLabel(b)} is public: ${why}`, b.urn);
    }
    for (const a of args.resources.filter((r) => ACL_TYPES.has(r.type))) {
      const why = publicAcl(
        known(() => a.props.acl),
        known(() => get(a.props.accessControlPolicy, "grants")),
      );
      if (why) report(`bucket ACL ${a.name} makes the bucket public: ${why}`, a.urn);
    }
    for (const { doc, at } of bucketPolicyDocs(args.resources)) {
      const open = statements(doc).filter((s) => (s.Effect ?? "Allow") === "Allow" && isPublicPrincipal(s));
      for (const s of open)
        report(
          `policy of ${at.name} allows ${asArray(s.Action).join(", ")} to everyone (Principal '*')`,
          at.urn,
        );
    }
  },
});

/** Actions FSBP S3.6 forbids granting to other accounts (its `blacklistedActionPatterns`). */
const CROSS_ACCOUNT_FORBIDDEN = [
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketPolicy",
  "s3:PutEncryptionConfiguration",
  "s3:PutObjectAcl",
];

const s3NoCrossAccountAdmin = stackPolicy({
  name: "s3-bucket-policy-no-cross-account-admin",
  description:
    "No bucket policy lets an AWS principal change the bucket's policy, ACLs or encryption (s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration, s3:PutObjectAcl, or a wildcard covering them): those belong to the deploying account's own IAM, never to a grant in the bucket policy.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("S3.6", "S3 general purpose bucket policies should restrict access to other AWS accounts"),
  validateStack: (args, report) => {
    for (const { doc, at } of bucketPolicyDocs(args.resources)) {
      for (const s of statements(doc)) {
        if ((s.Effect ?? "Allow") !== "Allow" || get(s.Principal, "AWS") === undefined) continue;
        const granted = CROSS_ACCOUNT_FORBIDDEN.filter((a) => grantsAction(s, a));
        if (granted.length)
          report(`policy of ${at.name} grants ${granted.join(", ")} to an AWS principal`, at.urn);
      }
    }
  },
});

const OWNERSHIP = new Set(["aws:s3/bucketOwnershipControls:BucketOwnershipControls"]);

const s3NoAcls = stackPolicy({
  name: "s3-bucket-no-acls",
  description:
    "Buckets do not use ACLs: no BucketAcl resource, no inline ACL other than private, and object ownership (when stated) is BucketOwnerEnforced, so access is decided by IAM and the bucket policy alone, where the other rules can read it.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("S3.12", "ACLs should not be used to manage user access to S3 general purpose buckets"),
  validateStack: (args, report) => {
    for (const b of args.resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const inline = known(() => b.props.acl);
      if (typeof inline === "string" && inline !== "private")
        report(`bucket ${bucketLabel(b)} sets the ACL ${inline}`, b.urn);
      for (const a of attachedTo(b, args.resources, ACL_TYPES, "bucket", bucketNames(b)))
        report(`bucket ${bucketLabel(b)} has an ACL (${a.name})`, a.urn);
      for (const o of attachedTo(b, args.resources, OWNERSHIP, "bucket", bucketNames(b))) {
        const mode = known(() => get(o.props.rule, "objectOwnership"));
        if (mode !== undefined && mode !== "BucketOwnerEnforced")
          report(`bucket ${bucketLabel(b)}: object ownership ${mode} keeps ACLs in force`, o.urn);
      }
    }
  },
});

const s3AccessPointsBlocked = resourcePolicy({
  name: "s3-access-point-public-access-blocked",
  description:
    "S3 access points and Multi-Region Access Points keep all four public access block settings on (they default to on; turning one off opens a path around the bucket's own block).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp(
    "S3.19",
    "S3 access points should have block public access settings enabled (and S3.24 for Multi-Region)",
  ),
  validateResource: (args, report) => {
    let block: unknown;
    if (args.type === "aws:s3/accessPoint:AccessPoint") block = args.props.publicAccessBlockConfiguration;
    else if (args.type === "aws:s3control/multiRegionAccessPoint:MultiRegionAccessPoint")
      block = get(args.props.details, "publicAccessBlock");
    else return;
    const off = PAB_FLAGS.filter((f) => get(block, f) === false);
    if (off.length) report(`public access block turns ${off.join(", ")} off`);
  },
});

export const s3AccessRules: Rule[] = [
  s3AccountPublicAccessBlock,
  s3NoPublicReadWrite,
  s3NoCrossAccountAdmin,
  s3NoAcls,
  s3AccessPointsBlocked,
];
