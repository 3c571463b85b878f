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
import { KUBERNETES_VERSION } from "../components/versions";
import { acceptedK3sMinors, clusterVersion, pinnedMatrix } from "../components/versions/gate";
import { satisfies } from "../components/versions/semver";

export const MATRIX_FILE = path.join(__dirname, "vars", "version-matrix.yml");
const SOURCE = "components/versions (matrix.ts facts, gate.ts acceptedK3sMinors)";

export interface ChartConstraint {
  /** Chart name as Helm and the charts' users know it (`jupyterhub`, `cloudnative-pg`). */
  name: string;
  version: string;
  /** The constraint exactly as Chart.yaml declares it. */
  kubeVersion: string;
  /** Kubernetes minors ("1.28", ...) up to the pinned one on which the constraint holds. */
  minors: string[];
}

export interface Matrix {
  kubernetes: string;
  /** Minors the version gate accepts for k3s (every edge chart holds, not newer than the pin). */
  accepted: string[];
  charts: ChartConstraint[];
}

/** The minors from 1.20 up to the pinned KUBERNETES_VERSION (the range acceptedK3sMinors walks). */
function minorsUpToPin(): string[] {
  const [major, pinned] = KUBERNETES_VERSION.split(".").map(Number);
  const out: string[] = [];
  for (let minor = 20; minor <= pinned; minor++) out.push(`${major}.${minor}`);
  return out;
}

export function buildMatrix(): Matrix {
  const m = pinnedMatrix();
  const charts = m.charts
    .filter((c) => c.facts?.kubeVersion && c.facts.targets.includes("edge"))
    .map((c) => ({
      name: c.chart,
      version: c.pinned,
      kubeVersion: c.facts!.kubeVersion!,
      // The same test the gate applies: the edge cluster version (k3s as pinned) against the constraint.
      minors: minorsUpToPin().filter((minor) =>
        satisfies(clusterVersion({ ...m, k3s: `v${minor}.0+k3s1` }, "edge"), c.facts!.kubeVersion!),
      ),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { kubernetes: KUBERNETES_VERSION, accepted: acceptedK3sMinors(), charts };
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
    "# Minors the gate accepts (acceptedK3sMinors): every edge chart's kubeVersion holds.",
    `preflight_matrix_accepted: [${m.accepted.map(q).join(", ")}]`,
    "",
    "# Every edge chart's kubeVersion constraint (Chart.yaml at the pinned version) and the minors it allows:",
    "# a k3s_version on another minor is refused, naming the chart.",
    "preflight_matrix_charts:",
  ];
  for (const c of m.charts) {
    lines.push(
      `  - name: ${q(c.name)}`,
      `    version: ${q(c.version)}`,
      `    kube_version: ${q(c.kubeVersion)}`,
    );
    lines.push(`    minors: [${c.minors.map(q).join(", ")}]`);
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
