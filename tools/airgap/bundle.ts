/**
 * Air-gap bundle for ansible-pi and the edge stack, built on an ONLINE machine and carried to the site:
 *
 *   node -r ./tools/register.js tools/airgap/bundle.ts --mirror registry.lab.local:5000 [--out bundle]
 *        [--download] [--plan airgapped.json --plain-plan online.json] [--strict]
 *
 * The list of charts and images is read from the program, never typed by hand: the edge plan is made
 * twice (`npm run plan -- --stack edge --json`, once with airGapped=true and registryMirror=<mirror>, once
 * without) and paired release by release and image by image, so every mirror path maps back to its
 * upstream source. Helm releases (kubernetes:helm.sh/v3:Release) give chart, version and repository;
 * images come from every `image` / `imageName` string and every `[registry/]repository` + `tag` object in
 * the resources' inputs and Helm values, plus components/versions/index.ts IMAGES. The k3s release
 * is ansible-pi's pinned `k3s_version` (inventory/example/group_vars/all.yml), checked against
 * KUBERNETES_VERSION.
 *
 * Writes <out>/manifest.json and <out>/images.txt always. With --download it also fetches, verifying
 * checksums: k3s/{k3s-arm64, k3s-airgap-images-arm64.tar.zst, install.sh} (what ansible-pi's airgap role
 * installs), charts/<chart>-<version>.tgz (the edge stack's chartsDir layout); when `helm` is on PATH it
 * renders every release with the plan's values to add the charts' own images; when `skopeo` is on PATH
 * it saves each arm64 image as images/<name>.tar (OCI archive) and writes images/push-to-mirror.sh, and
 * saves the spawn path's images (manifest `preload`) as k3s/images/<name>.tar, which ansible-pi's airgap
 * role places where k3s imports them at start.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { mirrorImage } from "../../components/shared/artifacts";
import { CHARTS, IMAGES, KUBERNETES_VERSION } from "../../components/versions";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const HELM_RELEASE_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];
export const K3S_GROUP_VARS = path.join(REPO_ROOT, "ansible-pi/inventory/example/group_vars/all.yml");

/** The part of `npm run plan -- --json` output this tool reads. */
export interface Plan {
  stack?: string;
  resources: { type: string; name: string; inputs: Record<string, unknown> }[];
}

export interface ChartEntry {
  /** Helm release (resource) name in the plan. */
  release: string;
  chart: string;
  version: string;
  /** Chart repository URL; undefined for the project's own charts (a folder in this repository). */
  repo?: string;
  /** Archive file name the edge stack expects in chartsDir; undefined for local chart folders. */
  archive?: string;
  /** Chart folder in this repository (no download needed). */
  localDir?: string;
}

export interface ImageEntry {
  /** Upstream reference, pulled on the online machine. */
  source: string;
  /** Reference on the site mirror (what the nodes pull). */
  target: string;
}

export interface BundleManifest {
  k3s: { version: string; files: { name: string; url: string }[] };
  charts: ChartEntry[];
  images: ImageEntry[];
  /**
   * Images preloaded into k3s on every node (k3s imports each archive in /var/lib/rancher/k3s/agent/images
   * at start): the ones a user waits for when a notebook server or Spark job starts. Saved under their
   * mirror name, the name pods ask for, so containerd has them before the first spawn.
   */
  preload: ImageEntry[];
  /** Mirror references whose upstream source could not be found (the bundle is incomplete). */
  unresolved: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const IMAGE_REF = /^[a-z0-9][a-z0-9._:-]*(\/[a-z0-9._-]+)*(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/;

/** Every image reference found in a resource's inputs or Helm values, in any of the usual shapes. */
export function imagesIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) imagesIn(v, found);
  } else if (isObject(value)) {
    const { registry, repository, tag, digest } = value;
    if (
      typeof repository === "string" &&
      repository &&
      (typeof tag === "string" || typeof tag === "number")
    ) {
      const repo = typeof registry === "string" && registry ? `${registry}/${repository}` : repository;
      const ref = `${repo}:${tag}${typeof digest === "string" && digest ? `@${digest}` : ""}`;
      if (IMAGE_REF.test(ref)) found.add(ref);
    }
    for (const [key, v] of Object.entries(value)) {
      if (
        (key === "image" || key === "imageName") &&
        typeof v === "string" &&
        v.includes(":") &&
        IMAGE_REF.test(v)
      ) {
        found.add(v);
      } else imagesIn(v, found);
    }
  }
  return found;
}

