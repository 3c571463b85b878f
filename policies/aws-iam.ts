/**
 * IAM and KMS rules: no administrator statements, least privilege for workload roles, no policies on
 * IAM users, a strong password policy, no decryption with every KMS key, rotating and non-public keys.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, attachedTo, fsbp, get, known, resourcePolicy, stackPolicy, type Rule } from "./lib";
import { grantsAction, isFullAdmin, isPublicPrincipal, statements, wildcardActions } from "./lib-iam";

const IAM_POLICY_DOCS: Record<string, (props: any) => unknown[]> = {
  "aws:iam/policy:Policy": (p) => [p.policy],
  "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
  "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
  "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
  "aws:iam/role:Role": (p) => asArray(p.inlinePolicies).map((i: any) => i?.policy),
};

const iamNoFullAdmin: Rule = {
  name: "iam-no-full-admin-statements",
  description:
    "No IAM policy allows every action on every resource (Action '*' or '*:*', or NotAction, on Resource '*'): the platform's roles get the few actions they use, so a leaked credential cannot take over the account.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("IAM.1", "IAM policies should not allow full '*' administrative privileges"),
  validateResource: (args, report) => {
    const docs = IAM_POLICY_DOCS[args.type];
    if (!docs) return;
    for (const doc of docs(args.props)) {
      if (statements(doc).some(isFullAdmin)) report("a statement allows '*' on '*'");
    }
  },
};

const ADMIN_MANAGED_POLICIES = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];
const WORKLOAD_PRINCIPALS = ["pods.eks.amazonaws.com", "ec2.amazonaws.com"];

/** A role assumed by pods (IRSA web identity or EKS Pod Identity) or by nodes. */
function isWorkloadRole(role: PolicyResource): boolean {
  return statements(known(() => role.props.assumeRolePolicy)).some((s) => {
    const actions = asArray(s.Action).map(String);
    if (actions.includes("sts:AssumeRoleWithWebIdentity")) return true;
    const services = asArray(get(s.Principal, "Service")).map(String);
    return services.some((svc) => WORKLOAD_PRINCIPALS.includes(svc));
  });
}

const iamWorkloadNoAdmin = stackPolicy({
  name: "iam-workload-roles-least-privilege",
  description:
    "Roles assumed by pods (IRSA, EKS Pod Identity) or nodes carry no administrator managed policy (AdministratorAccess, PowerUserAccess, IAMFullAccess) and no inline policy that allows a whole service ('s3:*', 'iam:*', '*'): a compromised notebook or Spark job can reach its own buckets and nothing else.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "IAM.21",
    "IAM customer managed policies that you create should not allow wildcard actions for services",
  ),
  validateStack: (args, report) => {
    const roles = args.resources.filter((r) => r.type === "aws:iam/role:Role" && isWorkloadRole(r));
    const roleNames = (role: PolicyResource) => [known(() => role.props.name), known(() => role.props.id)];
    for (const role of roles) {
      // Documents still unknown during preview (built from other resources' ARNs) are judged at `pulumi up`.
      const inline: { doc: unknown; at: PolicyResource }[] = asArray(
        known(() => role.props.inlinePolicies) as any[],
      ).map((i: any) => ({ doc: known(() => i?.policy), at: role }));
      for (const rp of attachedTo(
        role,
        args.resources,
        new Set(["aws:iam/rolePolicy:RolePolicy"]),
        "role",
        roleNames(role),
      )) {
        inline.push({ doc: known(() => rp.props.policy), at: rp });
      }
      for (const { doc, at } of inline) {
        const wild = statements(doc).flatMap(wildcardActions);
        if (wild.length)
          report(
            `workload role ${role.name}: inline policy ${at.name} allows ${[...new Set(wild)].join(", ")}`,
            at.urn,
          );
      }
      const attachments = attachedTo(
        role,
        args.resources,
        new Set(["aws:iam/rolePolicyAttachment:RolePolicyAttachment"]),
        "role",
        roleNames(role),
      );
      // Customer managed policies of this stack attached to the role: the same wildcard check.
      for (const a of attachments) {
        for (const policy of (a.dependencies ?? []).filter((d) => d && d.type === "aws:iam/policy:Policy")) {
          const wild = statements(known(() => policy.props.policy)).flatMap(wildcardActions);
          if (wild.length) {
            report(
              `workload role ${role.name}: attached policy ${policy.name} allows ${[...new Set(wild)].join(", ")}`,
              policy.urn,
            );
          }
        }
      }
      const managed = [
        ...asArray(known(() => role.props.managedPolicyArns) as string[]),
        ...attachments.map((a) => known(() => a.props.policyArn)),
      ];
      for (const arn of managed) {
        const admin = ADMIN_MANAGED_POLICIES.find(
          (n) => typeof arn === "string" && arn.endsWith(`:policy/${n}`),
        );
        if (admin) report(`workload role ${role.name} has the ${admin} managed policy`, role.urn);
      }
    }
  },
});

