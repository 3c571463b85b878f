/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policies` (run `npm install` here first).
 * The rules are in rules.ts; this entry point only serves them to the Pulumi engine.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

new PolicyPack("datavis-platform", {
  description: "Security and reliability rules of the datavis platform (AWS FSBP, CIS Kubernetes)",
  policies: allPolicies,
});
