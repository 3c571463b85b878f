/**
 * The plan as a Markdown report (`npm run plan -- --stack dev --format markdown [--diff-against REF]`),
 * written for a pull request's job summary or a review comment: the component tree as a Mermaid diagram,
 * the cost (AWS) or capacity (edge) table, the policy verdicts, and the diff against another commit.
 * Everything comes from the plan itself (its resources, violations and estimates), so it needs no cloud.
 */
import type { RecordedResource } from "./offline";
import type { PlanResult } from "./plan";
import { diffSummary, MAX_CHANGES_SHOWN, showValue, type PlanDiff, type ResourceRef } from "./diff";

/** Siblings of one component type above this count are drawn as one node ("IrsaRole × 7"). */
const GROUP_SIBLINGS_OVER = 3;

/** Text inside a Mermaid label: quotes and markup characters as entities. */
function mermaidText(s: string): string {
  return s.replace(/[&"<>#]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** Text inside a Markdown table cell. */
function cell(s: unknown): string {
  return String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The last segment of a type token: `datavis:aws:EksCluster` -> `EksCluster`. */
function shortType(type: string): string {
  return type.split(":").pop()!;
}

/**
 * Components only (custom resources are counted inside their nearest component): a tree a reader can
 * take in, whatever the number of tenants or roles.
 */
export function componentDiagram(resources: RecordedResource[]): string {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const components = resources.filter((r) => !r.custom);
  const isComponent = new Set(components.map((r) => r.urn));
  /** Nearest component above `urn` (undefined: the stack). */
  const owner = (urn: string | undefined): string | undefined => {
    let u = urn;
    while (u && !isComponent.has(u)) u = byUrn.get(u)?.parentUrn;
    return u;
  };
  const resourcesUnder = new Map<string, number>();
  for (const r of resources)
    if (r.custom) {
      const o = owner(r.parentUrn);
      if (o) resourcesUnder.set(o, (resourcesUnder.get(o) ?? 0) + 1);
    }
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const c of components) {
    const o = owner(c.parentUrn);
    children.set(o, [...(children.get(o) ?? []), c]);
  }

  const lines = ["```mermaid", "flowchart LR"];
  let next = 0;
  const count = (n: number) => (n ? `<br/>${n} resource${n === 1 ? "" : "s"}` : "");
  const walk = (parent: string | undefined, parentId: string | undefined): void => {
    const kids = children.get(parent) ?? [];
    const byType = new Map<string, RecordedResource[]>();
    for (const k of kids) byType.set(k.type, [...(byType.get(k.type) ?? []), k]);
    for (const [type, group] of byType) {
      if (group.length > GROUP_SIBLINGS_OVER) {
        const id = `c${next++}`;
        const total = group.reduce(
          (n, g) => n + (resourcesUnder.get(g.urn) ?? 0) + (children.get(g.urn)?.length ?? 0),
          0,
        );
        lines.push(`  ${id}["${mermaidText(`${shortType(type)} × ${group.length}`)}${count(total)}"]`);
        if (parentId) lines.push(`  ${parentId} --> ${id}`);
        continue;
      }
      for (const c of group) {
        const id = `c${next++}`;
        const label = `<b>${mermaidText(c.name)}</b><br/>${mermaidText(shortType(type))}${count(resourcesUnder.get(c.urn) ?? 0)}`;
        lines.push(`  ${id}["${label}"]`);
        if (parentId) lines.push(`  ${parentId} --> ${id}`);
        walk(c.urn, id);
      }
    }
  };
  walk(undefined, undefined);
  lines.push("```");
  return lines.join("\n");
}

const money = (n: unknown) => (typeof n === "number" ? `$${n.toFixed(2)}` : String(n ?? ""));

function costSection(e: Record<string, any>): string[] {
  const out = [
    `## Cost estimate (${cell(e.currency)}, ${cell(e.region)})`,
    "",
    `Idle **${money(e.idle)}**, with ${e.activeUsers} active users **${money(e.active)}** ` +
      `(floor ${money(e.floor)}; prices: \`${cell(e.pricing)}\`).`,
    "",
    "| item | idle | active |",
    "| --- | ---: | ---: |",
  ];
  for (const [item, v] of Object.entries((e.breakdown ?? {}) as Record<string, any>))
    out.push(`| ${cell(item)} | ${money(v.idle)} | ${money(v.active)} |`);
  out.push(`| **total** | **${money(e.idle)}** | **${money(e.active)}** |`);
  if (e.notIncluded) out.push("", `Not included: ${cell(e.notIncluded)}.`);
  return out;
}

function capacitySection(e: Record<string, any>): string[] {
  const out = [`## Capacity estimate`, "", cell(e.summary), ""];
  out.push("| | CPU cores | memory GiB |", "| --- | ---: | ---: |");
  const row = (label: string, v: any) => {
    if (v) out.push(`| ${label} | ${v.cpuCores ?? ""} | ${v.memoryGi ?? ""} |`);
  };
  row(`capacity (${e.nodes?.count} × ${cell(e.nodes?.model ?? "")})`, e.capacity);
  row("system reserve (k3s, CoreDNS, metrics-server)", e.systemReserve);
  row("allocatable", e.allocatable);
  row("platform requests", e.platform);
  row("headroom for users", e.headroom);
  const comps = Object.entries((e.components ?? {}) as Record<string, string>);
  if (comps.length) {
    out.push("", "| platform component | requests |", "| --- | --- |");
    for (const [k, v] of comps) out.push(`| ${cell(k)} | ${cell(v)} |`);
  }
  return out;
}

/** Any other estimate shape: its top-level numbers and strings. */
function genericEstimates(e: Record<string, unknown>): string[] {
  const out = ["## Estimates", "", "| | |", "| --- | --- |"];
  for (const [k, v] of Object.entries(e))
    if (v === null || typeof v !== "object") out.push(`| ${cell(k)} | ${cell(v)} |`);
  return out;
}

function policySection(p: PlanResult): string[] {
  const mandatory = p.violations.filter((v) => v.level === "mandatory").length;
  const out = [
    "## Policy verdicts",
    "",
    `${mandatory} mandatory, ${p.violations.length - mandatory} advisory violation${p.violations.length - mandatory === 1 ? "" : "s"}` +
      (mandatory ? " (the plan exits 1)." : "."),
  ];
  if (p.violations.length) {
    out.push("", "| level | policy | resource | message |", "| --- | --- | --- | --- |");
    for (const v of p.violations)
      out.push(
        `| ${v.level} | \`${cell(v.policy)}\` | ${cell(v.resource ?? "(stack)")} | ${cell(v.message)} |`,
      );
  }
  return out;
}

export function diffSection(d: PlanDiff): string[] {
  const out = [`## Diff`, "", diffSummary(d).replace(/^./, (c) => c.toUpperCase()) + "."];
  if (d.baseMissing) out.push("", `(${d.baseMissing}.)`);
  const rows: [string, ResourceRef][] = [
    ...d.added.map((r): [string, ResourceRef] => ["➕ add", r]),
    ...d.removed.map((r): [string, ResourceRef] => ["➖ remove", r]),
    ...d.changed.map((r): [string, ResourceRef] => ["✏️ change", r]),
  ];
  if (!rows.length) return out;
  out.push("", "| | type | name | parent |", "| --- | --- | --- | --- |");
  for (const [op, r] of rows)
    out.push(`| ${op} | \`${cell(r.type)}\` | ${cell(r.name)} | ${cell(r.parent ?? "")} |`);
  for (const r of d.changed) {
    out.push(
      "",
      `<details><summary>${cell(r.name)} (${cell(shortType(r.type))}): ${r.changes.length} changed input${r.changes.length === 1 ? "" : "s"}</summary>`,
      "",
    );
    out.push("| input | old | new |", "| --- | --- | --- |");
    for (const c of r.changes.slice(0, MAX_CHANGES_SHOWN))
      out.push(`| \`${cell(c.path)}\` | \`${cell(showValue(c.old))}\` | \`${cell(showValue(c.new))}\` |`);
    if (r.changes.length > MAX_CHANGES_SHOWN)
      out.push(`| … ${r.changes.length - MAX_CHANGES_SHOWN} more | | |`);
    out.push("", "</details>");
  }
  return out;
}

export function planMarkdown(p: PlanResult, diff?: PlanDiff): string {
  const { run } = p;
  const custom = run.resources.filter((r) => r.custom).length;
  const e = p.estimates as Record<string, any>;
  const out = [
    `# Plan of \`${run.project}/${run.stack}\` (target ${run.config.target}, ${run.config.environment})`,
    "",
    `${run.resources.length} resources: ${custom} cloud or cluster resources in ${run.resources.length - custom} components. ` +
      "Made offline under Pulumi's mock runtime from the stack's config (`npm run plan`).",
    "",
  ];
  if (diff) out.push(...diffSection(diff), "");
  out.push("## Components", "", componentDiagram(run.resources), "");
  out.push(...(e.breakdown ? costSection(e) : e.capacity ? capacitySection(e) : genericEstimates(e)), "");
  out.push(...policySection(p));
  return out.join("\n") + "\n";
}
