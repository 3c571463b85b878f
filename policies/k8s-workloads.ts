/**
 * Kubernetes workload rules (CIS Kubernetes Benchmark section 5) over the pod specs the program declares
 * and the container specs and security contexts it passes to Helm charts in release values.
 *
 * Pods a chart renders from its own templates are not visible to a policy (the engine sees the Release's
 * inputs, not the manifests Helm renders); they are covered by the securityContext/resources values each
 * chart is given and by the chart pin. See policies/README.md for what is and is not covered.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { asArray, cisK8s, get, known, otherControl, type Rule } from "./lib";
import { imagesIn, unpinnedReason } from "./lib-images";
import {
  containersInValues,
  containersOf,
  podSpecOf,
  securityContextsInValues,
  walk,
  type Container,
} from "./lib-k8s";

/** Helm v3 releases: the engine sees their chart, version and values. */
export const RELEASE = "kubernetes:helm.sh/v3:Release";
/** Helm charts rendered by the provider (v3 and v4 `Chart`). */
export const CHART_TYPES = new Set(["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"]);

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

export const workloadRules: Rule[] = [
  requestsAndLimits,
  runAsNonRoot,
  noPrivileged,
  noPrivilegeEscalation,
  noHostNamespaces,
  noHostPath,
  imagesPinned,
  noDefaultNamespace,
];
