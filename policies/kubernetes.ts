/**
 * Kubernetes rules (CIS Kubernetes Benchmark section 5 and the project's own requirements): workloads
 * (k8s-workloads.ts), tenant isolation and its enforcement (k8s-tenants.ts), and the supply chain of
 * charts and images (k8s-supply-chain.ts). policies/README.md says what a policy can and cannot see.
 */
import type { Rule } from "./lib";
import { supplyChainRules } from "./k8s-supply-chain";
import { tenantRules } from "./k8s-tenants";
import { workloadRules } from "./k8s-workloads";

export const kubernetesRules: Rule[] = [...workloadRules, ...tenantRules, ...supplyChainRules];
