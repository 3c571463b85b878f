/**
 * S3 rules of the policy pack. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { compliantBucket } from "./fixtures/policies/aws";
import { violationsOf } from "./fixtures/policies/record";

describe("policy pack: S3", () => {
  it("a bucket without a public access block is reported", async () => {
    const msgs = await reported("s3-bucket-public-access-blocked", () =>
      compliantBucket("data", "publicAccessBlock"),
    );
    expect(msgs[0]).to.match(/no BucketPublicAccessBlock/);
  });

  it("a public access block that leaves one setting off is reported, naming it", async () => {
    const msgs = await reported("s3-bucket-public-access-blocked", () => {
      const b = new aws.s3.Bucket("data", {});
      new aws.s3.BucketPublicAccessBlock("data", {
        bucket: b.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: false,
      });
    });
    expect(msgs).to.deep.equal(["public access block data leaves restrictPublicBuckets off"]);
  });

  it("a bucket with all four public access blocks passes", () =>
    quiet("s3-bucket-public-access-blocked", () => compliantBucket("data")));

  it("a bucket without default encryption is reported", async () => {
    const msgs = await reported("s3-bucket-kms-encryption", () => compliantBucket("data", "encryption"));
    expect(msgs[0]).to.match(/declares no default encryption/);
  });

  it("a data bucket encrypted with SSE-S3 instead of KMS is reported", async () => {
    const msgs = await reported("s3-bucket-kms-encryption", () => {
      const b = new aws.s3.Bucket("data", {});
      new aws.s3.BucketServerSideEncryptionConfiguration("data", {
        bucket: b.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
    });
    expect(msgs[0]).to.match(/AES256, not a KMS key/);
  });

  it("a KMS-encrypted bucket passes, and an access-log bucket may use SSE-S3", () =>
    quiet("s3-bucket-kms-encryption", () => {
      compliantBucket("data");
      const logs = new aws.s3.Bucket("logs", { tags: { "datavis:data-class": "access-logs" } });
      new aws.s3.BucketServerSideEncryptionConfiguration("logs", {
        bucket: logs.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
    }));

  it("a bucket whose policy does not deny plain HTTP is reported", async () => {
    await reported("s3-bucket-tls-only", () => compliantBucket("data", "policy"));
    await reported("s3-bucket-tls-only", () => {
      const b = new aws.s3.Bucket("data", {});
      new aws.s3.BucketPolicy("data", {
        bucket: b.id,
        policy: b.arn.apply((arn) =>
          JSON.stringify({
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::123456789012:root" },
                Action: "s3:GetObject",
                Resource: `${arn}/*`,
              },
            ],
          }),
        ),
      });
    });
  });

  it("a bucket whose policy denies s3:* without aws:SecureTransport passes", () =>
    quiet("s3-bucket-tls-only", () => compliantBucket("data")));

  it("an unversioned notebook bucket is reported", async () => {
    const msgs = await reported("s3-notebook-bucket-versioning", () =>
      compliantBucket("notebooks", "versioning"),
    );
    expect(msgs[0]).to.match(/notebook bucket notebooks .* is not versioned/);
  });

  it("a versioned notebook bucket passes, and other buckets need no versioning", () =>
    quiet("s3-notebook-bucket-versioning", () => {
      compliantBucket("notebooks");
      compliantBucket("spark", "versioning");
    }));
});

const ALL_BLOCKED = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};

/** A bucket policy document with one statement. */
const policyOf = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

