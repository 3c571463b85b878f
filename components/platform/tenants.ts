/**
 * Tenants: one namespace per team or class, fenced off from every other tenant.
 *
 * Each tenant gets a namespace with Pod Security `restricted` labels, a ResourceQuota, a LimitRange (so a
 * pod that names no resources still gets bounded ones), a default-deny NetworkPolicy plus one policy with
 * the exceptions a tenant's Spark jobs need, and a RoleBinding that gives its owners `edit` in that
 * namespace only. The resources of one tenant never reference another's, so the program grows linearly
 * with the class list (tools/bench/tenants.ts measures it).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseInput, ObjectStoreInput } from "../shared/inputs";
import { NAMESPACES, tenantNamespace } from "../shared/naming";
import { KUBERNETES_VERSION } from "../versions";

/** One tenant: a team or a class, with its share of the cluster and the engineers who deploy into it. */
export interface TenantSpec {
  /** DNS label; the namespace is `tenant-<name>`. */
  name: string;
  /** CPU cores the whole tenant may request. */
  cpu: number;
  /** Memory (GiB) the whole tenant may request. */
  memoryGi: number;
  /** Persistent storage (GiB) the tenant may claim. */
  storageGi: number;
  /** Identity-provider user names (or e-mails) of the engineers who may deploy into this tenant. */
  owners: string[];
  /** Identity-provider user names (or e-mails) of the students whose notebook servers run in this tenant. */
  members?: string[];
  /** Identity-provider groups (GitHub `org:team`, Google or Entra groups) whose members belong here. */
  groups?: string[];
}

export interface TenantsArgs {
  /** The tenants from config: name, quota (cpu, memoryGi, storageGi) and owners. */
  tenants: TenantSpec[];
  /** Tenants' pods may reach the database on its port (and nothing else of it). */
  database: Pick<DatabaseInput, "port">;
  /**
   * Tenants' pods may reach object storage on its endpoint's port (443 for AWS S3), and the EKS Pod
   * Identity agent where the identity has one (their credentials come from it).
   */
  objectStore: Pick<ObjectStoreInput, "endpoint"> & { identity?: ObjectStoreInput["identity"] };
  /** Namespaces whose pods may reach tenant pods: the Spark operator (webhook, UI) and Prometheus. */
  trustedNamespaces?: string[];
  /** Annotations of each tenant's namespace, by tenant (tenancy/names.ts: where its users' servers run, as whom). */
  annotations?: Record<string, Record<string, string>>;
  /** Per-container defaults and ceiling applied by the LimitRange. */
  containerLimits?: Partial<typeof TENANT_CONTAINER_DEFAULTS>;
}

/** Cheap defaults for a container that names no resources, and the largest container a tenant may run. */
export const TENANT_CONTAINER_DEFAULTS = {
  defaultRequest: { cpu: "100m", memory: "256Mi" },
  default: { cpu: "1", memory: "1Gi" },
  max: { cpu: "8", memory: "32Gi" },
};

/** Ports of the Kubernetes API server a Spark driver talks to (443 on EKS, 6443 on k3s). */
const API_SERVER_PORTS = [443, 6443];

/** The TCP port of an S3 endpoint URL (443 when there is none: AWS S3). */
export function objectStorePort(endpoint: string | undefined): number {
  if (!endpoint) return 443;
  const url = new URL(endpoint);
  if (url.port) return Number(url.port);
  return url.protocol === "http:" ? 80 : 443;
}

/** Namespace labels: tenant identity and Pod Security `restricted`, enforced and audited. */
export function tenantNamespaceLabels(tenant: string): Record<string, string> {
  const psa: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    psa[`pod-security.kubernetes.io/${mode}`] = "restricted";
    psa[`pod-security.kubernetes.io/${mode}-version`] = `v${KUBERNETES_VERSION}`;
  }
  return { "datavis.io/tenant": tenant, "app.kubernetes.io/part-of": "datavis", ...psa };
}

