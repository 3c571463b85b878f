/**
 * Writes what each stack would apply to a cluster, for the artefact checks:
 *
 *   node -r ./tools/register.js tools/checks/export-plan.ts --out <dir> [--stack dev ...]
 *
 * For each stack (default: every Pulumi.<stack>.yaml) it evaluates the program offline, exactly as
 * `npm run plan` does, and writes
 *   <dir>/<stack>/resources.yaml  every raw Kubernetes object the program registers (type
 *                                 `kubernetes:<group>/<version>:<Kind>`), one YAML document each, under a
 *                                 `# Source: pulumi <stack> <type> <name>` comment;
 *   <dir>/<stack>/patches.yaml    the same for server-side apply patches (`...:<Kind>Patch`: partial
 *                                 objects, validated without required fields);
 *   <dir>/<stack>/releases.json   every Helm release (chart, version, repo, namespace, values).
 * Inputs are taken with secrets unwrapped (the plan's JSON shows them as "[secret]", which would turn a
 * secret map into a string and hide its real type from the schema check); the files stay in <dir>.
 * Exit: 0 written, 2 invalid config or arguments, 3 the program failed.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, REPO_ROOT, runOffline, type RecordedResource } from "../plan/offline";

/** Pulumi Kubernetes types that are not objects applied as such (releases, charts, YAML groups, lists). */
const NOT_AN_OBJECT = /^kubernetes:(helm\.sh|yaml|kustomize)\/|List$/;

/**
 * `kubernetes:apps/v1:Deployment` -> { apiVersion: "apps/v1", kind: "Deployment", patch: false }
 * (core/v1 -> v1); `...:DeploymentPatch` (server-side apply patch) -> kind Deployment, patch: true.
 */
export function kubernetesKind(
  type: string,
): { apiVersion: string; kind: string; patch: boolean } | undefined {
  const m = /^kubernetes:([^:]+\/[^:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m || NOT_AN_OBJECT.test(type)) return undefined;
  const apiVersion = m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1];
  const patch = m[2].endsWith("Patch") && m[2] !== "Patch";
  return { apiVersion, kind: patch ? m[2].slice(0, -"Patch".length) : m[2], patch };
}

/** The manifest a registered Kubernetes resource stands for: its inputs with apiVersion and kind first. */
export function manifestOf(r: RecordedResource): Record<string, unknown> | undefined {
  const k = kubernetesKind(r.type);
  if (!k) return undefined;
  const rest: Record<string, unknown> = { ...r.inputs };
  delete rest.apiVersion;
  delete rest.kind;
  return { apiVersion: k.apiVersion, kind: k.kind, ...stripUndefined(rest) };
}

function stripUndefined(v: any): any {
  if (Array.isArray(v)) return v.map(stripUndefined);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, stripUndefined(x)]),
    );
  }
  return v;
}

export interface ExportedRelease {
  /** Pulumi resource name. */
  resource: string;
  /** Helm release name. */
  name: string;
  type: string;
  chart: string;
  version?: string;
  repo?: string;
  namespace?: string;
  values: Record<string, unknown>;
}

export function releaseOf(r: RecordedResource): ExportedRelease | undefined {
  if (r.type !== "kubernetes:helm.sh/v3:Release" && r.type !== "kubernetes:helm.sh/v4:Chart")
    return undefined;
  const i = r.inputs;
  return {
    resource: r.name,
    name: String(i.name ?? r.name),
    type: r.type,
    chart: String(i.chart ?? ""),
    version: i.version,
    repo: i.repositoryOpts?.repo,
    namespace: i.namespace,
    values: stripUndefined(i.values ?? {}),
  };
}

function stacks(): string[] {
  return fs
    .readdirSync(REPO_ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.split(".")[1])
    .sort();
}

async function main(argv: string[]): Promise<number> {
  let out = "";
  const chosen: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i] ?? "";
    else if (argv[i] === "--stack") chosen.push(argv[++i] ?? "");
    else {
      console.error(`export-plan: unknown argument ${argv[i]}`);
      return 2;
    }
  }
  if (!out) {
    console.error("usage: export-plan.ts --out <dir> [--stack <name> ...]");
    return 2;
  }
  for (const stack of chosen.length ? chosen : stacks()) {
    let run;
    try {
      run = await runOffline({ stack });
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(`export-plan: ${stack}: invalid config: ${e.message}`);
        return 2;
      }
      console.error(`export-plan: ${stack}: the program failed: ${(e as Error).stack ?? e}`);
      return 3;
    }
    const dir = path.join(out, stack);
    fs.mkdirSync(dir, { recursive: true });
    const docs: string[] = [];
    const patches: string[] = [];
    const skipped = new Map<string, number>();
    for (const r of run.resources) {
      const m = manifestOf(r);
      if (m) {
        const doc = `---\n# Source: pulumi ${stack} ${r.type} ${r.name}\n${yaml.dump(m, { noRefs: true, lineWidth: -1 })}`;
        (kubernetesKind(r.type)!.patch ? patches : docs).push(doc);
      } else if (r.type.startsWith("kubernetes:")) {
        skipped.set(r.type, (skipped.get(r.type) ?? 0) + 1);
      }
    }
    const releases = run.resources.map(releaseOf).filter((x): x is ExportedRelease => !!x);
    fs.writeFileSync(path.join(dir, "resources.yaml"), docs.join(""));
    fs.writeFileSync(path.join(dir, "patches.yaml"), patches.join(""));
    fs.writeFileSync(path.join(dir, "releases.json"), JSON.stringify(releases, null, 2) + "\n");
    const notExported = [...skipped].map(([t, n]) => `${n} ${t}`).join(", ");
    console.log(
      `export-plan: ${stack}: ${run.resources.length} resources, ${docs.length} Kubernetes objects, ` +
        `${patches.length} patches, ` +
        `${releases.length} Helm releases${notExported ? ` (not objects: ${notExported})` : ""}`,
    );
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(3);
    },
  );
}
