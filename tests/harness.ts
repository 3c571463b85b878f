/**
 * Mock harness for the tests: evaluates the real program for a stack (its Pulumi.<stack>.yaml plus
 * overrides) under `pulumi.runtime.setMocks`, and returns every resource it registered with its type,
 * name, parent, inputs and options. Runs are cached by their arguments: a stack evaluated by one test is
 * not evaluated again by the next.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import {
  ConfigError,
  runOffline,
  type ProgramRun,
  type RecordedResource,
  type RunOptions,
} from "../tools/plan/offline";

export type { ProgramRun, RecordedResource };

const cache = new Map<string, Promise<ProgramRun>>();
let queue: Promise<unknown> = Promise.resolve();

/** Evaluates the program for `stack` with `overrides` (keys with or without `datavis:`). */
export function runStack(
  stack: string,
  overrides: Record<string, string> = {},
  extra: Partial<RunOptions> = {},
): Promise<ProgramRun> {
  const key = JSON.stringify([stack, overrides, extra]);
  let run = cache.get(key);
  if (!run) {
    // The SDK's runtime is process-global: evaluations run one after another.
    run = queue.then(() => runOffline({ stack, overrides, ...extra }));
    queue = run.catch(() => undefined);
    cache.set(key, run);
  }
  return run;
}

/** The ConfigError the program raises for this config (fails the test if it raises none). */
export async function configError(
  stack: string,
  overrides: Record<string, string>,
  extra: Partial<RunOptions> = {},
): Promise<ConfigError> {
  try {
    await runOffline({ stack, overrides, ...extra });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected a config error for ${JSON.stringify(overrides)}, but the program ran`);
}

export function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The single resource of `type` (optionally with `name`); fails if there is not exactly one. */
export function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
  expect(
    found,
    `${type}${name ? ` named ${name}` : ""}: ${found.map((r) => r.name).join(", ")}`,
  ).to.have.lengthOf(1);
  return found[0];
}

/** Helm releases by release name. */
export function releases(run: ProgramRun): Map<string, RecordedResource> {
  return new Map(
    ofType(run, "kubernetes:helm.sh/v3:Release").map((r) => [String(r.inputs.name ?? r.name), r]),
  );
}

/** The values a Helm release passes to its chart. */
export function releaseValues(run: ProgramRun, releaseName: string): any {
  const r = releases(run).get(releaseName);
  expect(r, `helm release ${releaseName}; have ${[...releases(run).keys()].join(", ")}`).to.exist;
  return r!.inputs.values ?? {};
}

/** Runs `npm run plan -- <args>` as a user would (a fresh process, no cloud credentials). */
export function planCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/plan/plan.ts", ...args], {
    cwd: path.resolve(__dirname, ".."),
    encoding: "utf8",
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_PROFILE: "",
      PULUMI_ACCESS_TOKEN: "",
    },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