export class Tenants extends pulumi.ComponentResource {
  /** Namespace name of each tenant, known once the namespace is registered. */
  readonly namespaces: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: TenantsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Tenants", name, {}, opts);
    const limits = { ...TENANT_CONTAINER_DEFAULTS, ...args.containerLimits };
    const trusted = args.trustedNamespaces ?? [NAMESPACES.spark, NAMESPACES.monitoring];
    // One list for every tenant: the database, object storage and API server ports, each once.
    const servicePorts = pulumi
      .all([args.database.port, pulumi.output(args.objectStore.endpoint).apply(objectStorePort)])
      .apply(([db, store]) =>
        [...new Set([db, store, ...API_SERVER_PORTS])].map((port) => ({ protocol: "TCP", port })),
      );

    const identity = args.objectStore.identity;
    const agent = identity?.kind === "workload" ? identity.podIdentityAgent : undefined;
    for (const t of args.tenants) {
      const ns = new k8s.core.v1.Namespace(
        `tenant-${t.name}`,
        {
          metadata: {
            name: tenantNamespace(t.name),
            labels: tenantNamespaceLabels(t.name),
            ...(args.annotations?.[t.name] ? { annotations: args.annotations[t.name] } : {}),
          },
        },
        { parent: this },
      );
      const namespace = ns.metadata.name;
      this.namespaces[t.name] = namespace;
      const meta = (n: string) => ({ name: n, namespace, labels: { "datavis.io/tenant": t.name } });

      new k8s.core.v1.ResourceQuota(
        `tenant-${t.name}-quota`,
        {
          metadata: meta("tenant-quota"),
          spec: {
            hard: {
              "requests.cpu": String(t.cpu),
              "requests.memory": `${t.memoryGi}Gi`,
              // Limits may burst to twice the guaranteed share, as notebooks and Spark executors do.
              "limits.cpu": String(t.cpu * 2),
              "limits.memory": `${t.memoryGi * 2}Gi`,
              "requests.storage": `${t.storageGi}Gi`,
              persistentvolumeclaims: String(Math.max(10, Math.ceil(t.storageGi / 5))),
              "services.loadbalancers": "0",
              "services.nodeports": "0",
            },
          },
        },
        { parent: this },
      );

      new k8s.core.v1.LimitRange(
        `tenant-${t.name}-limits`,
        {
          metadata: meta("tenant-limits"),
          spec: {
            limits: [
              {
                type: "Container",
                defaultRequest: limits.defaultRequest,
                default: limits.default,
                max: limits.max,
              },
            ],
          },
        },
        { parent: this },
      );

      new k8s.networking.v1.NetworkPolicy(
        `tenant-${t.name}-default-deny`,
        {
          metadata: meta("default-deny"),
          spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
        { parent: this },
      );

      const fromTrusted = trusted.map((n) => ({
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } },
      }));
      new k8s.networking.v1.NetworkPolicy(
        `tenant-${t.name}-allow`,
        {
          metadata: meta("allow-platform"),
          spec: {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }, ...fromTrusted] }],
            egress: [
              // Pods of the same tenant (Spark driver <-> executors).
              { to: [{ podSelector: {} }] },
              // Cluster DNS.
              {
                to: [
                  {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                  },
                ],
                ports: [
                  { protocol: "UDP", port: 53 },
                  { protocol: "TCP", port: 53 },
                ],
              },
              // The database, object storage and the API server (Spark drivers create their executors).
              // Other tenants stay unreachable on these ports too: their default-deny drops the ingress.
              { ports: servicePorts },
              // The node's EKS Pod Identity agent: notebook servers' and Spark pods' S3 credentials.
              ...(agent
                ? [
                    {
                      to: [{ ipBlock: { cidr: agent.cidr } }],
                      ports: [{ protocol: "TCP", port: agent.port }],
                    },
                  ]
                : []),
            ],
          },
        },
        { parent: this },
      );

      if (t.owners.length > 0) {
        new k8s.rbac.v1.RoleBinding(
          `tenant-${t.name}-owners`,
          {
            metadata: meta("tenant-owners"),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
            subjects: t.owners.map((o) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: o })),
          },
          { parent: this },
        );
      }
    }
    this.registerOutputs({ namespaces: this.namespaces });
  }
}
