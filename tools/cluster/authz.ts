/**
 * Authorization as Kubernetes decides it: SubjectAccessReviews (what `kubectl auth can-i --as` asks) for
 * the personas of the isolation issue over the plan's Roles and RoleBindings, applied for real.
 */
import type { ControlPlane } from "./harness";
import { manifests, type Plan } from "./plan";
import { hubRelease } from "./workloads";

export interface Persona {
  /** Who, in words. */
  label: string;
  user: string;
  groups: string[];
}

export interface Check {
  persona: Persona;
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
  /** What the platform promises. */
  expect: boolean;
  /** What the API server answered (after review). */
  allowed?: boolean;
  reason?: string;
}

const sa = (ns: string, name: string, label: string): Persona => ({
  label,
  user: `system:serviceaccount:${ns}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
});

/** Tenants of the plan: namespace, owners (tenant-owners RoleBinding subjects). */
export function tenants(plan: Plan): { namespace: string; owners: string[] }[] {
  const ms = manifests(plan).map((m) => m.object);
  return ms
    .filter((o) => o.kind === "Namespace" && o.metadata?.labels?.["datavis.io/tenant"])
    .map((o) => ({
      namespace: o.metadata.name,
      owners: ms
        .filter(
          (b) =>
            b.kind === "RoleBinding" &&
            b.metadata?.namespace === o.metadata.name &&
            b.metadata?.name === "tenant-owners",
        )
        .flatMap((b) => (b.subjects ?? []).filter((s: any) => s.kind === "User").map((s: any) => s.name)),
    }));
}

/**
 * The table of expectations. Per tenant T (and another tenant O, when there are two):
 *  - T's spark service account: may create SparkApplications and pods in T (the driver creates executors);
 *    may not list pods or secrets in O or in the hub's namespace, nor read secrets in T.
 *  - T's owner: may create Deployments and read pods in T; nothing in O or the hub's namespace; no nodes.
 *  - a student's server account (singleuser.serviceAccountName in the hub's namespace): no pods or secrets
 *    anywhere, no SparkApplications in another tenant.
 *  - the backup controller (ServiceAccount notebook-backup of the hub's namespace): lists claims and pods
 *    and creates Jobs in the hub's namespace and in each tenant namespace; no Secrets anywhere;
 *  - a tenant's backup copier account and a tenant's student server: no Jobs, in their tenant or another.
 *  - the sample-data Job (ServiceAccount sample-data, outside every tenant): no Kubernetes rights at all (it
 *    only talks to object storage): no pods or secrets in its namespace, no SparkApplications in a tenant.
 */
export function expectations(plan: Plan): Check[] {
  const ts = tenants(plan);
  const hub = hubRelease(plan);
  const hubNs = hub?.namespace ?? "jupyterhub";
  const ms = manifests(plan).map((m) => m.object);
  const checks: Check[] = [];
  const add = (
    persona: Persona,
    verb: string,
    resource: string,
    group: string,
    namespace: string | undefined,
    expect: boolean,
  ): void => {
    checks.push({ persona, verb, resource, group, namespace, expect });
  };
  const spark = "sparkoperator.k8s.io";
  for (const [i, t] of ts.entries()) {
    const other = ts[(i + 1) % ts.length];
    const others = other && other.namespace !== t.namespace ? [other.namespace, hubNs] : [hubNs];
    const sparkSa = ms.find(
      (o) =>
        o.kind === "ServiceAccount" && o.metadata?.namespace === t.namespace && o.metadata?.name === "spark",
    );
    if (sparkSa) {
      const p = sa(t.namespace, "spark", `spark SA of ${t.namespace}`);
      add(p, "create", "sparkapplications", spark, t.namespace, true);
      add(p, "create", "pods", "", t.namespace, true);
      add(p, "get", "secrets", "", t.namespace, false);
      for (const o of others) {
        add(p, "list", "pods", "", o, false);
        add(p, "list", "secrets", "", o, false);
      }
    }
    for (const owner of t.owners) {
      const p: Persona = {
        label: `owner ${owner} of ${t.namespace}`,
        user: owner,
        groups: ["system:authenticated"],
      };
      add(p, "create", "deployments", "apps", t.namespace, true);
      add(p, "list", "pods", "", t.namespace, true);
      for (const o of others) {
        add(p, "list", "pods", "", o, false);
        add(p, "get", "secrets", "", o, false);
      }
      add(p, "list", "nodes", "", undefined, false);
      add(p, "create", "namespaces", "", undefined, false);
    }
  }
  const notebookSa = hub?.values?.singleuser?.serviceAccountName;
  if (notebookSa) {
    const p = sa(hubNs, notebookSa, `student server (${hubNs}/${notebookSa})`);
    add(p, "list", "pods", "", hubNs, false);
    add(p, "get", "secrets", "", hubNs, false);
    for (const t of ts) {
      add(p, "list", "pods", "", t.namespace, false);
      add(p, "list", "secrets", "", t.namespace, false);
    }
  }
  const backup = ms.find(
    (o) =>
      o.kind === "ServiceAccount" &&
      o.metadata?.name === "notebook-backup" &&
      o.metadata?.namespace === hubNs,
  );
  if (backup) {
    const ns = backup.metadata.namespace;
    const p = sa(ns, "notebook-backup", `backup controller (${ns}/notebook-backup)`);
    add(p, "list", "persistentvolumeclaims", "", ns, true);
    add(p, "create", "jobs", "batch", ns, true);
    add(p, "get", "secrets", "", ns, false);
    add(p, "delete", "persistentvolumeclaims", "", ns, false);
    // Tenants' home volumes: list them and their servers, start copier and put-back Jobs; no Secret there.
    for (const t of ts) {
      add(p, "list", "persistentvolumeclaims", "", t.namespace, true);
      add(p, "list", "pods", "", t.namespace, true);
      add(p, "create", "jobs", "batch", t.namespace, true);
      add(p, "get", "secrets", "", t.namespace, false);
      add(p, "list", "secrets", "", t.namespace, false);
      add(p, "delete", "persistentvolumeclaims", "", t.namespace, false);
    }
    add(p, "list", "persistentvolumeclaims", "", "kube-system", false);
  }
  for (const [i, t] of ts.entries()) {
    // The copier Jobs' own account in a tenant namespace (usable by any student there): no API rights.
    const copier = sa(t.namespace, "notebook-backup", `backup copier (${t.namespace}/notebook-backup)`);
    add(copier, "list", "persistentvolumeclaims", "", t.namespace, false);
    add(copier, "create", "jobs", "batch", t.namespace, false);
    // A student's server in a tenant: no Jobs in another tenant (nor in its own).
    const other = ts[(i + 1) % ts.length];
    const student = sa(t.namespace, "notebook", `student server (${t.namespace}/notebook)`);
    if (other && other.namespace !== t.namespace)
      add(student, "create", "jobs", "batch", other.namespace, false);
    add(student, "create", "jobs", "batch", t.namespace, false);
  }
  const stager = ms.find((o) => o.kind === "ServiceAccount" && o.metadata?.name === "sample-data");
  if (stager) {
    const ns = stager.metadata.namespace;
    const p = sa(ns, "sample-data", `sample-data job (${ns}/sample-data)`);
    add(p, "create", "pods", "", ns, false);
    add(p, "get", "secrets", "", ns, false);
    for (const t of ts) add(p, "create", "sparkapplications", spark, t.namespace, false);
  }
  return checks;
}

/** Applies the plan's ServiceAccounts, Roles, RoleBindings, ClusterRoles and ClusterRoleBindings for real. */
export async function applyRbac(cp: ControlPlane, plan: Plan): Promise<string[]> {
  const kinds = ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];
  const objs = manifests(plan)
    .map((m) => m.object)
    .filter((o) => kinds.includes(o.kind));
  const errors: string[] = [];
  for (const o of objs) {
    const r = cp.kubectl(
      ["apply", "--server-side", "--field-manager=datavis-cluster-suite", "-f", "-"],
      JSON.stringify(o),
    );
    if (r.code !== 0)
      errors.push(`${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}: ${r.stderr.trim()}`);
  }
  return errors;
}

/** Asks the API server each check (SubjectAccessReview). */
export async function review(cp: ControlPlane, checks: Check[]): Promise<Check[]> {
  for (const c of checks) {
    const r = await cp.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: c.persona.user,
        groups: c.persona.groups,
        resourceAttributes: { verb: c.verb, resource: c.resource, group: c.group, namespace: c.namespace },
      },
    });
    if (r.status >= 300) throw new Error(`SubjectAccessReview: ${r.body?.message ?? r.status}`);
    c.allowed = !!r.body.status?.allowed;
    c.reason = r.body.status?.reason ?? r.body.status?.evaluationError ?? "";
  }
  return checks;
}

export function authzTable(checks: Check[]): string {
  const rows = checks.map((c) => [
    c.persona.label,
    `${c.verb} ${c.group ? `${c.resource}.${c.group}` : c.resource}`,
    c.namespace ?? "(cluster)",
    c.expect ? "allow" : "deny",
    c.allowed === undefined ? "?" : c.allowed ? "allowed" : "denied",
    c.allowed === c.expect ? "ok" : "WRONG",
  ]);
  const head = ["persona", "request", "namespace", "expected", "API server", ""];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string =>
    r
      .map((x, i) => x.padEnd(w[i]))
      .join("  ")
      .trimEnd();
  return ["== authorization (SubjectAccessReview)", fmt(head), ...rows.map(fmt)].join("\n");
}
