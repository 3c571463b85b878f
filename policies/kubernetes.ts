/**
 * Kubernetes rules (CIS Kubernetes Benchmark section 5) over the pod specs the program declares, the
 * container specs and security contexts it passes to Helm charts in release values, tenant isolation,
 * Helm chart pinning, retired upstreams, and arm64 availability on edge stacks.
 *
 * Pods a chart renders from its own templates are not visible to a policy (the engine sees the Release's
 * inputs, not the manifests Helm renders); they are covered by the securityContext/resources values each
 * chart is given and by the chart pin. See policies/README.md for what is and is not covered.
 */
import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { ARM64_CHARTS, ARM64_IMAGES } from "./arm64-images";
import {
  asArray,
  cisK8s,
  containersInValues,
  containersOf,
  get,
  imageKey,
  imagesIn,
  isEdge,
  known,
  otherControl,
  parseImage,
  podSpecOf,
  securityContextsInValues,
  unpinnedReason,
  walk,
  type Container,
  type Rule,
} from "./lib";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART_TYPES = new Set(["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"]);

/** A container to check, with where it was found for the message. */
interface Located {
  where: string;
  container: Container;
  /** The pod's securityContext, when the container comes from a pod spec this program declares. */
  pod?: Record<string, any>;
}

/** Containers of a workload's pod spec, or of a Helm release's values. */
function containers(args: ResourceValidationArgs): Located[] {
  const spec = podSpecOf(args.type, args.props);
  if (spec) {
    return containersOf(spec).map((c) => ({
      where: `container ${c.name ?? "?"}`,
      container: c,
      pod: spec.securityContext,
    }));
  }
  if (args.type === RELEASE) {
    return containersInValues(args.props.values).map((f) => ({
      where: `values.${f.path} (container ${f.value.name})`,
      container: f.value,
    }));
  }
  return [];
}

/** Security contexts found in a Helm release's values (charts' `securityContext`, `containerSecurityContext`). */
function valuesSecurityContexts(args: ResourceValidationArgs) {
  return args.type === RELEASE ? securityContextsInValues(args.props.values) : [];
}

const requestsAndLimits: Rule = {
  name: "k8s-container-requests-and-limits",
  description:
    "Every container the program declares (workloads, and extra containers in Helm values) sets CPU and memory requests and limits, so the scheduler can place it, a tenant's quota can account for it, and one runaway notebook cannot starve a Raspberry Pi node.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: otherControl(
    "NSA/CISA Kubernetes Hardening Guide",
    "Resource policies",
    "Set requests and limits on every container (no CIS Kubernetes control: CIS 5.7 covers namespaces, not limits)",
  ),
  validateResource: (args, report) => {
    for (const { where, container } of containers(args)) {
      const missing = [
        ["requests", "cpu"],
        ["requests", "memory"],
        ["limits", "cpu"],
        ["limits", "memory"],
      ]
        .filter(([kind, res]) => get(container.resources, kind, res) === undefined)
        .map(([kind, res]) => `${kind}.${res}`);
      if (missing.length) report(`${where} has no ${missing.join(", ")}`);
    }
  },
};

const runAsNonRoot: Rule = {
  name: "k8s-run-as-non-root",
  description:
    "Containers run as a non-root user (runAsNonRoot: true or a non-zero runAsUser, on the container or its pod): a process escaping its container as root owns the node.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: cisK8s("5.2.7", "Minimize the admission of root containers"),
  validateResource: (args, report) => {
    for (const { where, container, pod } of containers(args)) {
      const sc = container.securityContext ?? {};
      const user = sc.runAsUser ?? pod?.runAsUser;
      const nonRoot = sc.runAsNonRoot ?? pod?.runAsNonRoot;
      if (user === 0 || sc.runAsNonRoot === false) report(`${where} runs as root`);
      else if (nonRoot !== true && !(typeof user === "number" && user > 0)) {
        report(`${where} does not set runAsNonRoot: true or a non-zero runAsUser`);
      }
    }
    for (const { path, value } of valuesSecurityContexts(args)) {
      if (value.runAsUser === 0 || value.runAsNonRoot === false) report(`values.${path} runs as root`);
    }
  },
};

