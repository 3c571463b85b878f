/**
 * Runs the Pulumi program offline, under the SDK's mock runtime, and records every resource it registers.
 *
 * Used by the tests (through tests/harness.ts) and by `npm run plan`: both evaluate exactly the program
 * `pulumi up` runs, with a stack's Pulumi.<stack>.yaml, no cloud account, no Pulumi CLI and no network.
 */
import { sortedCopy, STRUCT_JS } from "./sdk-load"; // before @pulumi/pulumi: see the file
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, PlatformConfig, PROJECT, RawConfig } from "../../stacks/config";
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

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const SPECIAL_SIG = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A value decoded twice over: as the program gave it (secrets unwrapped) and for display. */
type Decoded = [value: any, display: any];

// google.protobuf.Value's kind (struct.proto): the field numbers of its `oneof kind`.
const NULL_VALUE = 1;
const NUMBER_VALUE = 2;
const STRING_VALUE = 3;
const BOOL_VALUE = 4;
const STRUCT_VALUE = 5;
const LIST_VALUE = 6;

/**
 * Turns the registered inputs, as the SDK serialized them into a protobuf Struct, into plain values and
 * their display form (secrets "[secret]", unknowns "[unknown]", resource references as their URN) in one
 * walk: the same result as `Struct.toJavaScript()` followed by a decode for each form, at a third of the
 * allocation, which is most of what the offline runtime adds to each resource the SDK registers.
 */
function decodeValue(v: any): Decoded {
  switch (v.getKindCase()) {
    case NULL_VALUE:
      return [null, null];
    case NUMBER_VALUE: {
      const n = v.getNumberValue();
      return [n, n];
    }
    case STRING_VALUE: {
      const s = v.getStringValue();
      return s === UNKNOWN ? [undefined, "[unknown]"] : [s, s];
    }
    case BOOL_VALUE: {
      const b = v.getBoolValue();
      return [b, b];
    }
    case STRUCT_VALUE:
      return decodeStruct(v.getStructValue());
    case LIST_VALUE: {
      const value: any[] = [];
      const display: any[] = [];
      for (const x of v.getListValue().getValuesList()) {
        const [a, b] = decodeValue(x);
        value.push(a);
        display.push(b);
      }
      return [value, display];
    }
    default:
      throw new Error("offline: unexpected protobuf Value kind");
  }
}

function decodeStruct(s: any): Decoded {
  const fields = s.getFieldsMap();
  const sig = fields.get(SPECIAL_SIG);
  if (sig && sig.getKindCase() === STRING_VALUE) {
    switch (sig.getStringValue()) {
      case SECRET_SIG: {
        const inner = fields.get("value");
        return [inner ? decodeValue(inner)[0] : undefined, "[secret]"];
      }
      case RESOURCE_SIG: {
        const urn = fields.get("urn")?.toJavaScript();
        return [urn, urn];
      }
      case ASSET_SIG:
      case ARCHIVE_SIG: {
        const o = s.toJavaScript();
        return [o, `[asset ${o.path ?? o.uri ?? "inline"}]`];
      }
    }
  }
  const value: Record<string, any> = {};
  const display: Record<string, any> = {};
  fields.forEach((x: any, k: string) => {
    const [a, b] = decodeValue(x);
    value[k] = a;
    display[k] = b;
  });
  return [value, display];
}

/**
 * decodeValue for the JavaScript value a lazy Struct stands for (sdk-load.ts): the same result, read
 * from the value the SDK serialized instead of from protobuf messages built from it.
 */
function decodeJs(v: unknown): Decoded {
  if (v === null) return [null, null];
  if (typeof v === "string") return v === UNKNOWN ? [undefined, "[unknown]"] : [v, v];
  if (typeof v === "number" || typeof v === "boolean") return [v, v];
  if (Array.isArray(v)) {
    const value: any[] = [];
    const display: any[] = [];
    for (const x of v) {
      const [a, b] = decodeJs(x);
      value.push(a);
      display.push(b);
    }
    return [value, display];
  }
  if (typeof v === "object") return decodeJsObject(v as Record<string, unknown>);
  throw new Error("offline: unexpected value in a registration");
}

/** decodeStruct for a JavaScript object: fields in protobuf's (sorted) order. */
function decodeJsObject(o: Record<string, unknown>): Decoded {
  switch (typeof o[SPECIAL_SIG] === "string" ? o[SPECIAL_SIG] : undefined) {
    case SECRET_SIG:
      return [o.value === undefined ? undefined : decodeJs(o.value)[0], "[secret]"];
    case RESOURCE_SIG: {
      const urn = o.urn === undefined ? undefined : sortedCopy(o.urn);
      return [urn, urn];
    }
    case ASSET_SIG:
    case ARCHIVE_SIG: {
      const a = sortedCopy(o) as Record<string, any>;
      return [a, `[asset ${a.path ?? a.uri ?? "inline"}]`];
    }
  }
  const value: Record<string, any> = {};
  const display: Record<string, any> = {};
  for (const k of Object.keys(o).sort()) {
    const [a, b] = decodeJs(o[k]);
    value[k] = a;
    display[k] = b;
  }
  return [value, display];
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
      const struct = req.getObject();
      const js = struct?.[STRUCT_JS];
      const [inputs, displayInputs]: Decoded = !struct
        ? [{}, {}]
        : js !== undefined
          ? decodeJsObject(js)
          : decodeStruct(struct);
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
