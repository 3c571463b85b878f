/**
 * Keys every target reads, second part: maintenance, retention, notebook servers, scheduled runs and the
 * estimates' load. Declaration order is validation order and the README's order.
 */
import { z } from "zod";
import { int, key, text, type KeyDef } from "./kit";
import { DNS_LABEL, usedTwice } from "./keys-platform";

export const REQUIRED_FIELD = "is required (a string)";
const required = { error: REQUIRED_FIELD };
const runName = (iss: { input?: unknown }) => `"${iss.input}" is not a DNS label of at most 30 characters`;

/** One run of charts/scheduled-notebooks; the chart's values schema checks the other fields at deploy. */
export const SCHEDULED_RUN = z.looseObject(
  {
    name: z
      .string(required)
      .min(1, required)
      .max(30, { error: runName })
      .regex(DNS_LABEL, { error: runName }),
    schedule: z
      .string(required)
      .min(1, required)
      .regex(/^(@(yearly|annually|monthly|weekly|daily|hourly)|\S+( \S+){4})$/, {
        error: (iss) => `"${iss.input}" is not a 5-field cron schedule or @daily-style macro`,
      }),
    source: z.string(required).min(1, required),
    notebook: z.string(required).min(1, required),
  },
  { error: "must be an object" },
);

const SCHEDULED_RUNS = z
  .array(SCHEDULED_RUN, {
    error: "must be a list of runs, e.g. [{name: daily-etl, schedule: '0 6 * * *', ...}]",
  })
  .superRefine((runs, ctx) => usedTwice(runs, ctx), { when: () => true });

const bool = () => z.boolean();

export const SETTINGS_KEYS: KeyDef[] = [
  key({
    key: "maintenanceMode",
    kind: "bool",
    schema: bool(),
    appliesTo: "all",
    default: false,
    doc: {
      default: "false",
      description: "read-only mode: homes read-only, servers restarted, scheduled runs paused",
    },
  }),
  key({
    key: "maintenanceMessage",
    kind: "text",
    schema: text(/^[^<>]{1,500}$/, "plain text (no < or >), at most 500 characters"),
    appliesTo: "all",
    default:
      "The platform is in read-only maintenance: notebooks and dashboards stay readable; new servers and scheduled runs are paused.",
    doc: { default: "(a generic notice)", description: "banner shown during maintenance" },
  }),
  key({
    key: "activityLogRetentionDays",
    kind: "int",
    schema: int(1, 3653),
    appliesTo: "all",
    default: 90,
    doc: { default: "90", description: "days JupyterHub's activity log is kept" },
  }),
  key({
    key: "notebookStorageGi",
    kind: "int",
    schema: int(1, 16384),
    appliesTo: "all",
    default: 10,
    doc: { default: "10", description: "per-user notebook volume size (GiB)" },
  }),
  key({
    key: "notebookBackupRetentionDays",
    kind: "int",
    schema: int(1, 3653),
    appliesTo: "all",
    default: (v) => (v.environment === "prod" ? 30 : 7),
    doc: { default: "7 (prod: 30)", description: "days notebook backups are kept" },
  }),
  key({
    key: "cullIdleMinutes",
    kind: "int",
    schema: int(5, 10080),
    appliesTo: "all",
    default: 60,
    doc: { default: "60", description: "idle notebook servers are stopped after this" },
  }),
  key({
    key: "singleUserImage",
    kind: "text",
    schema: text(
      /^[a-z0-9.-]+(:\d{1,5})?\/[a-z0-9._/-]+:(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/,
      "registry/path:tag with an exact tag (not latest), e.g. ghcr.io/my-org/singleuser:2026.01.05",
    ),
    appliesTo: "all",
    default: "",
    doc: {
      default: "(pinned in versions.ts)",
      description:
        "notebook server image, registry/path:tag: a build of images/singleuser (extras baked in, nothing installed at start)",
    },
  }),
  key({
    key: "notebookPackageIndex",
    kind: "text",
    schema: text(
      /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%+/-]*)?$/,
      "the URL of a PyPI simple index, e.g. https://pypi.lab.internal/simple",
    ),
    appliesTo: "all",
    default: "",
    doc: {
      default: "https://pypi.org/simple",
      description:
        "package index the default notebook image installs its hash-pinned extras from at start (a site's PyPI mirror)",
    },
  }),
  key({
    key: "activeUsers",
    kind: "int",
    schema: int(0, 100000),
    appliesTo: "all",
    default: 10,
    doc: { default: "10", description: "concurrent users, for the cost/capacity estimate" },
  }),
  key({
    key: "scheduledRuns",
    kind: "json",
    schema: SCHEDULED_RUNS,
    appliesTo: "all",
    default: [],
    keepInput: true,
    doc: {
      default: "[]",
      description: "Papermill runs: list of {name, schedule, source, notebook, parameters}",
    },
  }),
];
