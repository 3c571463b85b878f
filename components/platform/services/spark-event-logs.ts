/**
 * Event logs (what the Spark history reads): each example writes them under its tenant's prefix of the
 * Spark bucket, and its driver first creates that directory.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { helperResources, localSparkSubmit, RESTRICTED_CONTAINER } from "./spark-submit";

/**
 * Spark refuses to start when `spark.eventLog.dir` does not exist, and an S3 prefix with no object in it
 * does not. The example drivers run this first (an init container, same image, identity and S3 settings,
 * event logs off) to create the directory marker; it is idempotent. Tested with pyspark in the data suite.
 */
export const ENSURE_EVENT_LOG_DIR_FILE = "ensure_event_log_dir.py";
export const ENSURE_EVENT_LOG_DIR_PY = fs.readFileSync(
  path.join(__dirname, ENSURE_EVENT_LOG_DIR_FILE),
  "utf8",
);

/** spark-submit arguments of the init container that creates `eventLogDir` before the driver starts. */
export function ensureEventLogDirCommand(
  eventLogDir: pulumi.Input<string>,
  conf: Record<string, pulumi.Input<string>>,
): pulumi.Output<string[]> {
  return localSparkSubmit(ENSURE_EVENT_LOG_DIR_FILE, [eventLogDir], conf, {});
}

/** The driver's init container that creates `eventLogDir` with the driver's own image, identity and env. */
export function ensureEventLogDirContainer(a: {
  image: string;
  eventLogDir: pulumi.Input<string>;
  conf: Record<string, pulumi.Input<string>>;
  env: Record<string, unknown>[];
  envFrom: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
  small: boolean;
}) {
  return {
    name: "ensure-event-log-dir",
    image: a.image,
    command: ensureEventLogDirCommand(a.eventLogDir, a.conf),
    env: a.env,
    envFrom: a.envFrom,
    volumeMounts: a.volumeMounts,
    securityContext: RESTRICTED_CONTAINER,
    resources: helperResources(a.small),
  };
}