const noPrivileged: Rule = {
  name: "k8s-no-privileged-containers",
  description:
    "No container is privileged: a privileged container has every capability and every host device, i.e. it is root on the node.",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: cisK8s("5.2.2", "Minimize the admission of privileged containers"),
  validateResource: (args, report) => {
    for (const { where, container } of containers(args)) {
      if (container.securityContext?.privileged === true) report(`${where} is privileged`);
    }
    for (const { path, value } of valuesSecurityContexts(args)) {
      if (value.privileged === true) report(`values.${path} sets privileged: true`);
    }
  },
};

const noPrivilegeEscalation: Rule = {
  name: "k8s-no-privilege-escalation",
  description:
    "Containers set allowPrivilegeEscalation: false, so setuid binaries inside the image cannot gain more privileges than the container started with (Pod Security 'restricted' requires it, and tenant namespaces enforce 'restricted').",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: cisK8s("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"),
  validateResource: (args, report) => {
    for (const { where, container } of containers(args)) {
      if (container.securityContext?.allowPrivilegeEscalation !== false) {
        report(`${where} does not set allowPrivilegeEscalation: false`);
      }
    }
    for (const { path, value } of valuesSecurityContexts(args)) {
      if (value.allowPrivilegeEscalation === true)
        report(`values.${path} sets allowPrivilegeEscalation: true`);
    }
  },
};

const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

const noHostNamespaces: Rule = {
  name: "k8s-no-host-namespaces",
  description:
    "Pods do not share the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC): sharing them lets a pod sniff node traffic, signal node processes or bypass NetworkPolicies.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: cisK8s(
    "5.2.3-5.2.5",
    "Minimize the admission of containers sharing the host PID, IPC or network namespace",
  ),
  validateResource: (args, report) => {
    const spec = podSpecOf(args.type, args.props);
    if (spec) {
      const on = HOST_NAMESPACES.filter((k) => spec[k] === true);
      if (on.length) report(`pod spec sets ${on.map((k) => `${k}: true`).join(", ")}`);
    } else if (args.type === RELEASE) {
      walk(args.props.values, (v, path, key) => {
        if (v === true && (HOST_NAMESPACES as readonly string[]).includes(key))
          report(`values.${path} is true`);
      });
    }
  },
};

const noHostPath: Rule = {
  name: "k8s-no-hostpath-volumes",
  description:
    "Pods mount no hostPath volumes: a hostPath mount reads or writes the node's file system (kubelet credentials, container runtime socket) outside any quota or isolation.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: cisK8s("5.2.12", "Minimize the admission of HostPath volumes"),
  validateResource: (args, report) => {
    const spec = podSpecOf(args.type, args.props);
    if (spec) {
      for (const v of asArray(spec.volumes)) {
        if (v?.hostPath) report(`volume ${v.name} mounts hostPath ${v.hostPath.path}`);
      }
    } else if (args.type === RELEASE) {
      walk(args.props.values, (v, path, key) => {
        if (key === "hostPath" && v && typeof v === "object" && typeof v.path === "string") {
          report(`values.${path} mounts hostPath ${v.path}`);
        }
      });
    }
    if (args.type === "kubernetes:core/v1:PersistentVolume" && args.props.spec?.hostPath) {
      report(`persistent volume uses hostPath ${args.props.spec.hostPath.path}`);
    }
  },
};

const imagesPinned: Rule = {
  name: "k8s-image-tag-pinned",
  description:
    "Every image the program names has an explicit tag other than 'latest' (or a digest), so a deployment is reproducible, air-gapped mirrors can hold it, and an upstream push cannot change what runs.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: cisK8s("5.5.1", "Configure image provenance (closest control: pinned, known images only)"),
  validateResource: (args, report) => {
    if (!args.type.startsWith("kubernetes:")) return;
    const spec = podSpecOf(args.type, args.props);
    if (spec) {
      for (const c of containersOf(spec)) {
        const why =
          typeof c.image === "string" ? unpinnedReason(c.image) : `container ${c.name} names no image`;
        if (why) report(`container ${c.name}: ${why}`);
      }
      return;
    }
    const root = args.type === RELEASE ? args.props.values : args.props.spec;
    for (const { path, value } of imagesIn(root)) {
      // {repository} without tag: the chart fills in the tag of its own pinned appVersion.
      if (!value.explicitTag) continue;
      const why = unpinnedReason(value.image);
      if (why) report(`${args.type === RELEASE ? "values" : "spec"}.${path}: ${why}`);
    }
  },
};

