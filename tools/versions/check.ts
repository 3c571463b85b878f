/**
 * The version gate on the command line:
 *
 *   npm run versions -- --check [--set name=value ...] [--json]
 *   npm run versions -- --accepted-k3s        # one accepted Kubernetes minor per line (for ansible-pi)
 *
 * Prints the matrix (cluster versions, and per chart its version, appVersion, kubeVersion, what it says
 * about EKS and k3s, and its images' architectures), then every conflict. `--set` skews one part first:
 *
 *   k3s=v1.27.16+k3s1     eks=1.35     spark=3.5.5
 *   <chart>=<version>     (a CHARTS key or chart name: jupyterhub=4.5.0)
 *   arch.<image>=amd64    (architectures of an IMAGES key, comma-separated: arch.seaweedfs=amd64)
 *
 * Exit: 0 no conflict, 1 conflicts (each line names the component and the two versions), 2 bad arguments.
 */
import {
  checkMatrix,
  clusterVersion,
  pinnedMatrix,
  acceptedK3sMinors,
  type Conflict,
  type VersionMatrix,
} from "../../components/versions/gate";
import type { Arch } from "../../components/versions/matrix";
import { parseVersion, satisfies } from "../../components/versions/semver";

export class UsageError extends Error {}

const ARCHES: Arch[] = ["amd64", "arm64", "arm", "ppc64le", "s390x"];

/** Applies `name=value` overrides to a matrix (a copy; the pins are never changed). */
export function applySets(base: VersionMatrix, sets: string[]): VersionMatrix {
  const m: VersionMatrix = {
    ...base,
    eks: { ...base.eks },
    charts: base.charts.map((c) => ({ ...c })),
    images: base.images.map((i) => ({ ...i })),
  };
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set takes name=value, got ${JSON.stringify(s)}`);
    const name = s.slice(0, eq);
    const value = s.slice(eq + 1);
    const version = () => {
      try {
        parseVersion(value);
      } catch (e) {
        throw new UsageError(`--set ${name}: ${(e as Error).message}`);
      }
      return value;
    };
    if (name === "k3s") {
      if (!/^v\d+\.\d+\.\d+\+k3s\d+$/.test(value))
        throw new UsageError(`--set k3s: "${value}" is not a k3s release like v1.31.4+k3s1`);
      m.k3s = value;
    } else if (name === "eks") {
      if (!/^\d+\.\d+$/.test(value)) throw new UsageError(`--set eks: "${value}" is not a minor like 1.35`);
      m.eks = { version: value, standardSupportEnd: undefined };
      const { EKS_STANDARD_SUPPORT_END } = require("../../components/versions/matrix");
      m.eks.standardSupportEnd = EKS_STANDARD_SUPPORT_END[value];
    } else if (name === "spark") {
      m.spark = version();
      m.images = m.images.map((i) =>
        i.key === "spark" ? { ...i, ref: i.ref.replace(/:[^:]+$/, `:${value}`) } : i,
      );
    } else if (name.startsWith("arch.")) {
      const key = name.slice("arch.".length);
      const img = m.images.find((i) => i.key === key);
      if (!img)
        throw new UsageError(
          `--set ${name}: no IMAGES.${key}; images: ${m.images.map((i) => i.key).join(", ")}`,
        );
      const arches = value.split(",").filter(Boolean);
      const bad = arches.find((a) => !ARCHES.includes(a as Arch));
      if (bad || arches.length === 0)
        throw new UsageError(`--set ${name}: "${value}" is not a list of ${ARCHES.join(", ")}`);
      img.arches = arches as Arch[];
    } else {
      const chart = m.charts.find((c) => c.key === name || c.chart === name);
      if (!chart)
        throw new UsageError(
          `--set ${name}: unknown name; use k3s, eks, spark, arch.<image> or a chart: ${m.charts.map((c) => c.chart).join(", ")}`,
        );
      chart.pinned = version();
    }
  }
  return m;
}

/** Whether a chart's kubeVersion holds on a target's cluster, as a table cell. */
function verdict(m: VersionMatrix, c: VersionMatrix["charts"][number], t: "aws" | "edge"): string {
  if (!c.facts || !c.facts.targets.includes(t)) return "-";
  if (!c.facts.kubeVersion) return "any";
  return satisfies(clusterVersion(m, t), c.facts.kubeVersion) ? "ok" : "CONFLICT";
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
}

export function matrixText(m: VersionMatrix, conflicts: Conflict[]): string {
  const lines = [
    `Clusters: EKS ${m.eks.version} (standard support until ${m.eks.standardSupportEnd ?? "unknown"}), k3s ${m.k3s}`,
    `Spark: ${m.spark} (spark-operator submits with ${m.sparkOperatorSupports})`,
    "",
  ];
  const rows = [["chart", "version", "appVersion", "kubeVersion", "EKS", "k3s", "images (arm64)"]];
  for (const c of m.charts) {
    const imgs = c.facts?.images ?? [];
    const arm = imgs.filter((i) => i.arches.includes("arm64")).length;
    rows.push([
      c.chart,
      c.pinned,
      c.facts?.appVersion ?? "?",
      c.facts?.kubeVersion ?? "(none)",
      verdict(m, c, "aws"),
      verdict(m, c, "edge"),
      `${arm}/${imgs.length}`,
    ]);
  }
  lines.push(...table(rows), "");
  const imgRows = [["image", "reference", "targets", "architectures"]];
  for (const i of m.images) imgRows.push([i.key, i.ref, i.targets.join(","), i.arches.join(",")]);
  lines.push(...table(imgRows), "");
  if (conflicts.length === 0) lines.push("version gate: no conflicts");
  for (const c of conflicts) lines.push(`version gate: ${c.message}`);
  return lines.join("\n");
}

export interface CheckResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[]): CheckResult {
  let check = false;
  let json = false;
  let accepted = false;
  const sets: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === "--check") check = true;
      else if (a === "--json") json = true;
      else if (a === "--accepted-k3s") accepted = true;
      else if (a === "--set") {
        if (argv[i + 1] === undefined) throw new UsageError("--set needs name=value");
        sets.push(argv[++i]);
      } else if (a.startsWith("--set=")) sets.push(a.slice("--set=".length));
      else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
    }
    if (accepted) return { code: 0, stdout: acceptedK3sMinors().join("\n") + "\n", stderr: "" };
    if (!check)
      throw new UsageError(
        "usage: npm run versions -- --check [--set name=value ...] [--json] | --accepted-k3s",
      );
    const m = applySets(pinnedMatrix(), sets);
    const conflicts = checkMatrix(m);
    const stdout = json
      ? JSON.stringify({ matrix: m, conflicts }, null, 2) + "\n"
      : matrixText(m, conflicts) + "\n";
    return { code: conflicts.length > 0 ? 1 : 0, stdout, stderr: "" };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, stdout: "", stderr: `error: ${e.message}\n` };
    throw e;
  }
}

if (require.main === module) {
  const r = run(process.argv.slice(2));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
