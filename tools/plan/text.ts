/**
 * The offline plan as text (the default format): the resource tree, the policy verdicts, where each
 * tenant's servers run, and the estimates.
 */
import type { RecordedResource } from "./offline";
import type { PlanResult } from "./plan";
import { tenancyPlanLines } from "../../components/platform/tenancy/names";

function summarize(r: RecordedResource): string {
  const i = r.displayInputs;
  if (r.type === "kubernetes:helm.sh/v3:Release")
    return ` chart=${i.chart}@${i.version} ns=${i.namespace ?? "default"}`;
  if (r.type.startsWith("kubernetes:") && i.metadata?.namespace) return ` ns=${i.metadata.namespace}`;
  return "";
}

export function planText(p: PlanResult): string {
  const lines: string[] = [];
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const r of p.run.resources) {
    const list = children.get(r.parentUrn) ?? [];
    list.push(r);
    children.set(r.parentUrn, list);
  }
  const walk = (parent: string | undefined, indent: string): void => {
    for (const r of children.get(parent) ?? []) {
      lines.push(
        `${indent}${r.custom ? "+" : "■"} ${r.type}  ${r.name}${r.protect ? "  [protected]" : ""}${summarize(r)}`,
      );
      walk(r.urn, indent + "    ");
    }
  };
  lines.push(
    `Plan for stack ${p.run.project}/${p.run.stack} (target ${p.run.config.target}, ${p.run.config.environment}), offline`,
  );
  lines.push("");
  walk(undefined, "  ");
  const custom = p.run.resources.filter((r) => r.custom).length;
  lines.push(
    "",
    `Resources: ${p.run.resources.length} (${custom} resources, ${p.run.resources.length - custom} components)`,
  );
  // Names only: offline, values the cloud computes (the ingress host name, endpoints) are the mocks' own.
  const outputs = Object.keys(p.run.outputs ?? {});
  if (outputs.length)
    lines.push(
      "",
      `Stack outputs (\`pulumi stack output <name>\` after \`pulumi up\`): ${outputs.join(", ")}`,
    );
  lines.push("", "Policies:");
  if (p.violations.length === 0) lines.push("  no violations");
  for (const v of p.violations)
    lines.push(`  [${v.level}] ${v.policy}${v.resource ? ` (${v.resource})` : ""}: ${v.message}`);
  const mandatory = p.violations.filter((v) => v.level === "mandatory").length;
  lines.push(`  ${mandatory} mandatory, ${p.violations.length - mandatory} advisory`);
  lines.push("", "Tenancy (where each tenant's users' servers run, and as whom):");
  lines.push(
    ...tenancyPlanLines(
      p.run.resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => ({ name: r.inputs.metadata?.name, annotations: r.inputs.metadata?.annotations })),
    ),
  );
  lines.push("", "Estimates:");
  lines.push(...formatEstimates(p.estimates, "  "));
  return lines.join("\n");
}

function formatEstimates(e: unknown, indent: string): string[] {
  if (e === null || typeof e !== "object") return [`${indent}${String(e)}`];
  const entries = Object.entries(e as Record<string, unknown>);
  if (entries.length === 0) return [`${indent}(none)`];
  const out: string[] = [];
  for (const [k, v] of entries) {
    if (v !== null && typeof v === "object") {
      out.push(`${indent}${k}:`);
      out.push(...formatEstimates(v, indent + "  "));
    } else out.push(`${indent}${k}: ${v}`);
  }
  return out;
}