/** Workload kinds and Helm releases: what ends up running pods in a namespace. */
function isNamespacedWorkload(type: string): boolean {
  return (
    type === RELEASE ||
    podSpecOf(type, {}) !== undefined ||
    /:(Pod|CronJob|Deployment|StatefulSet|DaemonSet|Job)$/.test(type)
  );
}

const noDefaultNamespace: Rule = {
  name: "k8s-no-default-namespace",
  description:
    "Workloads and Helm releases name a namespace other than 'default', so RBAC, quotas and network policies of a dedicated namespace apply to them.",
  enforcementLevel: "advisory",
  severity: "low",
  framework: cisK8s("5.7.4", "The default namespace should not be used"),
  validateResource: (args, report) => {
    if (!isNamespacedWorkload(args.type)) return;
    // Without a namespace of its own, a resource lands in its provider's namespace (if the provider sets one).
    const own = args.type === RELEASE ? args.props.namespace : get(args.props, "metadata", "namespace");
    const ns = own || known(() => args.provider?.props.namespace) || "default";
    if (ns === "default") report("runs in the default namespace");
  },
};

// ------------------------------------------------------------------------------------------- tenants

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

// ---------------------------------------------------------------------------------------------- Helm

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const helmVersionPinned: Rule = {
  name: "helm-chart-version-pinned",
  description:
    "Every Helm release and chart names an exact chart version (not empty, not a range), so `pulumi up` installs what was reviewed and an upstream release cannot change the platform between two runs.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: otherControl(
    "DESIGN.md contract 4 (supply chain)",
    "pinned-dependencies",
    "Every Helm release's chart name, repository and version are pinned",
  ),
  validateResource: (args, report) => {
    if (args.type !== RELEASE && !CHART_TYPES.has(args.type)) return;
    const version = args.props.version;
    if (version === undefined || version === null || version === "")
      report(`chart ${args.props.chart} has no version`);
    else if (!EXACT_VERSION.test(String(version)))
      report(`chart ${args.props.chart} version "${version}" is not exact`);
  },
};

/** Upstreams retired or no longer published for free: do not depend on them. */
const RETIRED_CHARTS: { test: (chart: string, repo: string) => boolean; why: string }[] = [
  {
    test: (c, r) =>
      /(^|\/)ingress-nginx(-[\d.]+\.tgz)?$/.test(c) || r.includes("kubernetes.github.io/ingress-nginx"),
    why: "ingress-nginx was retired upstream in March 2026; use Traefik",
  },
  {
    test: (c, r) =>
      /(^|\/)kubernetes-dashboard(-[\d.]+\.tgz)?$/.test(c) || r.includes("kubernetes.github.io/dashboard"),
    why: "the Kubernetes Dashboard was archived in January 2026; use Headlamp",
  },
  {
    test: (c, r) =>
      /(^|\/)(minio|minio-operator)(-[\d.]+\.tgz)?$/.test(c) || /(charts|operator)\.min\.io/.test(r),
    why: "MinIO's community images are no longer published; use SeaweedFS",
  },
  {
    test: (c, r) => /bitnami/i.test(r) || /bitnamicharts/i.test(c),
    why: "Bitnami's free charts and images are no longer published",
  },
];