// ------------------------------------------------------------------------------------------------ KMS

const kmsRotation: Rule = {
  name: "kms-key-rotation",
  description:
    "Customer-managed symmetric KMS keys rotate their key material yearly (enableKeyRotation), limiting how much data one compromised key version protects.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("KMS.4", "AWS KMS key rotation should be enabled"),
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    const spec = String(args.props.customerMasterKeySpec ?? args.props.keySpec ?? "SYMMETRIC_DEFAULT");
    if (spec !== "SYMMETRIC_DEFAULT") return;
    if (args.props.enableKeyRotation !== true) report("enableKeyRotation is not true");
  },
};

const iamNoUserPolicies = resourcePolicy({
  name: "iam-no-user-policies",
  description:
    "No policy is attached to an IAM user (inline, managed attachment, or a PolicyAttachment naming users): people get permissions through groups or roles, so access is granted and removed in one place.",
  enforcementLevel: "mandatory",
  severity: "low",
  framework: fsbp("IAM.2", "IAM users should not have IAM policies attached"),
  validateResource: (args, report) => {
    if (args.type === "aws:iam/userPolicy:UserPolicy") report("an inline policy is attached to a user");
    else if (args.type === "aws:iam/userPolicyAttachment:UserPolicyAttachment")
      report("a managed policy is attached to a user");
    else if (
      args.type === "aws:iam/policyAttachment:PolicyAttachment" &&
      asArray(args.props.users).length > 0
    )
      report("the policy attachment names IAM users");
  },
});

/** FSBP IAM.7's parameters: upper and lower case, symbols, numbers, at least 8 characters. */
const PASSWORD_FLAGS = [
  "requireUppercaseCharacters",
  "requireLowercaseCharacters",
  "requireSymbols",
  "requireNumbers",
];
const MIN_PASSWORD_LENGTH = 8;

const iamPasswordPolicy = resourcePolicy({
  name: "iam-password-policy-strong",
  description:
    "An account password policy the program manages requires upper and lower case letters, symbols and numbers and at least 8 characters, so console passwords of IAM users resist guessing.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("IAM.7", "Password policies for IAM users should have strong configurations"),
  validateResource: (args, report) => {
    if (args.type !== "aws:iam/accountPasswordPolicy:AccountPasswordPolicy") return;
    const weak = PASSWORD_FLAGS.filter((f) => args.props[f] !== true);
    if (weak.length) report(`${weak.join(", ")} not required`);
    const len = Number(args.props.minimumPasswordLength ?? 6);
    if (len < MIN_PASSWORD_LENGTH)
      report(`minimumPasswordLength is ${len}, at least ${MIN_PASSWORD_LENGTH} is required`);
  },
});

const DECRYPT_ACTIONS = ["kms:Decrypt", "kms:ReEncryptFrom"];

const kmsNoDecryptAll = resourcePolicy({
  name: "kms-no-decrypt-on-all-keys",
  description:
    "No IAM policy (customer managed or inline) allows kms:Decrypt or kms:ReEncryptFrom on every key (Resource '*'): a role decrypts with the keys of its own data, so one leaked credential does not read every encrypted bucket, volume and secret.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "KMS.1",
    "IAM customer managed policies should not allow decryption actions on all KMS keys (and KMS.2 for inline policies)",
  ),
  validateResource: (args, report) => {
    const docs = IAM_POLICY_DOCS[args.type];
    if (!docs) return;
    for (const doc of docs(args.props)) {
      for (const s of statements(doc)) {
        if (!asArray(s.Resource).map(String).includes("*")) continue;
        const granted = DECRYPT_ACTIONS.filter((a) => grantsAction(s, a));
        if (granted.length) report(`a statement allows ${granted.join(", ")} on every key (Resource '*')`);
      }
    }
  },
});

const kmsNotPublic = resourcePolicy({
  name: "kms-key-not-public",
  description:
    "No KMS key policy allows everyone (Principal '*') without a condition: a public key policy lets any AWS account use or manage the key that protects the platform's data.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("KMS.5", "KMS keys should not be publicly accessible"),
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key" && args.type !== "aws:kms/keyPolicy:KeyPolicy") return;
    for (const s of statements(args.props.policy)) {
      if ((s.Effect ?? "Allow") === "Allow" && isPublicPrincipal(s))
        report(`the key policy allows ${asArray(s.Action).join(", ")} to everyone`);
    }
  },
});

export const iamRules: Rule[] = [
  iamNoFullAdmin,
  iamWorkloadNoAdmin,
  iamNoUserPolicies,
  iamPasswordPolicy,
  kmsRotation,
  kmsNoDecryptAll,
  kmsNotPublic,
];
