/**
 * IAM and KMS rules of the policy pack. Each rule trips on a program that violates it and stays quiet on one that
 * complies; fixtures register real @pulumi/aws and @pulumi/eks resources under the mock runtime.
 */
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { IRSA_TRUST } from "./fixtures/policies/aws";
import { violationsOf } from "./fixtures/policies/record";

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