/** Images of every resource in a plan. */
export function planImages(plan: Plan): string[] {
  const found = new Set<string>();
  for (const r of plan.resources) imagesIn(r.inputs, found);
  return [...found].sort();
}

/** Helm releases of the air-gapped plan, completed with chart name and repository from the online plan. */
export function planCharts(airgapped: Plan, online?: Plan): ChartEntry[] {
  const onlineByName = new Map(
    (online?.resources ?? []).filter((r) => HELM_RELEASE_TYPES.includes(r.type)).map((r) => [r.name, r]),
  );
  const entries: ChartEntry[] = [];
  for (const r of airgapped.resources.filter((x) => HELM_RELEASE_TYPES.includes(x.type))) {
    const chart = String(r.inputs.chart ?? "");
    const version = String(r.inputs.version ?? "");
    if (!chart || !version) throw new Error(`helm release ${r.name}: no chart or version in the plan`);
    if (!chart.endsWith(".tgz")) {
      // The project's own chart, shipped in this repository as a folder.
      entries.push({ release: r.name, chart: path.basename(chart), version, localDir: chart });
      continue;
    }
    const archive = path.basename(chart);
    const twin = onlineByName.get(r.name);
    const repoOpts = twin?.inputs.repositoryOpts;
    let repo = isObject(repoOpts) && typeof repoOpts.repo === "string" ? repoOpts.repo : undefined;
    let name = twin && typeof twin.inputs.chart === "string" ? twin.inputs.chart : undefined;
    if (!repo || !name) {
      const pin = Object.values(CHARTS).find((c) => `${c.chart}-${c.version}.tgz` === archive);
      repo = repo ?? pin?.repo;
      name = name ?? pin?.chart;
    }
    if (!repo || !name)
      throw new Error(`helm release ${r.name}: archive ${archive} matches no chart repository`);
    entries.push({ release: r.name, chart: name, version, repo, archive });
  }
  return entries.sort((a, b) => a.release.localeCompare(b.release));
}

/**
 * Pairs each image the air-gapped plan pulls from the mirror with its upstream source, found among the
 * online plan's images and versions.ts IMAGES by applying the same rewrite the stack applies.
 */
export function pairImages(
  mirrored: string[],
  upstream: string[],
  mirror: string,
): { images: ImageEntry[]; unresolved: string[] } {
  const byTarget = new Map<string, string>();
  for (const source of upstream) byTarget.set(mirrorImage(source, mirror), source);
  const images = new Map<string, ImageEntry>();
  const unresolved: string[] = [];
  for (const ref of mirrored) {
    if (ref.startsWith(`${mirror}/`)) {
      const source = byTarget.get(ref);
      if (source) images.set(ref, { source, target: ref });
      else unresolved.push(ref);
    } else {
      // Not rewritten by the stack: pulled by its upstream name, which registries.yaml sends to the mirror.
      images.set(ref, { source: ref, target: mirrorImage(ref, mirror) });
    }
  }
  return {
    images: [...images.values()].sort((a, b) => a.source.localeCompare(b.source)),
    unresolved: unresolved.sort(),
  };
}

