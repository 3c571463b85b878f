/**
 * The plan's diff against another commit: what a change does to the resources, without a cloud.
 *
 *   npm run plan -- --stack dev --diff-against origin/main [--format markdown]
 *
 * The other commit's plan is made by that commit's own code: it is checked out into a temporary
 * `git worktree` (detached, removed afterwards), given this checkout's node_modules through a symlink,
 * and its `plan --json` is run with the same stack and `--config` overrides. Resources are matched by
 * type and name (the two parts of a URN a program chooses; the parent's name breaks a tie) and reported
 * as added, removed, or changed with every changed input path and its old and new value. Values come from
 * the plans' JSON, where secrets are already "[secret]", so a secret never reaches the diff in clear.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The plan's JSON document (the contract), as much of it as the diff reads. */
export interface PlanDoc {
  stack: string;
  project: string;
  resources: { type: string; name: string; parent: string | null; inputs: Record<string, unknown> }[];
  violations: { policy: string; level: string; resource: string | null; message: string }[];
  estimates: Record<string, unknown>;
}

type DocResource = PlanDoc["resources"][number];

export interface InputChange {
  /** Path of the input, e.g. `values.hub.config.JupyterHub.admin_access` or `metadata.labels["app"]`. */
  path: string;
  /** Old and new value; undefined where the input is absent on that side. */
  old: unknown;
  new: unknown;
}

export interface ResourceRef {
  type: string;
  name: string;
  parent: string | null;
}

export interface PlanDiff {
  /** What the head was compared with, as given (`origin/main`) and as resolved (a commit). */
  ref: string;
  commit: string;
  added: ResourceRef[];
  removed: ResourceRef[];
  changed: (ResourceRef & { changes: InputChange[] })[];
  unchanged: number;
  /** The base's stack file did not exist: every resource is new. */
  baseMissing?: string;
}

const ref = (r: DocResource): ResourceRef => ({ type: r.type, name: r.name, parent: r.parent });

/** type::name, or type::name::parent where a plan has two resources of one type and name. */
function keyed(resources: DocResource[]): Map<string, DocResource> {
  const count = new Map<string, number>();
  for (const r of resources) count.set(`${r.type}::${r.name}`, (count.get(`${r.type}::${r.name}`) ?? 0) + 1);
  const out = new Map<string, DocResource>();
  for (const r of resources) {
    const k = `${r.type}::${r.name}`;
    out.set(count.get(k)! > 1 ? `${k}::${r.parent ?? ""}` : k, r);
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function pathOf(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Every leaf where `a` and `b` differ (object key order is not a difference). */
export function valueChanges(a: unknown, b: unknown, at = "", out: InputChange[] = []): InputChange[] {
  if (a === b) return out;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) valueChanges(a[k], b[k], pathOf(at, k), out);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) valueChanges(a[i], b[i], pathOf(at, i), out);
  } else if (!(Number.isNaN(a) && Number.isNaN(b))) {
    out.push({ path: at || "(value)", old: a, new: b });
  }
  return out;
}

export function diffPlans(base: PlanDoc, head: PlanDoc, refName: string, commit: string): PlanDiff {
  const before = keyed(base.resources);
  const after = keyed(head.resources);
  const diff: PlanDiff = { ref: refName, commit, added: [], removed: [], changed: [], unchanged: 0 };
  for (const [k, r] of after) {
    const old = before.get(k);
    if (!old) {
      diff.added.push(ref(r));
      continue;
    }
    const changes = valueChanges(old.inputs, r.inputs, "");
    if (old.parent !== r.parent) changes.unshift({ path: "(parent)", old: old.parent, new: r.parent });
    if (changes.length > 0) diff.changed.push({ ...ref(r), changes });
    else diff.unchanged++;
  }
  for (const [k, r] of before) if (!after.has(k)) diff.removed.push(ref(r));
  return diff;
}

