/**
 * What a platform operator tunes about notebook servers, and the cheap, safe defaults.
 */
import type { SpawnLatencySettings } from "./spawn-latency";

/** What a platform operator tunes about notebook servers. */
export interface NotebookSettings {
  /** Size (GiB) of each user's home volume. */
  storageGi: number;
  /** Days the daily backups of home volumes (and noncurrent object versions) are kept. */
  backupRetentionDays: number;
  /** Idle servers are stopped after this many minutes. */
  cullIdleMinutes: number;
  /** Single-user image (registry/path:tag); empty means the pinned IMAGES.singleuser. */
  image: string;
  /** Read-only maintenance mode and the banner that says why. */
  maintenance: { enabled: boolean; message: string };
  /** Days the hub's activity log is kept. */
  activityLogRetentionDays: number;
  /** Scheduled Papermill runs (charts/scheduled-notebooks `runs`). */
  scheduledRuns: Record<string, unknown>[];
  /** Image pre-puller and user placeholders (autoscaled clusters); off when unset. */
  spawnLatency?: SpawnLatencySettings;
  /**
   * Install the notebook extras at pod start from this PyPI index (python-extras.ts): set for the default
   * image, which lacks them; unset for an image that carries them (images/singleuser).
   */
  pythonExtras?: { indexUrl: string };
}

/** Cheap, safe defaults: 10 GiB homes, a week of backups, idle servers stopped after an hour. */
export const NOTEBOOK_SETTINGS_DEFAULTS: NotebookSettings = {
  storageGi: 10,
  backupRetentionDays: 7,
  cullIdleMinutes: 60,
  image: "",
  maintenance: { enabled: false, message: "" },
  activityLogRetentionDays: 90,
  scheduledRuns: [],
};
