/**
 * Tenant isolation rules: a quota and a default-deny NetworkPolicy in every tenant namespace, and a
 * cluster whose network plugin enforces the NetworkPolicies the stack declares.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, cisK8s, get, known, present, resourcePolicy, type Rule } from "./lib";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const TENANT_LABEL = "datavis.io/tenant";

interface TenantNamespace {
  resource: PolicyResource;
  name?: string;
}

/** Namespaces of tenants: named `tenant-*` or labelled `datavis.io/tenant`. */
function tenantNamespaces(resources: PolicyResource[]): TenantNamespace[] {
  return resources
    .filter((r) => r.type === NAMESPACE)
    .map((r) => ({ resource: r, name: known(() => r.props.metadata?.name) as string | undefined }))
    .filter(({ resource, name }) => {
      const labels = known(() => resource.props.metadata?.labels) ?? {};
      return (typeof name === "string" && name.startsWith("tenant-")) || labels[TENANT_LABEL] !== undefined;
    });
}

/** Objects of `type` in the tenant namespace (by name, or by depending on the Namespace resource). */
function inNamespace(ns: TenantNamespace, resources: PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((r) => {
    if (r.type !== type) return false;
    const name = known(() => r.props.metadata?.namespace);
    if (ns.name !== undefined && name === ns.name) return true;
    return (r.dependencies ?? []).some((d) => d && d.urn === ns.resource.urn);
  });
}

const tenantQuota: Rule = {
  name: "k8s-tenant-resource-quota",
  description:
    "Every tenant namespace has a ResourceQuota, so one team or class cannot take the whole cluster's CPU, memory or storage.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: cisK8s(
    "5.7.1",
    "Create administrative boundaries between resources using namespaces (with quotas)",
  ),
  validateStack: (args, report) => {
    for (const ns of tenantNamespaces(args.resources)) {
      if (inNamespace(ns, args.resources, QUOTA).length === 0) {
        report(`tenant namespace ${ns.name ?? ns.resource.name} has no ResourceQuota`, ns.resource.urn);
      }
    }
  },
};

function isDefaultDeny(np: PolicyResource): boolean {
  const spec = known(() => np.props.spec) ?? {};
  const selector = spec.podSelector ?? {};
  const selectsAll =
    Object.keys(selector.matchLabels ?? {}).length === 0 && asArray(selector.matchExpressions).length === 0;
  const types = asArray(spec.policyTypes).map(String);
  return (
    selectsAll &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    asArray(spec.ingress).length === 0 &&
    asArray(spec.egress).length === 0
  );
}

const tenantDefaultDeny: Rule = {
  name: "k8s-tenant-default-deny-network-policy",
  description:
    "Every tenant namespace has a NetworkPolicy that selects all pods and denies all ingress and egress; other policies then open only what the tenant needs, so one tenant's pods cannot reach another's.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: cisK8s("5.3.2", "Ensure that all Namespaces have NetworkPolicies defined"),
  validateStack: (args, report) => {
    for (const ns of tenantNamespaces(args.resources)) {
      if (!inNamespace(ns, args.resources, NETPOL).some(isDefaultDeny)) {
        report(
          `tenant namespace ${ns.name ?? ns.resource.name} has no default-deny NetworkPolicy`,
          ns.resource.urn,
        );
      }
    }
  },
};

// ------------------------------------------------------------------------------- enforcement of policies

/** A VPC CNI `configurationValues` (JSON text or object) that turns on the network policy agent. */
function asksForEnforcement(configurationValues: unknown): boolean | undefined {
  let v: unknown = configurationValues;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  const flag = get(v, "enableNetworkPolicy");
  return flag === undefined ? undefined : String(flag) === "true";
}

const NO_ENFORCEMENT =
  "the VPC CNI does not enforce NetworkPolicies: the tenants' default-deny and the hub's policies would be stored but not applied";

const networkPoliciesEnforced = resourcePolicy({
  name: "k8s-network-policies-enforced",
  description:
    "The EKS cluster's network plugin enforces the NetworkPolicies the platform registers (tenant default-deny, the hub's and single-user servers' policies): the Amazon VPC CNI does so only when asked (enableNetworkPolicy), and pulumi-eks does not ask by default. Without it the policies are accepted by the API server and silently ignored.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: cisK8s("5.3.1", "Ensure that the CNI in use supports NetworkPolicies (and enforces them)"),
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === "eks:index:Cluster") {
      // pulumi-eks 4.3.0 nodejs/eks/cluster/cluster.ts:1091-1109 makes a VpcCniAddon from vpcCniOptions unless
      // useDefaultVpcCni is true (or Auto Mode is on and useDefaultVpcCni unset); a cluster on the default
      // CNI is judged where the program manages the vpc-cni add-on itself (below).
      const autoMode = get(p.autoMode, "enabled") === true;
      const makesAddon = p.useDefaultVpcCni !== undefined ? p.useDefaultVpcCni !== true : !autoMode;
      if (!makesAddon) return;
      const options = p.vpcCniOptions;
      // cni-addon.ts:542-550: configurationValues.enableNetworkPolicy wins over the enableNetworkPolicy option.
      const asked =
        asksForEnforcement(known(() => get(options, "configurationValues"))) ??
        get(options, "enableNetworkPolicy") === true;
      if (!asked) report(`${NO_ENFORCEMENT}; set vpcCniOptions.enableNetworkPolicy: true`);
    } else if (args.type === "eks:index:VpcCniAddon") {
      const asked = asksForEnforcement(known(() => p.configurationValues)) ?? p.enableNetworkPolicy === true;
      if (!asked) report(`${NO_ENFORCEMENT}; set enableNetworkPolicy: true`);
    } else if (args.type === "aws:eks/addon:Addon" && p.addonName === "vpc-cni") {
      const values = known(() => p.configurationValues);
      if (values === undefined && present(() => p.configurationValues)) return; // judged at `pulumi up`
      if (asksForEnforcement(values) !== true)
        report(`${NO_ENFORCEMENT}; set configurationValues {"enableNetworkPolicy": "true"}`);
    }
  },
});

export const tenantRules: Rule[] = [tenantQuota, tenantDefaultDeny, networkPoliciesEnforced];
