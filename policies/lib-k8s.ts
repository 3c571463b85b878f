/**
 * Kubernetes workloads: pod specs, containers and security contexts of workloads and of Helm values.
 */
import { asArray, get } from "./lib";

const TEMPLATE_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "PodTemplate",
]);

/** The pod spec of a Kubernetes workload resource (`kubernetes:apps/v1:Deployment`, ...), if it has one. */
export function podSpecOf(type: string, props: any): any | undefined {
  if (!type.startsWith("kubernetes:")) return undefined;
  const kind = type.split(":")[2];
  if (kind === "Pod") return props?.spec;
  if (kind === "CronJob") return get(props, "spec", "jobTemplate", "spec", "template", "spec");
  if (kind === "PodTemplate") return get(props, "template", "spec");
  if (TEMPLATE_KINDS.has(kind)) return get(props, "spec", "template", "spec");
  return undefined;
}

export interface Container {
  name?: string;
  image?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, any>;
}

export function containersOf(spec: any): Container[] {
  return [
    ...asArray(spec?.initContainers),
    ...asArray(spec?.containers),
    ...asArray(spec?.ephemeralContainers),
  ].filter((c) => c && typeof c === "object");
}

/** Keys under which Helm charts commonly take extra container specs in their values. */
const VALUES_CONTAINER_KEYS = new Set([
  "containers",
  "initContainers",
  "extraContainers",
  "extraInitContainers",
  "sidecars",
  "sidecarContainers",
]);

export interface Found<T> {
  /** Dotted path inside the values, for messages. */
  path: string;
  value: T;
}

/** Visits every object and array element of `root`, with its dotted path and the key it sits under. */
export function walk(root: unknown, visit: (value: any, path: string, key: string) => void): void {
  const seen = new Set<unknown>();
  const go = (v: any, path: string, key: string): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        visit(x, `${path}[${i}]`, key);
        go(x, `${path}[${i}]`, key);
      });
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      visit(x, p, k);
      go(x, p, k);
    }
  };
  go(root, "", "");
}

/** Container specs inside Helm values (charts' `extraContainers`, `initContainers`, `sidecars`, ...). */
export function containersInValues(values: unknown): Found<Container>[] {
  const out: Found<Container>[] = [];
  walk(values, (v, path, key) => {
    if (
      VALUES_CONTAINER_KEYS.has(key) &&
      v &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      typeof v.name === "string" &&
      typeof v.image === "string"
    ) {
      out.push({ path, value: v });
    }
  });
  return out;
}

/** Objects inside Helm values that Kubernetes reads as a pod or container securityContext. */
export function securityContextsInValues(values: unknown): Found<Record<string, any>>[] {
  const out: Found<Record<string, any>>[] = [];
  walk(values, (v, path, key) => {
    if (/securityContext$/i.test(key) && v && typeof v === "object" && !Array.isArray(v))
      out.push({ path, value: v });
  });
  return out;
}
