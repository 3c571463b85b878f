/**
 * Notebook profiles sized for the nodes they must land on. A profile whose guarantee exceeds every node's
 * allocatable memory can never start (KubeSpawner's pod stays Pending until the spawn times out), so the
 * sizes are derived from the largest node a target has, and a size that fits no node is a config error.
 */
import { NOTEBOOK_SIZING_DEFAULTS, type NotebookSizing, type ServerSize } from "./hub-values";

import type { NodeAllocatable } from "../../shared/inputs";

export type { NodeAllocatable } from "../../shared/inputs";

/** Bytes per unit of KubeSpawner's byte strings: K, M, G, T are powers of 1024 (jupyterhub.traitlets.ByteSpecification). */
const UNIT: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

/** MiB of a KubeSpawner memory string ("512M", "4G"). */
export function memoryStringMi(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT])$/.exec(s);
  if (!m) throw new Error(`not a KubeSpawner memory size: ${s}`);
  return Number(m[1]) * UNIT[m[2]];
}

/**
 * Share of the largest node each profile may guarantee and use: the rest is for the node's DaemonSets and
 * the platform's own pods. Small stays cheap; Spark (local mode) gets the most.
 */
const SHARE = {
  small: { mem: 0.25, memLimit: 0.5, cpu: 0.15, cpuLimit: 0.5 },
  large: { mem: 0.45, memLimit: 0.8, cpu: 0.25, cpuLimit: 1 },
  spark: { mem: 0.55, memLimit: 0.9, cpu: 0.5, cpuLimit: 1 },
} as const;

/**
 * The default profiles, each shrunk (never grown) to its share of the largest node: on nodes of 16 GiB and
 * more they are NOTEBOOK_SIZING_DEFAULTS unchanged; on a 4 GB Raspberry Pi every profile still fits.
 */
export function notebookSizingFor(largestNode: NodeAllocatable): NotebookSizing {
  const fit = (name: keyof NotebookSizing): ServerSize => {
    const d = NOTEBOOK_SIZING_DEFAULTS[name];
    const s = SHARE[name];
    const mi = (x: number) => `${Math.floor(x)}M`;
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      cpuGuarantee: round(Math.min(d.cpuGuarantee, largestNode.cpuCores * s.cpu)),
      cpuLimit: round(Math.min(d.cpuLimit, largestNode.cpuCores * s.cpuLimit)),
      memGuarantee:
        memoryStringMi(d.memGuarantee) <= largestNode.memoryMi * s.mem
          ? d.memGuarantee
          : mi(largestNode.memoryMi * s.mem),
      memLimit:
        memoryStringMi(d.memLimit) <= largestNode.memoryMi * s.memLimit
          ? d.memLimit
          : mi(largestNode.memoryMi * s.memLimit),
    };
  };
  return { small: fit("small"), large: fit("large"), spark: fit("spark") };
}

/** Profiles whose guarantee no node can hold (each with what it asks), for the config check. */
export function profilesThatFitNoNode(
  sizing: NotebookSizing,
  largestNode: NodeAllocatable,
): { profile: keyof NotebookSizing; memGuarantee: string; cpuGuarantee: number }[] {
  return (Object.keys(sizing) as (keyof NotebookSizing)[])
    .filter(
      (p) =>
        memoryStringMi(sizing[p].memGuarantee) > largestNode.memoryMi ||
        sizing[p].cpuGuarantee > largestNode.cpuCores,
    )
    .map((p) => ({ profile: p, memGuarantee: sizing[p].memGuarantee, cpuGuarantee: sizing[p].cpuGuarantee }));
}
