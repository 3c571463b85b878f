/**
 * What a tenant namespace needs so that its users' notebook servers run there (KubeSpawner places them;
 * hub/tenancy.py): the `notebook` service account with the tenant's Spark submission rights, the hub's
 * rights to start servers there, the single-user NetworkPolicy z2jh makes only in its own namespace
 * (jupyterhub/zero-to-jupyterhub-k8s#3952), and the Secrets and ConfigMap a server's environment reads,
 * holding this tenant's credentials (its database role, its object-store keys) and no other's.
 *
 * The namespace itself, its quota, LimitRange, default-deny policy and Pod Security `restricted` labels
 * come from ../tenants.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NOTEBOOK_SECRETS } from "../notebooks/hub-values";
import { CONFIG_MAP_NAME } from "../notebooks/environment";
import { exampleConfigMaps } from "../notebooks/examples";
import { PYTHON_EXTRAS_CONFIG_MAP, pythonExtrasConfigMap } from "../notebooks/python-extras";
import { TENANT_NOTEBOOK_SERVICE_ACCOUNT, TENANT_SPARK_SERVICE_ACCOUNT } from "./names";

/** z2jh's hub service account (the chart's `fullnameOverride: ""` keeps resource names unprefixed). */
export const HUB_SERVICE_ACCOUNT = "hub";

/** Label z2jh puts on the hub and proxy pods that may reach single-user servers (and on servers: the hub). */
const ACCESS_SINGLEUSER = "hub.jupyter.org/network-access-singleuser";
const ACCESS_HUB = "hub.jupyter.org/network-access-hub";