/** ansible-pi's pinned k3s release, which must be on the Kubernetes line the stacks target. */
export function readK3sVersion(groupVarsFile: string = K3S_GROUP_VARS): string {
  const vars = yaml.load(fs.readFileSync(groupVarsFile, "utf8"));
  const version = isObject(vars) ? vars.k3s_version : undefined;
  if (typeof version !== "string" || !/^v\d+\.\d+\.\d+\+k3s\d+$/.test(version)) {
    throw new Error(
      `${groupVarsFile}: k3s_version ${JSON.stringify(version)} is not a release like v1.36.5+k3s1`,
    );
  }
  if (!version.startsWith(`v${KUBERNETES_VERSION}.`)) {
    throw new Error(
      `${groupVarsFile}: k3s_version ${version} is not on Kubernetes ${KUBERNETES_VERSION} (versions.ts KUBERNETES_VERSION)`,
    );
  }
  return version;
}

/** The three k3s release files the airgap role installs, with their download addresses. */
export function k3sFiles(version: string): { name: string; url: string }[] {
  const release = `https://github.com/k3s-io/k3s/releases/download/${encodeURIComponent(version)}`;
  return [
    { name: "k3s-arm64", url: `${release}/k3s-arm64` },
    { name: "k3s-airgap-images-arm64.tar.zst", url: `${release}/k3s-airgap-images-arm64.tar.zst` },
    { name: "install.sh", url: `https://raw.githubusercontent.com/k3s-io/k3s/${version}/install.sh` },
  ];
}

export function buildManifest(args: {
  airgapped: Plan;
  online: Plan;
  mirror: string;
  k3sVersion: string;
  /** Extra images found by rendering the charts (mirror refs and upstream refs). */
  rendered?: { mirrored: string[]; upstream: string[] };
}): BundleManifest {
  const mirrored = [...new Set([...planImages(args.airgapped), ...(args.rendered?.mirrored ?? [])])];
  const upstream = [...planImages(args.online), ...Object.values(IMAGES), ...(args.rendered?.upstream ?? [])];
  const { images, unresolved } = pairImages(mirrored, upstream, args.mirror);
  return {
    k3s: { version: args.k3sVersion, files: k3sFiles(args.k3sVersion) },
    charts: planCharts(args.airgapped, args.online),
    images,
    preload: preloadImages(images, args.online),
    unresolved,
  };
}

/**
 * The spawn path's images: the notebook servers' image as the online plan's hub release sets it (a stack's
 * own singleUserImage included) and the Spark image. Edge runs no image pre-puller (fixed nodes): these
 * archives are how the first server on each Pi starts without a multi-GB pull.
 */
export function preloadImages(images: ImageEntry[], online: Plan): ImageEntry[] {
  const hub = online.resources.find((r) => HELM_RELEASE_TYPES.includes(r.type) && r.name === "jupyterhub");
  const su = (hub?.inputs.values as any)?.singleuser?.image;
  const wanted = new Set<string>([IMAGES.sparkJobs]);
  if (su && typeof su.name === "string" && su.tag !== undefined) wanted.add(`${su.name}:${su.tag}`);
  return images.filter((i) => wanted.has(i.source));
}

/** File name of an image archive in the bundle. */
export const archiveName = (target: string, mirror: string): string =>
  `${target.slice(mirror.length + 1).replace(/[/:@]/g, "_")}.tar`;

