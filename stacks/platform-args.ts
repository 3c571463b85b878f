/**
 * The one place where the validated config meets the platform layer: config keys in, PlatformArgs out.
 * Both targets call it, so the platform is configured the same way on AWS and on edge.
 */
import type { PlatformArgs } from "../components/platform";
import { sizeProfile } from "../components/platform/services/sizing";
import { spawnLatencyFor } from "../components/platform/notebooks/spawn-latency";
import { DEFAULT_PACKAGE_INDEX } from "../components/platform/notebooks/python-extras";
import type { PlatformConfig } from "./config";

/** Everything of PlatformArgs that comes from config (the four target inputs come from the target). */
export type PlatformSettings = Omit<PlatformArgs, "cluster" | "database" | "objectStore" | "tls">;

export function platformSettings(cfg: PlatformConfig): PlatformSettings {
  return {
    domain: cfg.domain,
    tenants: cfg.tenants,
    signIn: cfg.auth,
    admins: cfg.admins,
    profile: sizeProfile(cfg),
    notebooks: {
      storageGi: cfg.notebookStorageGi,
      backupRetentionDays: cfg.notebookBackupRetentionDays,
      cullIdleMinutes: cfg.cullIdleMinutes,
      image: cfg.singleUserImage,
      maintenance: cfg.maintenance,
      activityLogRetentionDays: cfg.activityLogRetentionDays,
      scheduledRuns: cfg.scheduledRuns,
      // The default image lacks the notebook extras and installs them at start; an image of singleUserImage
      // (a build of images/singleuser) carries them. An air-gapped site without a mirror is refused in config.
      pythonExtras: cfg.singleUserImage
        ? undefined
        : { indexUrl: cfg.notebookPackageIndex || DEFAULT_PACKAGE_INDEX },
      // Autoscaled notebook nodes (AWS) only; edge nodes are fixed and preload their images.
      spawnLatency: cfg.aws
        ? spawnLatencyFor({
            prePuller: cfg.aws.notebookPrePuller,
            placeholders: cfg.aws.notebookPlaceholders,
            profile: cfg.aws.notebookPlaceholderProfile,
          })
        : undefined,
    },
  };
}
