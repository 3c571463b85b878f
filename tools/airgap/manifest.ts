/**
 * What the air-gap bundle holds, worked out from two edge plans (air-gapped and online) without touching the
 * network: the Helm charts, every image paired with its upstream source, the k3s release files and the
 * images preloaded into k3s. tools/airgap/bundle.ts is the command that runs the plans and writes it.
 */
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
