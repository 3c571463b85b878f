/**
 * The online half of the air-gap bundle (`bundle.ts --download`): fetches the k3s release and the chart
 * archives with their published checksums, renders the charts with `helm template` for the images they set
 * themselves, and saves arm64 images with `skopeo`.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
  archiveName,
  HELM_RELEASE_TYPES,
  imagesIn,
  type BundleManifest,
  type ChartEntry,
  type ImageEntry,
  type Plan,
} from "./manifest";

async function download(url: string, dest: string): Promise<Buffer> {
  const res = await fetch(url, { redirect: "follow" });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, body);
  return body;
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

export async function downloadK3s(manifest: BundleManifest, dir: string): Promise<void> {
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

export async function downloadCharts(charts: ChartEntry[], dir: string): Promise<void> {
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

export const onPath = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Images the charts themselves reference, from `helm template` with the plan's values. */
export function renderImages(plan: Plan, chartsDir: string, charts: ChartEntry[]): string[] {
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

export function saveImages(images: ImageEntry[], dir: string, mirror: string): void {
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
export function savePreload(images: ImageEntry[], dir: string, mirror: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const img of images) {
    const file = path.join(dir, archiveName(img.target, mirror));
    copyArm64(img.source, `docker-archive:${file}:${img.target}`, " (preload)");
    console.log(`  k3s/images/${path.basename(file)} (preloaded as ${img.target})`);
  }
}