describe("policy pack: S3 access (FSBP S3.1, S3.2/S3.3, S3.6, S3.12, S3.19/S3.24)", () => {
  it("an account public access block that leaves a setting off is reported", async () => {
    const msgs = await reported(
      "s3-account-public-access-block",
      () => new aws.s3.AccountPublicAccessBlock("account", { ...ALL_BLOCKED, restrictPublicBuckets: false }),
    );
    expect(msgs).to.deep.equal(["the account's public access block leaves restrictPublicBuckets off"]);
  });
  it("an account public access block with all four settings passes", () =>
    quiet(
      "s3-account-public-access-block",
      () => new aws.s3.AccountPublicAccessBlock("account", ALL_BLOCKED),
    ));

  it("a public-read ACL, a grant to AllUsers or a policy allowing everyone is reported", async () => {
    const msgs = await reported("s3-bucket-no-public-read-write", () => {
      const b = compliantBucket("data");
      new aws.s3.BucketAcl("data-acl", { bucket: b.id, acl: "public-read" });
      new aws.s3.BucketAcl("data-grant", {
        bucket: b.id,
        accessControlPolicy: {
          owner: { id: "owner" },
          grants: [
            {
              permission: "WRITE",
              grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
            },
          ],
        },
      });
      const site = new aws.s3.Bucket("site", {});
      new aws.s3.BucketPolicy("site", {
        bucket: site.id,
        policy: policyOf({
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::site/*",
        }),
      });
    });
    expect(msgs).to.have.lengthOf(3);
    expect(msgs.join("\n"))
      .to.match(/canned ACL public-read/)
      .and.match(/grants WRITE to AllUsers/)
      .and.match(/allows s3:GetObject to everyone/);
  });
  it("private buckets, and a policy for everyone narrowed by a condition, pass", () =>
    quiet("s3-bucket-no-public-read-write", () => {
      compliantBucket("data");
      const b = new aws.s3.Bucket("org", {});
      new aws.s3.BucketPolicy("org", {
        bucket: b.id,
        policy: policyOf({
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::org/*",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-example" } },
        }),
      });
    }));

  it("a bucket policy letting another account change its policy (through s3:*) is reported", async () => {
    const msgs = await reported("s3-bucket-policy-no-cross-account-admin", () => {
      const b = new aws.s3.Bucket("shared", {});
      new aws.s3.BucketPolicy("shared", {
        bucket: b.id,
        policy: policyOf({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::210987654321:root" },
          Action: "s3:*",
          Resource: ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"],
        }),
      });
    });
    expect(msgs[0]).to.match(/grants s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy/);
  });
  it("a bucket policy letting another account read objects passes", () =>
    quiet("s3-bucket-policy-no-cross-account-admin", () => {
      const b = new aws.s3.Bucket("shared", {});
      new aws.s3.BucketPolicy("shared", {
        bucket: b.id,
        policy: policyOf({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::210987654321:root" },
          Action: ["s3:GetObject", "s3:ListBucket"],
          Resource: ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"],
        }),
      });
    }));

  it("a bucket ACL resource, or object ownership that keeps ACLs, is reported", async () => {
    const msgs = await reported("s3-bucket-no-acls", () => {
      const b = compliantBucket("data");
      new aws.s3.BucketAcl("data", { bucket: b.id, acl: "private" });
      new aws.s3.BucketOwnershipControls("data", { bucket: b.id, rule: { objectOwnership: "ObjectWriter" } });
    });
    expect(msgs).to.have.lengthOf(2);
    expect(msgs[1]).to.match(/object ownership ObjectWriter keeps ACLs in force/);
  });
  it("a bucket with ownership BucketOwnerEnforced passes", () =>
    quiet("s3-bucket-no-acls", () => {
      const b = compliantBucket("data");
      new aws.s3.BucketOwnershipControls("data", {
        bucket: b.id,
        rule: { objectOwnership: "BucketOwnerEnforced" },
      });
    }));

  it("an access point or Multi-Region Access Point that turns a block off is reported", async () => {
    await reported(
      "s3-access-point-public-access-blocked",
      () =>
        new aws.s3.AccessPoint("ap", {
          bucket: "b",
          publicAccessBlockConfiguration: { ...ALL_BLOCKED, blockPublicPolicy: false },
        }),
    );
    await reported(
      "s3-access-point-public-access-blocked",
      () =>
        new aws.s3control.MultiRegionAccessPoint("mrap", {
          details: {
            name: "mrap",
            regions: [{ bucket: "b" }],
            publicAccessBlock: { ...ALL_BLOCKED, ignorePublicAcls: false },
          },
        }),
    );
  });
  it("access points with the default (all blocked) or all four on pass", () =>
    quiet("s3-access-point-public-access-blocked", () => {
      new aws.s3.AccessPoint("ap", { bucket: "b" });
      new aws.s3.AccessPoint("ap2", { bucket: "b", publicAccessBlockConfiguration: ALL_BLOCKED });
    }));
});

describe("policy pack: S3 lifecycle (FSBP S3.13, S3.10)", () => {
  it("a bucket without an enabled lifecycle rule is reported (advisory)", async () => {
    const v = await violationsOf("s3-bucket-lifecycle", () => {
      const b = compliantBucket("data");
      new aws.s3.BucketLifecycleConfiguration("data", {
        bucket: b.id,
        rules: [
          {
            id: "off",
            status: "Disabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      });
    });
    expect(v.map((x) => [x.level, x.message])).to.deep.equal([
      ["advisory", "bucket data (datavis-data-) has no enabled lifecycle rule"],
    ]);
  });
  it("a bucket expiring old versions and abandoned uploads passes", () =>
    quiet("s3-bucket-lifecycle", () => {
      const b = compliantBucket("data");
      new aws.s3.BucketLifecycleConfiguration("data", {
        bucket: b.id,
        rules: [
          { id: "old", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 7 } },
        ],
      });
    }));
});
