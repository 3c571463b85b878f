/**
 * The k3s versions the platform accepts, for ansible-pi's version gate (site.yml and upgrade.yml refuse any
 * other k3s_version before touching a node).
 *
 * Generated from the versions module: every chart pin that declares `kubeVersion` (its Chart.yaml
 * constraint) plus `KUBERNETES_VERSION`, the newest minor the platform is built and tested for. The result
 * is `ansible-pi/vars/version-matrix.yml`; a unit test (tests/version-matrix.test.ts) fails when the file
 * and the module drift apart.
 *
 *   node -r ./tools/register.js ansible-pi/version-matrix.ts --write     # regenerate
 *   node -r ./tools/register.js ansible-pi/version-matrix.ts --check     # exit 1 on drift
 */
import * as fs from "fs";
import * as path from "path";
import { CHARTS, KUBERNETES_VERSION } from "../components/versions";

export const MATRIX_FILE = path.join(__dirname, "vars", "version-matrix.yml");
const SOURCE = "components/versions.ts";

/** One comparator of a Helm `kubeVersion` constraint, in the operators Ansible's `version` test takes. */
export interface Requirement {
  op: ">=" | ">" | "<=" | "<" | "==";
  version: string;
}

export interface ChartConstraint {
  /** Chart name as Helm and the charts' users know it (`jupyterhub`, `cloudnative-pg`). */
  name: string;
  version: string;
  /** The constraint exactly as Chart.yaml declares it. */
  kubeVersion: string;
  /** The same constraint as comparators, all of which must hold. */
  requires: Requirement[];
}

export interface Matrix {
  kubernetes: string;
  charts: ChartConstraint[];
}

/**
 * Parses the subset of Helm's semver ranges charts use for kubeVersion: space- or comma-separated
 * comparators that must all hold (">=1.28.0-0", ">= 1.24.0-0 < 1.33.0"). The "-0" pre-release suffix only
 * makes Helm accept pre-release cluster versions (k3s reports plain versions), so it is dropped.
 * Anything else (||, ~, ^, x-ranges) throws: the gate would otherwise silently accept too much.
 */
export function parseKubeVersion(constraint: string): Requirement[] {
  const tokens = constraint
    .replace(/(>=|<=|==|=|>|<)\s+/g, "$1")
    .split(/[\s,]+/)
    .filter((t) => t !== "");
  if (tokens.length === 0) throw new Error(`kubeVersion "${constraint}" is empty`);
  return tokens.map((t) => {
    const m = /^(>=|<=|==|=|>|<)?v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.]+)?$/.exec(t);
    if (!m) {
      throw new Error(
        `kubeVersion "${constraint}": cannot read "${t}" (only comparators >=, >, <=, <, = joined by spaces)`,
      );
    }
    const op = (m[1] === "=" || m[1] === undefined ? "==" : m[1]) as Requirement["op"];
    return { op, version: `${m[2]}.${m[3]}.${m[4] ?? "0"}` };
  });
}

export function buildMatrix(): Matrix {
  const charts = Object.values(CHARTS)
    .filter((c): c is typeof c & { kubeVersion: string } => typeof (c as any).kubeVersion === "string")
    .map((c) => ({
      name: c.chart,
      version: c.version,
      kubeVersion: c.kubeVersion,
      requires: parseKubeVersion(c.kubeVersion),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { kubernetes: KUBERNETES_VERSION, charts };
}

/** The vars file's text (YAML written by hand: stable order and comments, no dependency). */
export function renderMatrix(m: Matrix = buildMatrix()): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    "---",
    `# GENERATED from ${SOURCE} by ansible-pi/version-matrix.ts: do not edit, regenerate with`,
    "#   node -r ./tools/register.js ansible-pi/version-matrix.ts --write",
    "# ansible-pi/tests/version-matrix.test.ts fails when this file and the versions module drift apart.",
    "",
    "# Newest Kubernetes minor the platform is built and tested for (KUBERNETES_VERSION): a k3s_version on a",
    "# later minor is refused until the versions module moves.",
    `preflight_matrix_kubernetes: ${q(m.kubernetes)}`,
    "",
    "# Every chart's kubeVersion constraint (Chart.yaml at the pinned version): a k3s_version that breaks one",
    "# is refused, naming the chart.",
    "preflight_matrix_charts:",
  ];
  for (const c of m.charts) {
    lines.push(
      `  - name: ${q(c.name)}`,
      `    version: ${q(c.version)}`,
      `    kube_version: ${q(c.kubeVersion)}`,
    );
    lines.push("    requires:");
    for (const r of c.requires) lines.push(`      - { op: ${q(r.op)}, version: ${q(r.version)} }`);
  }
  return lines.join("\n") + "\n";
}

if (require.main === module) {
  const arg = process.argv[2];
  const want = renderMatrix();
  if (arg === "--write") {
    fs.mkdirSync(path.dirname(MATRIX_FILE), { recursive: true });
    fs.writeFileSync(MATRIX_FILE, want);
    console.log(`wrote ${path.relative(process.cwd(), MATRIX_FILE)}`);
  } else if (arg === "--check") {
    const have = fs.existsSync(MATRIX_FILE) ? fs.readFileSync(MATRIX_FILE, "utf8") : "";
    if (have !== want) {
      console.error(`${MATRIX_FILE} is out of date with ${SOURCE}: run with --write`);
      process.exit(1);
    }
    console.log("version matrix vars are up to date");
  } else {
    process.stdout.write(want);
  }
}