const RETIRED_IMAGES: { test: (path: string) => boolean; why: string }[] = [
  {
    test: (p) => p.startsWith("ingress-nginx/") || p.includes("/ingress-nginx/"),
    why: "ingress-nginx is retired",
  },
  { test: (p) => p.startsWith("kubernetesui/"), why: "the Kubernetes Dashboard is archived" },
  { test: (p) => /^minio\//.test(p), why: "MinIO community images are no longer published" },
  { test: (p) => /^bitnami[a-z]*\//.test(p), why: "Bitnami free images are no longer published" },
];

/** Image references a resource names: containers of its pod spec, or any image in its spec or values. */
function imageRefs(args: ResourceValidationArgs): { where: string; image: string; explicitTag: boolean }[] {
  if (!args.type.startsWith("kubernetes:")) return [];
  const spec = podSpecOf(args.type, args.props);
  if (spec) {
    return containersOf(spec)
      .filter((c) => typeof c.image === "string")
      .map((c) => ({ where: `container ${c.name}`, image: c.image!, explicitTag: true }));
  }
  const root = args.type === RELEASE ? args.props.values : args.props.spec;
  const prefix = args.type === RELEASE ? "values" : "spec";
  return imagesIn(root).map((f) => ({ where: `${prefix}.${f.path}`, ...f.value }));
}

const noRetiredUpstream: Rule = {
  name: "no-retired-upstream",
  description:
    "Nothing depends on retired or no-longer-published upstreams: ingress-nginx (retired March 2026), the Kubernetes Dashboard (archived January 2026), MinIO community images and Bitnami's free charts and images. Their images get no security fixes and can vanish from registries.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: otherControl(
    "DESIGN.md platform constraints",
    "supported-upstreams",
    "Use maintained upstreams only (closest CIS Kubernetes control: 5.5.1 image provenance)",
  ),
  validateResource: (args, report) => {
    if (args.type === RELEASE || CHART_TYPES.has(args.type)) {
      const chart = String(args.props.chart ?? "");
      const repo = String(get(args.props, "repositoryOpts", "repo") ?? args.props.repositoryOpts?.repo ?? "");
      for (const r of RETIRED_CHARTS)
        if (r.test(chart, repo)) report(`chart ${chart}${repo ? ` from ${repo}` : ""}: ${r.why}`);
    }
    if (
      args.type === "kubernetes:networking.k8s.io/v1:IngressClass" &&
      args.props.spec?.controller === "k8s.io/ingress-nginx"
    ) {
      report("IngressClass uses the ingress-nginx controller, retired upstream");
    }
    for (const ref of imageRefs(args)) {
      const path = parseImage(ref.image).path;
      for (const r of RETIRED_IMAGES) if (r.test(path)) report(`${ref.where}: image ${ref.image}: ${r.why}`);
    }
  },
};

// ---------------------------------------------------------------------------------------------- edge

const ARM64_IMAGE_KEYS = new Set(ARM64_IMAGES.map((i) => i.image));
const ARM64_CHART_KEYS = new Set(ARM64_CHARTS.map((c) => `${c.chart}@${c.version}`));

/** Chart name of a release: its name in the repository, or the archive's name without `-<version>.tgz`. */
function chartName(chart: string, version: string): string {
  const base = chart.split("/").pop() ?? chart;
  return base.endsWith(".tgz")
    ? base.replace(/\.tgz$/, "").replace(new RegExp(`-${version.replace(/\./g, "\\.")}$`), "")
    : base;
}

const edgeArm64: Rule = {
  name: "edge-images-arm64",
  description:
    "On edge stacks (stack tag datavis:target=edge) every image and Helm chart the program deploys is on the checked arm64 list in policies/arm64-images.ts: an amd64-only image never starts on a Raspberry Pi (exec format error), and the failure only shows on the device.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: otherControl(
    "Edge target requirement",
    "arm64-images",
    "Every image runs on linux/arm64 (checked list)",
  ),
  validateResource: (args, report) => {
    if (!isEdge(args.stackTags) || !args.type.startsWith("kubernetes:")) return;
    if (args.type === RELEASE || CHART_TYPES.has(args.type)) {
      const version = String(args.props.version ?? "");
      const name = chartName(String(args.props.chart ?? ""), version);
      if (!ARM64_CHART_KEYS.has(`${name}@${version}`)) {
        report(`chart ${name}@${version} is not on the arm64 list (policies/arm64-images.ts)`);
      }
    }
    for (const ref of imageRefs(args)) {
      if (!ref.explicitTag) continue; // The chart's own default image: covered by the chart entry.
      const key = imageKey(parseImage(ref.image));
      if (!ARM64_IMAGE_KEYS.has(key))
        report(`${ref.where}: image ${ref.image} is not on the arm64 list (policies/arm64-images.ts)`);
    }
  },
};

export const kubernetesRules: Rule[] = [
  requestsAndLimits,
  runAsNonRoot,
  noPrivileged,
  noPrivilegeEscalation,
  noHostNamespaces,
  noHostPath,
  imagesPinned,
  noDefaultNamespace,
  tenantQuota,
  tenantDefaultDeny,
  helmVersionPinned,
  noRetiredUpstream,
  edgeArm64,
];