/** A value as the diff shows it: JSON, shortened; absent values say so. */
export function showValue(v: unknown, max = 80): string {
  if (v === undefined) return "(absent)";
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export const MAX_CHANGES_SHOWN = 25;

export function diffSummary(d: PlanDiff): string {
  const against = `${d.ref}${d.commit && !d.commit.startsWith(d.ref) ? ` (${d.commit.slice(0, 12)})` : ""}`;
  if (!d.added.length && !d.removed.length && !d.changed.length)
    return `no changes against ${against}: the same ${d.unchanged} resources with the same inputs`;
  return `against ${against}: ${d.added.length} to add, ${d.removed.length} to remove, ${d.changed.length} to change, ${d.unchanged} unchanged`;
}

/** The diff as text (what `--diff-against` prints without `--format markdown`). */
export function diffText(d: PlanDiff): string {
  const summary = diffSummary(d);
  const lines = [summary.startsWith("no changes") ? `No${summary.slice(2)}` : `Diff ${summary}`];
  if (d.baseMissing) lines.push(`  (${d.baseMissing})`);
  const where = (r: ResourceRef) => (r.parent ? `  (in ${r.parent})` : "");
  for (const r of d.added) lines.push(`  + ${r.type}  ${r.name}${where(r)}`);
  for (const r of d.removed) lines.push(`  - ${r.type}  ${r.name}${where(r)}`);
  for (const r of d.changed) {
    lines.push(`  ~ ${r.type}  ${r.name}${where(r)}`);
    for (const c of r.changes.slice(0, MAX_CHANGES_SHOWN))
      lines.push(`      ${c.path}: ${showValue(c.old)} → ${showValue(c.new)}`);
    if (r.changes.length > MAX_CHANGES_SHOWN)
      lines.push(`      … ${r.changes.length - MAX_CHANGES_SHOWN} more changed inputs`);
  }
  return lines.join("\n");
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new DiffError(`git ${args.join(" ")}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** The other commit could not be planned (unknown ref, its plan failed): exit 2 or 3 with this line. */
export class DiffError extends Error {}

export interface BasePlanOptions {
  /** The repository whose commit is planned (its node_modules is lent to the commit). */
  repo: string;
  ref: string;
  stack: string;
  /** `--config` / `--secret` arguments, passed on as given. */
  configArgs: string[];
}

/** Makes the plan of `ref` with that commit's own code, in a temporary worktree. */
export function planOfRef(opts: BasePlanOptions): { doc: PlanDoc; commit: string; baseMissing?: string } {
  const resolved = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${opts.ref}^{commit}`], {
    cwd: opts.repo,
    encoding: "utf8",
  });
  if (resolved.status !== 0)
    throw new DiffError(`--diff-against ${JSON.stringify(opts.ref)}: no such commit in ${opts.repo}`);
  const commit = resolved.stdout.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datavis-plan-base-"));
  const tree = path.join(tmp, "tree");
  git(opts.repo, ["worktree", "add", "--detach", "--quiet", tree, commit]);
  try {
    if (!fs.existsSync(path.join(tree, `Pulumi.${opts.stack}.yaml`))) {
      const doc: PlanDoc = { stack: opts.stack, project: "", resources: [], violations: [], estimates: {} };
      return { doc, commit, baseMissing: `Pulumi.${opts.stack}.yaml does not exist at ${opts.ref}` };
    }
    // `node_modules/` in .gitignore does not match a symlink, so a commit may carry one: keep it then.
    if (!fs.existsSync(path.join(tree, "node_modules")))
      fs.symlinkSync(fs.realpathSync(path.join(opts.repo, "node_modules")), path.join(tree, "node_modules"));
    // Commits before tools/ was split kept the plan at tools/plan.ts.
    const entry = ["tools/plan/plan.ts", "tools/plan.ts"].find((f) => fs.existsSync(path.join(tree, f)));
    if (!entry) throw new DiffError(`${opts.ref} has no offline plan (tools/plan/plan.ts)`);
    const r = spawnSync(
      process.execPath,
      ["-r", "./tools/register.js", entry, "--stack", opts.stack, "--json", ...opts.configArgs],
      { cwd: tree, encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 },
    );
    if (r.status !== 0 && r.status !== 1)
      throw new DiffError(
        `the plan of ${opts.ref} (${commit.slice(0, 12)}) exited ${r.status}: ${(r.stderr || "").trim().split("\n").slice(-1)[0]}`,
      );
    return { doc: JSON.parse(r.stdout) as PlanDoc, commit };
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", tree], { cwd: opts.repo });
    fs.rmSync(tmp, { recursive: true, force: true });
    spawnSync("git", ["worktree", "prune"], { cwd: opts.repo });
  }
}