/** Runs the offline plan for the edge stack (exit 1, policy violations, still prints the plan). */
export function runPlan(stack: string, config: Record<string, string>): Plan {
  const args = ["run", "--silent", "plan", "--", "--stack", stack, "--json"];
  for (const [k, v] of Object.entries(config)) args.push("--config", `${k}=${v}`);
  const res = spawnSync("npm", args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (res.status !== 0 && res.status !== 1) {
    throw new Error(`npm ${args.join(" ")} exited ${res.status}: ${res.stderr.trim().split("\n").pop()}`);
  }
  return JSON.parse(res.stdout) as Plan;
}

async function download(url: string, dest: string): Promise<Buffer> {
  const res = await fetch(url, { redirect: "follow" });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, body);
  return body;
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

async function downloadK3s(manifest: BundleManifest, dir: string): Promise<void> {
  const sums = (
    await (await fetch(manifest.k3s.files[0].url.replace(/k3s-arm64$/, "sha256sum-arm64.txt"))).text()
  )
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 2);
  for (const f of manifest.k3s.files) {
    const body = await download(f.url, path.join(dir, f.name));
    // sha256sum-arm64.txt names the binary "k3s-arm64" and the archive by its own name.
    const want = sums.find(([, name]) => name === f.name)?.[0];
    if (want && want !== sha256(body))
      throw new Error(`${f.name}: sha256 ${sha256(body)} != published ${want}`);
    console.log(`  k3s/${f.name} ${want ? "sha256 verified" : "(no published checksum)"}`);
  }
  fs.chmodSync(path.join(dir, "k3s-arm64"), 0o755);
}

async function downloadCharts(charts: ChartEntry[], dir: string): Promise<void> {
  const indexes = new Map<string, any>();
  for (const c of charts.filter((x) => x.repo && x.archive)) {
    const repo = c.repo!.replace(/\/?$/, "/");
    if (!indexes.has(repo)) indexes.set(repo, yaml.load(await (await fetch(`${repo}index.yaml`)).text()));
    const entry = (indexes.get(repo)?.entries?.[c.chart] ?? []).find((e: any) => e.version === c.version);
    if (!entry) throw new Error(`${repo}index.yaml has no ${c.chart} ${c.version}`);
    const body = await download(new URL(entry.urls[0], repo).toString(), path.join(dir, c.archive!));
    if (entry.digest && entry.digest !== sha256(body)) throw new Error(`${c.archive}: digest mismatch`);
    console.log(`  charts/${c.archive} ${entry.digest ? "digest verified" : ""}`);
  }
}

const onPath = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Images the charts themselves reference, from `helm template` with the plan's values. */
function renderImages(plan: Plan, chartsDir: string, charts: ChartEntry[]): string[] {
  const found = new Set<string>();
  for (const r of plan.resources.filter((x) => HELM_RELEASE_TYPES.includes(x.type))) {
    const entry = charts.find((c) => c.release === r.name);
    const chartPath = entry?.archive ? path.join(chartsDir, entry.archive) : entry?.localDir;
    if (!chartPath) continue;
    const valuesFile = path.join(chartsDir, `.values-${r.name}.json`);
    fs.writeFileSync(valuesFile, JSON.stringify(r.inputs.values ?? {}));
    const ns = typeof r.inputs.namespace === "string" ? r.inputs.namespace : "default";
    const out = spawnSync("helm", ["template", r.name, chartPath, "-n", ns, "-f", valuesFile], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    fs.rmSync(valuesFile);
    if (out.status !== 0) throw new Error(`helm template ${r.name}: ${out.stderr.trim()}`);
    for (const doc of yaml.loadAll(out.stdout)) imagesIn(doc, found);
  }
  return [...found];
}

function saveImages(images: ImageEntry[], dir: string, mirror: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const push = [
    "#!/bin/sh",
    "# Run at the site: loads every saved image into the registry mirror.",
    "set -eu",
  ];
  push.push(`MIRROR="\${MIRROR:-${mirror}}"`, 'cd "$(dirname "$0")"');
  for (const img of images) {
    const file = archiveName(img.target, mirror);
    copyArm64(img.source, `oci-archive:${path.join(dir, file)}`, "");
    push.push(`skopeo copy oci-archive:${file} "docker://$MIRROR/${img.target.slice(mirror.length + 1)}"`);
  }
  fs.writeFileSync(path.join(dir, "push-to-mirror.sh"), push.join("\n") + "\n", { mode: 0o755 });
}

/** Copies the arm64 linux variant of `source` to a skopeo destination (an archive); throws naming it. */
function copyArm64(source: string, destination: string, what: string): void {
  const res = spawnSync(
    "skopeo",
    ["copy", "--override-arch", "arm64", "--override-os", "linux", `docker://${source}`, destination],
    { stdio: "inherit" },
  );
  if (res.status !== 0) throw new Error(`skopeo copy ${source}${what} failed`);
}

/** docker-archive tarballs named as the pods reference them, for ansible-pi to place in k3s's images dir. */
function savePreload(images: ImageEntry[], dir: string, mirror: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const img of images) {
    const file = path.join(dir, archiveName(img.target, mirror));
    copyArm64(img.source, `docker-archive:${file}:${img.target}`, " (preload)");
    console.log(`  k3s/images/${path.basename(file)} (preloaded as ${img.target})`);
  }
}

