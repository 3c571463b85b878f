/**
 * Shared by the tests/platform-notebooks-*.test.ts files: readers of the JupyterHub release's values and
 * the stack settings several of them evaluate.
 */
import { one, releaseValues, type ProgramRun } from "../harness";

export const HUB = "jupyterhub";

export const hub = (run: ProgramRun) => releaseValues(run, HUB);

export const byName = (run: ProgramRun, type: string, name: string) => one(run, type, name).inputs;

export const envOf = (run: ProgramRun) => hub(run).singleuser.extraEnv as Record<string, any>;

export const GOOGLE = {
  authProvider: "google",
  authAllowedDomains: '["example.edu"]',
  authAllowedOrganizations: "[]",
  // dev's class maps a GitHub team; with Google sign-in students are listed by name (no groups).
  tenants: JSON.stringify([{ name: "stats-101", members: ["student-a"] }]),
};

export const ENTRA = { authProvider: "entra", authEntraTenantId: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0" };

export const MAINTENANCE = {
  maintenanceMode: "true",
  maintenanceMessage: "Upgrading the database until 10:00 UTC",
};

export const TUNED = {
  cullIdleMinutes: "30",
  notebookStorageGi: "25",
  notebookBackupRetentionDays: "14",
  activityLogRetentionDays: "400",
  singleUserImage: "registry.example.org/data/singleuser:2026.01.05",
};

export const AIR_GAPPED = {
  airGapped: "true",
  registryMirror: "registry.lab.local:5000",
  notebookPackageIndex: "http://pypi.lab.internal:3141/root/pypi/+simple/",
};
