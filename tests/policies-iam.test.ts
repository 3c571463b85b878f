/**
 * IAM and KMS rules of the policy pack. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { IRSA_TRUST } from "./fixtures/policies/aws";

describe("policy pack: IAM and KMS", () => {
  it("a policy allowing '*:*' or '*' on '*' is reported", async () => {
    await reported(
      "iam-no-full-admin-statements",
      () =>
        new aws.iam.Policy("admin", {
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "*:*", Resource: "*" }],
          }),
        }),
    );
    await reported(
      "iam-no-full-admin-statements",
      () =>
        new aws.iam.RolePolicy("admin", {
          role: "r",
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: ["*"] }],
          }),
        }),
    );
  });
  it("scoped statements pass", () =>
    quiet(
      "iam-no-full-admin-statements",
      () =>
        new aws.iam.Policy("reader", {
          policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::datavis-notebooks/*" },
            ],
          }),
        }),
    ));

  it("a workload role with an inline service wildcard or AdministratorAccess is reported", async () => {
    const msgs = await reported("iam-workload-roles-least-privilege", () => {
      const role = new aws.iam.Role("notebooks", { assumeRolePolicy: IRSA_TRUST });
      new aws.iam.RolePolicy("notebooks", {
        role: role.id,
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }],
        }),
      });
      new aws.iam.RolePolicyAttachment("notebooks-admin", {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      });
    });
    expect(msgs).to.have.lengthOf(2);
    expect(msgs.join("\n"))
      .to.match(/allows s3:\*/)
      .and.match(/AdministratorAccess/);
  });
  it("a workload role with a customer managed policy of this stack allowing 'iam:*' is reported", async () => {
    const msgs = await reported("iam-workload-roles-least-privilege", () => {
      const role = new aws.iam.Role("spark", { assumeRolePolicy: IRSA_TRUST });
      const policy = new aws.iam.Policy("spark", {
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["iam:*"], Resource: "*" }] }),
      });
      new aws.iam.RolePolicyAttachment("spark", { role: role.name, policyArn: policy.arn });
    });
    expect(msgs).to.deep.equal(["workload role spark: attached policy spark allows iam:*"]);
  });
  it("a workload role with scoped actions passes; a non-workload role is not judged by this rule", () =>
    quiet("iam-workload-roles-least-privilege", () => {
      const role = new aws.iam.Role("notebooks", { assumeRolePolicy: IRSA_TRUST });
      new aws.iam.RolePolicy("notebooks", {
        role: role.id,
        policy: JSON.stringify({
          Statement: [
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::b/*" },
          ],
        }),
      });
      const ci = new aws.iam.Role("ci", {
        assumeRolePolicy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:root" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      });
      new aws.iam.RolePolicyAttachment("ci-admin", {
        role: ci.name,
        policyArn: "arn:aws:iam::aws:policy/PowerUserAccess",
      });
    }));

  it("a KMS key without rotation is reported", () =>
    reported("kms-key-rotation", () => new aws.kms.Key("k", { enableKeyRotation: false })));
  it("a rotating key passes, and asymmetric keys (which cannot rotate) are not judged", () =>
    quiet("kms-key-rotation", () => {
      new aws.kms.Key("k", { enableKeyRotation: true });
      new aws.kms.Key("signing", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" });
    }));
});

describe("policy pack: IAM users and passwords (FSBP IAM.2, IAM.7)", () => {
  it("policies attached to IAM users are reported (inline, managed, PolicyAttachment)", async () => {
    const msgs = await reported("iam-no-user-policies", () => {
      const user = new aws.iam.User("analyst", {});
      new aws.iam.UserPolicy("analyst", {
        user: user.name,
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
        }),
      });
      new aws.iam.UserPolicyAttachment("analyst", {
        user: user.name,
        policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      });
      new aws.iam.PolicyAttachment("shared", {
        users: [user.name],
        policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      });
    });
    expect(msgs).to.have.lengthOf(3);
  });
  it("a policy given through a group passes", () =>
    quiet("iam-no-user-policies", () => {
      const group = new aws.iam.Group("analysts", {});
      new aws.iam.GroupPolicyAttachment("analysts", {
        group: group.name,
        policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      });
    }));

  it("a weak password policy is reported, naming what it lacks", async () => {
    const msgs = await reported(
      "iam-password-policy-strong",
      () =>
        new aws.iam.AccountPasswordPolicy("passwords", { minimumPasswordLength: 6, requireNumbers: true }),
    );
    expect(msgs).to.deep.equal([
      "requireUppercaseCharacters, requireLowercaseCharacters, requireSymbols not required",
      "minimumPasswordLength is 6, at least 8 is required",
    ]);
  });
  it("a password policy with every class and 14 characters passes", () =>
    quiet(
      "iam-password-policy-strong",
      () =>
        new aws.iam.AccountPasswordPolicy("passwords", {
          minimumPasswordLength: 14,
          requireNumbers: true,
          requireSymbols: true,
          requireUppercaseCharacters: true,
          requireLowercaseCharacters: true,
        }),
    ));
});

describe("policy pack: KMS key use (FSBP KMS.1, KMS.2, KMS.5)", () => {
  it("decrypting with every key is reported, in a managed policy, an inline policy and a role's inline policy", async () => {
    const decryptAll = JSON.stringify({
      Statement: [{ Effect: "Allow", Action: ["kms:Decrypt"], Resource: "*" }],
    });
    const msgs = await reported("kms-no-decrypt-on-all-keys", () => {
      new aws.iam.Policy("decrypt-all", { policy: decryptAll });
      new aws.iam.RolePolicy("reencrypt", {
        role: "r",
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "kms:ReEncrypt*", Resource: ["*"] }],
        }),
      });
      new aws.iam.Role("jobs", {
        assumeRolePolicy: IRSA_TRUST,
        inlinePolicies: [{ name: "kms", policy: decryptAll }],
      });
    });
    expect(msgs).to.have.lengthOf(3);
    expect(msgs[1]).to.equal("a statement allows kms:ReEncryptFrom on every key (Resource '*')");
  });
  it("decrypting with named keys, and other actions on every resource, pass", () =>
    quiet("kms-no-decrypt-on-all-keys", () => {
      new aws.iam.Policy("decrypt-own", {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Action: ["kms:Decrypt"],
              Resource: "arn:aws:kms:us-east-1:123456789012:key/k",
            },
            { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
          ],
        }),
      });
    }));

  const keyPolicy = (statement: Record<string, unknown>) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
  it("a key policy open to everyone is reported, on the key or as a KeyPolicy resource", async () => {
    const open = keyPolicy({ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" });
    await reported(
      "kms-key-not-public",
      () => new aws.kms.Key("k", { enableKeyRotation: true, policy: open }),
    );
    await reported("kms-key-not-public", () => new aws.kms.KeyPolicy("k", { keyId: "k", policy: open }));
  });
  it("a key policy for the account, or for everyone within the account, passes", () =>
    quiet("kms-key-not-public", () => {
      new aws.kms.Key("k", {
        enableKeyRotation: true,
        policy: keyPolicy({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "kms:*",
          Resource: "*",
        }),
      });
      new aws.kms.KeyPolicy("k2", {
        keyId: "k2",
        policy: keyPolicy({
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "kms:CallerAccount": "123456789012" } },
        }),
      });
    }));
});
