/**
 * The notebook server profiles a user picks from (small, large, Spark) and their KubeSpawner entries.
 */

/** CPU (cores) and memory (bytes with a unit, `2G`) of one notebook server profile. */
export interface ServerSize {
  cpuGuarantee: number;
  cpuLimit: number;
  memGuarantee: string;
  memLimit: string;
}

/** The three profiles a user picks from when starting a server. */
export interface NotebookSizing {
  small: ServerSize;
  large: ServerSize;
  /** A server for Spark in local mode (driver and executors in the notebook's own pod). */
  spark: ServerSize;
}

/**
 * Default profiles: cheap by default (small is the default choice); large and Spark for real work.
 * A site with small nodes (4 GiB Raspberry Pis) passes smaller ones through PlatformArgs.notebookSizing.
 */
export const NOTEBOOK_SIZING_DEFAULTS: NotebookSizing = {
  small: { cpuGuarantee: 0.25, cpuLimit: 1, memGuarantee: "1G", memLimit: "2G" },
  large: { cpuGuarantee: 1, cpuLimit: 4, memGuarantee: "4G", memLimit: "8G" },
  spark: { cpuGuarantee: 2, cpuLimit: 4, memGuarantee: "6G", memLimit: "8G" },
};

/** One entry of singleuser.profileList: KubeSpawner overrides of the server's size (and Spark's cores). */
export const profile = (
  slug: string,
  name: string,
  description: string,
  s: ServerSize,
  isDefault = false,
) => ({
  display_name: name,
  slug,
  description,
  ...(isDefault ? { default: true } : {}),
  kubespawner_override: {
    cpu_guarantee: s.cpuGuarantee,
    cpu_limit: s.cpuLimit,
    mem_guarantee: s.memGuarantee,
    mem_limit: s.memLimit,
    ...(slug === "spark"
      ? {
          environment: {
            PYSPARK_SUBMIT_ARGS: `--master local[${Math.max(1, Math.floor(s.cpuLimit))}] pyspark-shell`,
          },
        }
      : {}),
  },
});
