/**
 * Admission: every object of the plan judged by the API server itself (validation, defaulting, CRD
 * schemas and their CEL rules, Pod Security admission) through server-side dry-run; namespaces are
 * created for real first, with their labels, so that the objects in them are judged by their policies.
 */
import type { ControlPlane } from "./harness";
import { manifests, namespaces, type Plan } from "./plan";
import { ensureNamespace } from "./placement";

export interface Verdict {
  source: string;
  object: string;
  ok: boolean;
  message: string;
}

const describeObj = (o: any): string =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? "?"}`;

/** Creates the plan's namespaces (labels included) and those its Helm releases install into. */
export async function createNamespaces(cp: ControlPlane, plan: Plan): Promise<void> {
  for (const m of manifests(plan).filter((x) => x.object.kind === "Namespace"))
    cp.kubectlOk(
      ["apply", "--server-side", "--field-manager=datavis-cluster-suite", "-f", "-"],
      JSON.stringify(m.object),
    );
  for (const ns of namespaces(plan)) await ensureNamespace(cp, ns);
}

/** Server-side dry-run apply of every non-namespace object; one verdict each (warnings included). */
export function dryRunAll(cp: ControlPlane, plan: Plan): Verdict[] {
  const out: Verdict[] = [];
  for (const m of manifests(plan)) {
    if (m.object.kind === "Namespace") continue;
    const r = cp.kubectl(
      ["apply", "--server-side", "--dry-run=server", "--field-manager=datavis-cluster-suite", "-f", "-"],
      JSON.stringify(m.object),
    );
    out.push({
      source: m.source,
      object: describeObj(m.object),
      ok: r.code === 0,
      message: (r.code === 0 ? r.stderr : r.stderr || r.stdout).trim(),
    });
  }
  return out;
}

/** Server-side dry-run create of one object through the API (POST ?dryRun=All). */
export async function dryRunCreate(
  cp: ControlPlane,
  pod: Record<string, any>,
): Promise<{ ok: boolean; message: string }> {
  const ns = pod.metadata.namespace;
  const r = await cp.request(
    "POST",
    `/api/v1/namespaces/${ns}/pods?dryRun=All&fieldManager=datavis-cluster-suite`,
    pod,
  );
  return { ok: r.status < 300, message: r.status < 300 ? "" : String(r.body?.message ?? r.status) };
}