/** Private ranges and the cloud metadata server: closed to servers, as z2jh's `privateIPs: false` does. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

/** Verbs of the hub in a tenant namespace: what z2jh's hub Role grants in its own (templates/hub/rbac.yaml). */
export const HUB_RULES = [
  {
    apiGroups: [""],
    resources: ["pods", "persistentvolumeclaims"],
    verbs: ["get", "watch", "list", "create", "delete"],
  },
  { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
];

/**
 * A student's server: submit, watch and remove SparkApplications of its tenant, and read its drivers'
 * logs (by pod name, from the application's status). No pods, Secrets or anything else: a classmate's
 * server is not listed, and nothing in another namespace is reachable at all (Roles are namespaced).
 */
export const NOTEBOOK_SPARK_RULES = [
  {
    apiGroups: ["sparkoperator.k8s.io"],
    resources: ["sparkapplications", "scheduledsparkapplications"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications/status"], verbs: ["get"] },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
];

export interface TenantNotebookNamespacesArgs {
  /** Tenant name -> its namespace (from Tenants). */
  namespaces: Record<string, pulumi.Input<string>>;
  /** The hub's namespace (z2jh release). */
  hubNamespace: pulumi.Input<string>;
  /** The tenant's database password (its role's), by tenant name. */
  databasePasswords: Record<string, pulumi.Input<string>>;
  /** Static S3 keys of each tenant (edge); absent with workload identity (AWS: EKS Pod Identity). */
  objectStoreKeys?: Record<
    string,
    { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> }
  >;
  /** Data of the `datavis-config` ConfigMap the servers mount (CA bundle, path-style S3 config). */
  configFiles: Record<string, pulumi.Input<string>>;
  /** The servers install the notebook extras at start (default image): the lock's ConfigMap is needed here. */
  pythonExtras?: boolean;
  /** Ports of the database and object store the servers reach (the tenant's allow-platform policy opens them). */
  servicePorts?: pulumi.Input<number>[];
}

export class TenantNotebookNamespaces extends pulumi.ComponentResource {
  /** Resources the hub release should wait for (its servers need them in each tenant namespace). */
  readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: TenantNotebookNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:TenantNotebookNamespaces", name, {}, opts);
    const child = { parent: this };
    const hubNs = args.hubNamespace;
    // Read once: every tenant mounts the same files (a class list of 1000 read them 1000 times).
    const exampleMaps = Object.entries(exampleConfigMaps());
    for (const [tenant, namespace] of Object.entries(args.namespaces)) {
      const labels = { "datavis.io/tenant": tenant, "app.kubernetes.io/part-of": "datavis" };
      const meta = (n: string) => ({ name: n, namespace, labels });

      const sa = new k8s.core.v1.ServiceAccount(
        `notebook-${tenant}`,
        // The token is mounted: it is how a student's notebook submits Spark jobs to its tenant.
        { metadata: meta(TENANT_NOTEBOOK_SERVICE_ACCOUNT), automountServiceAccountToken: true },
        child,
      );
      const sparkRole = new k8s.rbac.v1.Role(
        `notebook-spark-${tenant}`,
        { metadata: meta("notebook-spark"), rules: NOTEBOOK_SPARK_RULES },
        child,
      );
      new k8s.rbac.v1.RoleBinding(
        `notebook-spark-${tenant}`,
        {
          metadata: meta("notebook-spark"),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: sparkRole.metadata.name },
          subjects: [
            { kind: "ServiceAccount", name: sa.metadata.name, namespace },
            // A running Spark job may start the next one of a pipeline (the driver's own account).
            { kind: "ServiceAccount", name: TENANT_SPARK_SERVICE_ACCOUNT, namespace },
          ],
        },
        child,
      );

      // The hub starts and stops servers here with its own account; KubeSpawner keeps one reflector per
      // namespace when user namespaces are off, so no ClusterRole is needed (kubespawner 7.0.0,
      // spawner.py `_start_reflector`: "This allows JH to run pods in multiple namespaces without binding
      // ServiceAccount to ClusterRole").
      const hubRole = new k8s.rbac.v1.Role(
        `hub-spawner-${tenant}`,
        { metadata: meta("hub-spawner"), rules: HUB_RULES },
        child,
      );
      new k8s.rbac.v1.RoleBinding(
        `hub-spawner-${tenant}`,
        {
          metadata: meta("hub-spawner"),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: hubRole.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: HUB_SERVICE_ACCOUNT, namespace: hubNs }],
        },
        child,
      );

      // z2jh's single-user policy, for this namespace: the hub and proxy reach the server; the server
      // reaches the hub, DNS, the database and object store (allow-platform) and the internet, never
      // private ranges or the metadata server.
      const singleuser = { matchLabels: { component: "singleuser-server" } };
      const fromHubNs = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": hubNs } } };
      const policy = new k8s.networking.v1.NetworkPolicy(
        `singleuser-${tenant}`,
        {
          metadata: meta("singleuser"),
          spec: {
            podSelector: singleuser,
            policyTypes: ["Ingress", "Egress"],
            ingress: [
              {
                from: [{ ...fromHubNs, podSelector: { matchLabels: { [ACCESS_SINGLEUSER]: "true" } } }],
                ports: [{ protocol: "TCP", port: 8888 }],
              },
            ],
            egress: [
              {
                to: [{ ...fromHubNs, podSelector: { matchLabels: { component: "hub" } } }],
                ports: [{ protocol: "TCP", port: 8081 }],
              },
              { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }] },
            ],
          },
        },
        child,
      );

      const secrets = [
        new k8s.core.v1.Secret(
          `notebook-database-${tenant}`,
          {
            metadata: meta(NOTEBOOK_SECRETS.database.name),
            type: "Opaque",
            stringData: { [NOTEBOOK_SECRETS.database.passwordKey]: args.databasePasswords[tenant] },
          },
          child,
        ),
      ];
      const keys = args.objectStoreKeys?.[tenant];
      if (keys) {
        const k = NOTEBOOK_SECRETS.objectStoreKeys;
        secrets.push(
          new k8s.core.v1.Secret(
            `notebook-object-store-${tenant}`,
            {
              metadata: meta(k.name),
              type: "Opaque",
              stringData: { [k.accessKeyKey]: keys.accessKeyId, [k.secretKeyKey]: keys.secretAccessKey },
            },
            child,
          ),
        );
      }
      const config =
        Object.keys(args.configFiles).length > 0
          ? [
              new k8s.core.v1.ConfigMap(
                `notebook-config-${tenant}`,
                { metadata: meta(CONFIG_MAP_NAME), data: args.configFiles },
                child,
              ),
            ]
          : [];
      // The example notebooks and the datavis_data library every server mounts (notebooks/examples.ts).
      const examples = exampleMaps.map(
        ([cmName, data]) =>
          new k8s.core.v1.ConfigMap(`${cmName}-${tenant}`, { metadata: meta(cmName), data }, child),
      );
      const extras = args.pythonExtras
        ? [
            new k8s.core.v1.ConfigMap(
              `${PYTHON_EXTRAS_CONFIG_MAP}-${tenant}`,
              { metadata: meta(PYTHON_EXTRAS_CONFIG_MAP), data: pythonExtrasConfigMap() },
              child,
            ),
          ]
        : [];
      this.ready.push(sa, policy, ...secrets, ...config, ...examples, ...extras);
    }

    // The hub's own policy admits servers of its namespace only (a podSelector without namespaceSelector);
    // this one adds those of tenant namespaces. NetworkPolicies add up: the chart's stays as it is.
    if (Object.keys(args.namespaces).length > 0) {
      new k8s.networking.v1.NetworkPolicy(
        "hub-from-tenants",
        {
          metadata: {
            name: "hub-from-tenants",
            namespace: hubNs,
            labels: { "app.kubernetes.io/part-of": "datavis" },
          },
          spec: {
            podSelector: { matchLabels: { component: "hub" } },
            policyTypes: ["Ingress"],
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: {
                      matchExpressions: [{ key: "datavis.io/tenant", operator: "Exists" }],
                    },
                    podSelector: { matchLabels: { [ACCESS_HUB]: "true" } },
                  },
                ],
                ports: [{ protocol: "TCP", port: 8081 }],
              },
            ],
          },
        },
        child,
      );
    }
    this.registerOutputs({});
  }
}