interface CliArgs {
  mirror: string;
  out: string;
  download: boolean;
  strict: boolean;
  plan?: string;
  plainPlan?: string;
}

export function parseCli(argv: string[]): CliArgs {
  const args: CliArgs = { mirror: "", out: path.join(REPO_ROOT, "bundle"), download: false, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--mirror") args.mirror = next();
    else if (a === "--out") args.out = path.resolve(next());
    else if (a === "--plan") args.plan = path.resolve(next());
    else if (a === "--plain-plan") args.plainPlan = path.resolve(next());
    else if (a === "--download") args.download = true;
    else if (a === "--strict") args.strict = true;
    else throw new Error(`unknown argument ${JSON.stringify(a)}`);
  }
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(args.mirror)) throw new Error("--mirror host[:port] is required");
  if (Boolean(args.plan) !== Boolean(args.plainPlan)) throw new Error("--plan and --plain-plan go together");
  return args;
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  const k3sVersion = readK3sVersion();
  const readPlan = (f: string): Plan => JSON.parse(fs.readFileSync(f, "utf8")) as Plan;
  const airgapped = args.plan
    ? readPlan(args.plan)
    : runPlan("edge", { airGapped: "true", registryMirror: args.mirror });
  const online = args.plainPlan ? readPlan(args.plainPlan) : runPlan("edge", {});
  let manifest = buildManifest({ airgapped, online, mirror: args.mirror, k3sVersion });
  fs.mkdirSync(args.out, { recursive: true });
  if (args.download) {
    console.log(`downloading into ${args.out}`);
    await downloadK3s(manifest, path.join(args.out, "k3s"));
    await downloadCharts(manifest.charts, path.join(args.out, "charts"));
    if (onPath("helm")) {
      const chartsDir = path.join(args.out, "charts");
      const rendered = {
        mirrored: renderImages(airgapped, chartsDir, manifest.charts),
        upstream: renderImages(online, chartsDir, manifest.charts),
      };
      manifest = buildManifest({ airgapped, online, mirror: args.mirror, k3sVersion, rendered });
    } else console.log("  helm not on PATH: images the charts set internally are not listed");
    if (onPath("skopeo")) {
      saveImages(manifest.images, path.join(args.out, "images"), args.mirror);
      savePreload(manifest.preload, path.join(args.out, "k3s", "images"), args.mirror);
    } else console.log("  skopeo not on PATH: images.txt lists what to copy into the mirror");
  }
  fs.writeFileSync(path.join(args.out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  fs.writeFileSync(
    path.join(args.out, "images.txt"),
    manifest.images.map((i) => `${i.source} ${i.target}`).join("\n") + "\n",
  );
  console.log(
    `k3s ${manifest.k3s.version}, ${manifest.charts.length} charts, ${manifest.images.length} images -> ${args.out}`,
  );
  if (manifest.unresolved.length) {
    console.error(`no upstream source for: ${manifest.unresolved.join(", ")}`);
    if (args.strict) process.exit(1);
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`airgap-bundle: ${e.message}`);
    process.exit(2);
  });
}
