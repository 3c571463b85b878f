import { expect } from "chai";
import { WORKLOAD_SERVICE_ACCOUNTS } from "../components/aws/identity";
import { ofType, one, runStack, type ProgramRun } from "./harness";

const BUCKET = "aws:s3/bucket:Bucket";
const KINDS = ["notebooks", "datasets", "spark"];

function forBucket(run: ProgramRun, type: string, kind: string) {
  return one(run, type, `object-store-${kind}`).inputs;
}

describe("aws object storage (dev)", () => {
  it("creates the notebooks, datasets and spark buckets", async () => {
    const run = await runStack("dev");
    expect(ofType(run, BUCKET).map((b) => b.inputs.bucketPrefix)).to.have.members(
      KINDS.map((k) => `datavis-dev-${k}-`),
    );
  });

  it("no bucket admits plain HTTP (or TLS older than 1.2)", async () => {
    const run = await runStack("dev");
    for (const kind of KINDS) {
      const policy = JSON.parse(forBucket(run, "aws:s3/bucketPolicy:BucketPolicy", kind).policy);
      const http = policy.Statement.find((s: any) => s.Condition?.Bool?.["aws:SecureTransport"] === "false");
      expect(http, kind).to.include({ Effect: "Deny", Principal: "*", Action: "s3:*" });
      expect(http.Resource).to.have.lengthOf(2);
      const tls = policy.Statement.find((s: any) => s.Condition?.NumericLessThan?.["s3:TlsVersion"]);
      expect(tls.Effect).to.equal("Deny");
    }
  });

  it("every bucket blocks all four kinds of public access and disables ACLs", async () => {
    const run = await runStack("dev");
    for (const kind of KINDS) {
      expect(forBucket(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", kind), kind).to.include(
        {
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        },
      );
      expect(
        forBucket(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", kind).rule,
      ).to.deep.equal({
        objectOwnership: "BucketOwnerEnforced",
      });
    }
  });

  it("every bucket is encrypted with SSE-KMS under the stack's S3 key, with bucket keys on", async () => {
    const run = await runStack("dev");
    for (const kind of KINDS) {
      const rule = forBucket(
        run,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        kind,
      ).rules[0];
      expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("aws:kms");
      expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId).to.contain("object-store-s3");
      expect(rule.bucketKeyEnabled).to.equal(true);
    }
  });

  it("notebooks are versioned so users can restore earlier versions, and old versions expire", async () => {
    const run = await runStack("dev");
    const versioned = ofType(run, "aws:s3/bucketVersioning:BucketVersioning");
    expect(versioned.map((v) => v.name)).to.deep.equal(["object-store-notebooks"]);
    expect(versioned[0].inputs.versioningConfiguration.status).to.equal("Enabled");
    for (const kind of KINDS) {
      const rules = forBucket(
        run,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        kind,
      ).rules;
      const expire = rules.find((r: any) => r.noncurrentVersionExpiration);
      expect(expire.noncurrentVersionExpiration.noncurrentDays, kind).to.equal(7);
      expect(rules.some((r: any) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 7)).to.equal(
        true,
      );
    }
  });

  it("each workload's role may touch one bucket, under one prefix only", async () => {
    const run = await runStack("dev");
    const buckets = Object.fromEntries(
      ofType(run, BUCKET).map((b) => [b.name.replace("object-store-", ""), b]),
    );
    for (const [workload, binding] of Object.entries(WORKLOAD_SERVICE_ACCOUNTS)) {
      const doc = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", `workload-${workload}`).inputs.policy);
      const s3 = doc.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("s3:")));
      const resources = s3.flatMap((s: any) => [s.Resource].flat());
      const bucketArn = `arn:aws:s3:::${run.resources.find((r) => r === buckets[binding.bucket])!.inputs.bucketPrefix}`;
      for (const r of resources) expect(r, workload).to.satisfy((x: string) => x.startsWith(bucketArn));
      const objects = s3.find((s: any) => s.Sid === "ObjectsUnderPrefix");
      expect(objects.Resource, workload).to.match(new RegExp(`/${binding.prefix}\\*$`));
      const list = s3.find((s: any) => s.Sid === "ListOwnPrefix");
      expect(list.Condition.StringLike["s3:prefix"], workload).to.deep.equal([
        binding.prefix,
        `${binding.prefix}*`,
      ]);
      expect(JSON.stringify(doc)).not.to.contain('"*"');
    }
  });

  it("each role trusts only its own service account (tenants' Spark jobs hold none: EKS Pod Identity)", async () => {
    const run = await runStack("dev");
    for (const [workload, binding] of Object.entries(WORKLOAD_SERVICE_ACCOUNTS)) {
      const trust = JSON.parse(one(run, "aws:iam/role:Role", `workload-${workload}`).inputs.assumeRolePolicy);
      const cond = trust.Statement[0].Condition;
      const subject = `system:serviceaccount:${binding.namespace}:${binding.serviceAccount}`;
      const op = binding.namespace.includes("*") ? "StringLike" : "StringEquals";
      const sub = Object.entries(cond[op]).find(([k]) => k.endsWith(":sub"));
      expect(sub?.[1], workload).to.equal(subject);
      const aud = Object.entries(cond.StringEquals).find(([k]) => k.endsWith(":aud"));
      expect(aud?.[1]).to.equal("sts.amazonaws.com");
    }
    expect(Object.values(WORKLOAD_SERVICE_ACCOUNTS).map((b) => b.namespace)).not.to.include("tenant-*");
  });

  it("dev buckets can be destroyed with their contents", async () => {
    const run = await runStack("dev");
    for (const b of ofType(run, BUCKET)) {
      expect(b.inputs.forceDestroy, b.name).to.equal(true);
      expect(b.protect).to.equal(false);
    }
  });
});

describe("aws object storage (prod)", () => {
  it("prod buckets are protected and refuse to be emptied on destroy", async () => {
    const run = await runStack("prod");
    for (const b of ofType(run, BUCKET)) {
      expect(b.protect, b.name).to.equal(true);
      expect(b.inputs.forceDestroy, b.name).to.equal(false);
    }
  });

  it("prod keeps old notebook versions for notebookBackupRetentionDays (30)", async () => {
    const run = await runStack("prod");
    const rules = forBucket(
      run,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "notebooks",
    ).rules;
    expect(rules[0].noncurrentVersionExpiration.noncurrentDays).to.equal(30);
  });
});
