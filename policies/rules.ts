/**
 * The policy pack's rules. Importing this module has no side effects (no `new PolicyPack`): tests and
 * `npm run plan` evaluate the same rules that `pulumi preview --policy-pack policies` enforces.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export const allPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [];
