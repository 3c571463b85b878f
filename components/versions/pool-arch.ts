/**
 * Which pinned images run on which AWS node pool, and which of them are not published for a pool's CPU
 * architecture: a Graviton (arm64) pool refuses to start as soon as one of its images lacks an arm64 build
 * (the node pulls the manifest list, finds no linux/arm64 entry and the pod stays in ErrImagePull).
 * The config rules (stacks/config/rules.ts) refuse such a pool before anything is registered.
 */
import type { Arch } from "./matrix";
import { pinnedMatrix, type VersionMatrix } from "./gate";

export type AwsPool = "system" | "notebooks" | "spark";

/** Images the platform pins itself, by the pools their pods may land on (IMAGES keys). */
const IMAGE_POOLS: Record<string, AwsPool[]> = {
  // The single-user server and the notebook backups run on notebook nodes only.
  singleuser: ["notebooks"],
  // SparkApplications run on the Spark pool; the sample-data Job runs on the system pool.
  sparkJobs: ["spark", "system"],
  spark: ["spark", "system"],
};

/** Charts whose images also run on a dedicated pool (z2jh's placeholders and image pullers on notebooks). */
const CHART_POOLS: Record<string, AwsPool[]> = { jupyterhub: ["system", "notebooks"] };

export interface PoolImage {
  /** `IMAGES.<key>` or the chart name. */
  component: string;
  ref: string;
  arches: Arch[];
}

/** Every image an AWS pool runs: the AWS charts' images and the pinned images (default: the system pool). */
export function poolImages(pool: AwsPool, m: VersionMatrix = pinnedMatrix()): PoolImage[] {
  const out: PoolImage[] = [];
  for (const c of m.charts) {
    if (!c.facts?.targets.includes("aws")) continue;
    if (!(CHART_POOLS[c.key] ?? ["system"]).includes(pool)) continue;
    for (const img of c.facts.images) out.push({ component: c.chart, ref: img.ref, arches: img.arches });
  }
  for (const img of m.images) {
    if (!img.targets.includes("aws")) continue;
    if (!(IMAGE_POOLS[img.key] ?? ["system"]).includes(pool)) continue;
    out.push({ component: `IMAGES.${img.key}`, ref: img.ref, arches: img.arches });
  }
  return out;
}

/** The images of `pool` that are not published for `arch` (empty: the pool can run that architecture). */
export function imagesWithoutArch(
  pool: AwsPool,
  arch: "amd64" | "arm64",
  m: VersionMatrix = pinnedMatrix(),
): PoolImage[] {
  return poolImages(pool, m).filter((i) => !i.arches.includes(arch));
}
