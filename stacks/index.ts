/**
 * Entry point for `pulumi up` / `pulumi preview`: reads and validates config once, then runs the target's
 * stack. A config mistake ends the run with one line naming the key, not a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config";
import { runStack } from "./program";

export = async () => {
  let cfg;
  try {
    cfg = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  return runStack(cfg);
};
