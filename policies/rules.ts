/**
 * The policy pack's rules. Importing this module has no side effects (no `new PolicyPack`): tests and
 * `npm run plan` evaluate the same rules that `pulumi preview --policy-pack policies` enforces.
 *
 * Every rule has a name, a description that says why, an explicit enforcement level and the control it
 * maps to in `framework` (AWS FSBP, CIS Kubernetes or the project's own requirement); README.md lists them.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsRules } from "./aws";
import { kubernetesRules } from "./kubernetes";
import type { Rule } from "./lib";
import { stackRules } from "./stack";

export type { Rule };

/** Every rule, with its control. */
export const allRules: readonly Rule[] = [...awsRules, ...kubernetesRules, ...stackRules];

export const allPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [...allRules];
