/**
 * Runs the Pulumi program offline, under the SDK's mock runtime, and records every resource it registers.
 *
 * Used by the tests (through tests/harness.ts) and by `npm run plan`: both evaluate exactly the program
 * `pulumi up` runs, with a stack's Pulumi.<stack>.yaml, no cloud account, no Pulumi CLI and no network.
 */
import "./sdk-load"; // before @pulumi/pulumi: see the file
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, PlatformConfig, PROJECT, RawConfig } from "../../stacks/config";
import { decodeInputs } from "./decode";
import { mockCall, mockResource } from "./mock-outputs";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** One registered resource, as the plan prints it and the policies see it. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:rds/instance:Instance`. */
  type: string;
  name: string;
  urn: string;
  /** Name of the parent resource; undefined for resources directly under the stack. */
  parent?: string;
  parentUrn?: string;
  /** Custom (provider-managed) resource, as opposed to a component. */
  custom: boolean;
  /** Remote component (e.g. `eks:index:Cluster`, Helm v4 `Chart`): opaque under mocks. */
  remote: boolean;
  /** Inputs with their real values (secrets unwrapped): for assertions and policies. */
  inputs: Record<string, any>;
  /** Inputs for display: secrets shown as "[secret]", resource references as their URN. */
  displayInputs: Record<string, any>;
  protect: boolean;
  retainOnDelete: boolean;
  /** URN of the explicit provider, if any. */
  provider?: string;
  /** Package -> provider reference given to a component (what a remote component such as eks.Cluster gets). */
  providers?: Record<string, string>;
  dependencies: string[];
}

export interface ProgramRun {
  project: string;
  stack: string;
  config: PlatformConfig;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

/** Converts a stack file's config section to the strings Pulumi hands a program. */
function stackFileConfig(file: string): RawConfig {
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  if (!fs.existsSync(file)) return { values, secretKeys };
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
    const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      // Encrypted with the stack's secrets provider, which needs the Pulumi CLI: plan with a stand-in.
      values[key] = `offline-placeholder-for-${key}`;
      secretKeys.add(key);
    } else {
      values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { values, secretKeys };
}

export interface RunOptions {
  stack: string;
  /** `key=value` overrides as given to `--config` (the key with or without `datavis:`). */
  overrides?: Record<string, string>;
  /** Keys of `overrides` to treat as set with `--secret`. */
  secretOverrides?: string[];
  /** Use this file instead of Pulumi.<stack>.yaml (tests). */
  stackFile?: string;
}

/** Reads Pulumi.<stack>.yaml plus overrides into the raw form `parseConfig` validates. */
export function readRawConfig(opts: RunOptions): RawConfig {
  const file = opts.stackFile ?? path.join(REPO_ROOT, `Pulumi.${opts.stack}.yaml`);
  const raw = stackFileConfig(file);
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    const key = k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k;
    raw.values[key] = v;
    if (opts.secretOverrides?.includes(k)) raw.secretKeys.add(key);
    // A secret value overridden on the command line stays a secret, as `pulumi config set --secret` would.
  }
  return raw;
}

let running = false;

/**
 * Validates the stack's config (throwing ConfigError before anything is registered), then evaluates the
 * program under mocks and returns every resource it registered, in order.
 */
export async function runOffline(opts: RunOptions): Promise<ProgramRun> {
  if (running) throw new Error("runOffline: one program evaluation at a time");
  running = true;
  try {
    const raw = readRawConfig(opts);
    const cfg = parseConfig(raw, opts.stack);
    return await evaluate(opts.stack, raw, cfg);
  } finally {
    running = false;
  }
}

async function evaluate(stack: string, raw: RawConfig, cfg: PlatformConfig): Promise<ProgramRun> {
  const fullConfig: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.values)) fullConfig[k.includes(":") ? k : `${PROJECT}:${k}`] = v;
  const secretKeys = [...raw.secretKeys].map((k) => (k.includes(":") ? k : `${PROJECT}:${k}`));
  const { runStack } = await import("../../stacks/program");
  const { resources, outputs } = await recordProgram(() => runStack(cfg), {
    stack,
    mocks: { newResource: (args) => mockResource(args, cfg), call: (args) => mockCall(args, cfg) },
    config: fullConfig,
    secretKeys,
  });
  return { project: PROJECT, stack, config: cfg, resources, outputs };
}

/**
 * Runs `program` as a Pulumi stack under `mocks` and records every resource it registers, in order
 * (the stack resource itself excluded). Shared by the plan, the tests and the policy fixtures.
 */
export async function recordProgram(
  program: () => Promise<unknown> | unknown,
  opts: {
    stack: string;
    mocks: pulumi.runtime.Mocks;
    config?: Record<string, string>;
    secretKeys?: string[];
  },
): Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }> {
  const resources: RecordedResource[] = [];
  const nameByUrn = new Map<string, string>();
  await pulumi.runtime.setMocks(opts.mocks, PROJECT, opts.stack, true);
  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);

  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  let stackUrn: string | undefined;
  monitor.registerResource = (req: any, callback: any) => {
    const type: string = req.getType();
    const name: string = req.getName();
    const parentUrn: string = req.getParent();
    const urn: string = monitor.newUrn(parentUrn, type, name);
    if (type === "pulumi:pulumi:Stack") {
      stackUrn = urn;
    } else {
      const [inputs, displayInputs] = decodeInputs(req.getObject());
      nameByUrn.set(urn, name);
      resources.push({
        type,
        name,
        urn,
        parentUrn: parentUrn && parentUrn !== stackUrn ? parentUrn : undefined,
        custom: req.getCustom(),
        remote: req.getRemote(),
        inputs,
        displayInputs,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        provider: req.getProvider() || undefined,
        providers: Object.fromEntries(req.getProvidersMap().toArray()),
        dependencies: req.getDependenciesList(),
      });
    }
    return register(req, callback);
  };

  const outputs = (await pulumi.runtime.runInPulumiStack(async () => (await program()) ?? {})) ?? {};
  await (pulumi.runtime as any).waitForRPCs();
  for (const r of resources) r.parent = r.parentUrn ? nameByUrn.get(r.parentUrn) : undefined;
  return { resources, outputs: outputs as Record<string, unknown> };
}

export { ConfigError };
