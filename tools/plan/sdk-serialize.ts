/**
 * Plain input data serialized in one pass, on the SDK's microtask turns (item 5 of sdk-load.ts).
 *
 * `serializeProperty` (runtime/rpc.js, pinned @pulumi/pulumi 3.270.0, lines 330-545) is an async function
 * that walks a resource's inputs one value at a time: every object, array element and leaf is its own
 * async call, awaited in turn, with a context string built for it. Under a large program every resource
 * serializes at once, interleaved turn by turn (1000 tenants: 36,000 resources), so each of those frames
 * lives across many of the other resources' turns: at 1000 tenants most of them outlive a young-generation
 * collection and are copied and promoted, which is what made the garbage collector's share grow with the
 * class list (the SDK's serialization was 27 times more promoted bytes at 1000 tenants than at 100, for
 * 9.7 times the resources).
 *
 * A value made only of plain objects, arrays and primitives (what components pass for labels, specs and
 * Helm values) has no Output, Promise, resource or asset in it: its serialized form is a copy, and how many
 * turns the SDK takes for it depends only on its shape. Here it is copied at once and handed back after
 * exactly that many turns, one turn at a time (one continuation per turn, as the SDK's own chain), so
 * every other continuation keeps its place and resources register in the same order; anything else goes
 * through the SDK's code, which calls this one for each value inside it.
 *
 * Turns, from the SDK's code: a primitive, undefined or a function resolves at once (an async function
 * that returns without awaiting); each value an array or object awaits costs one turn after it resolves;
 * an object adds one more, for serializeProperty's `return await serializeAllKeys(...)`.
 */
import * as fs from "fs";
import * as path from "path";
import Module = require("module");
import { serializeContainer, serializeOutput } from "./sdk-output-values";
import { after, afterMaking } from "./sdk-turns";

const NOT_PLAIN = Symbol("not plain data");

/** Turns the SDK's serialization of the value last passed to `plainCopy` takes. */
let turns = 0;

/** The SDK's serialized form of `v` if `v` is plain data (adding its turns to `turns`), else NOT_PLAIN. */
function plainCopy(v: unknown): unknown {
  switch (typeof v) {
    case "undefined":
    case "boolean":
    case "number":
    case "string":
      return v;
    case "function":
      // serializeProperty drops functions.
      return undefined;
    case "object":
      break;
    default:
      // bigint, symbol: left to the SDK.
      return NOT_PLAIN;
  }
  if (v === null) return null;
  const proto = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return NOT_PLAIN;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const e = plainCopy(v[i]);
      if (e === NOT_PLAIN) return NOT_PLAIN;
      turns++;
      // Arrays keep their length: undefined elements become null, as in JSON.
      out.push(e === undefined ? null : e);
    }
    return out;
  }
  // Class instances (Output, resources, assets, the unknown sentinel, Promise) are the SDK's to handle.
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const keys = Object.keys(v);
  const out: Record<string, unknown> = {};
  turns++;
  for (const k of keys) {
    // `{ __pulumiOutput: true, ... }` and the like are what the SDK's isInstance checks recognize.
    if (k.startsWith("__pulumi")) return NOT_PLAIN;
    const e = plainCopy((v as Record<string, unknown>)[k]);
    if (e === NOT_PLAIN) return NOT_PLAIN;
    turns++;
    // Objects drop undefined values, as in JSON.
    if (e !== undefined) out[k] = e;
  }
  return out;
}

/** The promise the SDK's serializeProperty would return for `prop`, or undefined if `prop` is not plain data. */
export function serializePlain(prop: unknown): Promise<unknown> | undefined {
  turns = 0;
  const copy = plainCopy(prop);
  if (copy === NOT_PLAIN) return undefined;
  return after(copy, turns);
}

/** The head of serializeProperty in the pinned SDK's runtime/rpc.js. */
const SDK_HEAD = "async function serializeProperty(ctx, prop, dependentResources, opts) {\n";
/** The same function under another name, behind one that serializes plain data first. Every caller, the
 * SDK's own recursion included, reaches the new one. */
const OFFLINE_HEAD =
  "function serializeProperty(ctx, prop, dependentResources, opts) {\n" +
  "    const plain = module.offlineSerializePlain(prop);\n" +
  "    if (plain !== undefined) return plain;\n" +
  "    const output = module.offlineSerializeOutput(serializeProperty, prop, dependentResources, opts) ??\n" +
  "        module.offlineSerializeContainer(serializeProperty, prop, dependentResources, opts);\n" +
  "    return output !== undefined ? output : serializePropertyInSdk(ctx, prop, dependentResources, opts);\n" +
  "}\n" +
  "async function serializePropertyInSdk(ctx, prop, dependentResources, opts) {\n";

/**
 * Loads runtime/rpc.js with serializeProperty behind `serializePlain`. If the SDK's source differs from the
 * pinned one, rpc.js loads unchanged (same behaviour, only slower): tests/tools-runtime.test.ts checks
 * that the change applies.
 */
export function plainSerialization(sdkDir: string): void {
  const file = path.join(sdkDir, "runtime", "rpc.js");
  patchSdkSource(file, (source, module) => {
    const applies = source.split(SDK_HEAD).length === 2;
    module.offlineSerializePlain = serializePlain;
    module.offlineSerializeOutput = serializeOutput;
    module.offlineSerializeContainer = serializeContainer;
    module.exports.__offlinePlainSerialization = applies;
    return applies ? source.replace(SDK_HEAD, OFFLINE_HEAD) : source;
  });
}

/**
 * What the SDK's serializeFilteredProperties (runtime/rpc.js, lines 123-153) returns for `props` if every
 * accepted value is plain data, else undefined: the properties' serialized values and, for each property
 * with a value, its dependencies (none). That async function awaits each property's serialization in turn
 * (its turns, then one to resume) and returns: so many turns later this hands back the same pair, made
 * then. It serializes every resource's answer (the mock monitor's `serializeProperties` of the state the
 * mocks return) and the inputs of resources with no Output in them, one frame, Map and Set fewer each.
 */
export function serializePlainProperties(
  props: Record<string, unknown>,
  acceptKey: (k: string) => boolean,
): Promise<[Record<string, unknown>, Map<string, Set<unknown>>]> | undefined {
  const plain = plainProperties(props, acceptKey);
  if (!plain) return undefined;
  const [result, n] = plain;
  return afterMaking(() => [result, new Map(Object.keys(result).map((k) => [k, new Set()]))], n);
}

/** What the SDK's serializeProperties (rpc.js, lines 168-171: one more await, on the filtered
 * properties) returns for `props` if all of them are plain data, one turn later; else undefined. */
export function serializePlainResult(props: Record<string, unknown>): Promise<unknown> | undefined {
  const plain = plainProperties(props, () => true);
  return plain && afterMaking(() => plain[0], plain[1] + 1);
}

/** The serialized accepted properties of `props` and the turns the SDK takes for them, if all are plain. */
function plainProperties(
  props: Record<string, unknown>,
  acceptKey: (k: string) => boolean,
): [Record<string, unknown>, number] | undefined {
  const result: Record<string, unknown> = {};
  let total = 0;
  for (const k of Object.keys(props)) {
    if (!acceptKey(k)) continue;
    turns = 0;
    const v = plainCopy(props[k]);
    if (v === NOT_PLAIN) return undefined;
    total += turns + 1;
    if (v !== undefined) result[k] = v;
  }
  return [result, total];
}

/** The head of serializeProperties in the pinned SDK's runtime/rpc.js, and the same behind the one above. */
const PROPERTIES_HEAD = "async function serializeProperties(label, props, opts) {\n";
const OFFLINE_PROPERTIES_HEAD =
  "function serializeProperties(label, props, opts) {\n" +
  "    const plain = module.offlineSerializePlainResult(props);\n" +
  "    return plain !== undefined ? plain : serializePropertiesInSdk(label, props, opts);\n" +
  "}\n" +
  "async function serializePropertiesInSdk(label, props, opts) {\n";

/** The head of serializeFilteredProperties in the pinned SDK's runtime/rpc.js. */
const FILTERED_HEAD = "async function serializeFilteredProperties(label, props, acceptKey, opts) {\n";
/** The same function under another name, behind one that serializes plain properties first. */
const OFFLINE_FILTERED_HEAD =
  "function serializeFilteredProperties(label, props, acceptKey, opts) {\n" +
  "    const plain = module.offlineSerializePlainProperties(props, acceptKey);\n" +
  "    return plain !== undefined ? plain : serializeFilteredPropertiesInSdk(label, props, acceptKey, opts);\n" +
  "}\n" +
  "async function serializeFilteredPropertiesInSdk(label, props, acceptKey, opts) {\n";

/** Loads runtime/rpc.js with serializeFilteredProperties behind `serializePlainProperties`, if its head is
 * the pinned SDK's (tests/tools-sdk-turns.test.ts checks that it applies). */
export function plainPropertySerialization(sdkDir: string): void {
  patchSdkSource(path.join(sdkDir, "runtime", "rpc.js"), (source, module) => {
    const applies = source.split(FILTERED_HEAD).length === 2 && source.split(PROPERTIES_HEAD).length === 2;
    module.offlineSerializePlainProperties = serializePlainProperties;
    module.offlineSerializePlainResult = serializePlainResult;
    module.exports.__offlinePlainProperties = applies;
    return applies
      ? source.replace(FILTERED_HEAD, OFFLINE_FILTERED_HEAD).replace(PROPERTIES_HEAD, OFFLINE_PROPERTIES_HEAD)
      : source;
  });
}

/** Turns `output(v).promise()` takes for a value with no Output or Promise in it (output.js: an Output over
 * resolved promises, then `lifted` and getPromisedValue); tests/tools-runtime.test.ts checks it. */
export const OUTPUT_PROMISE_TURNS = 8;

/** A copy of `v` as output.js's outputRec makes it, if `v` is a primitive or an object whose values all
 * are (an alias: `{ type }`, `{ name, parent }`); else NOT_PLAIN. */
function flatCopy(v: unknown): unknown {
  if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) return v;
  if (typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const e = (v as Record<string, unknown>)[k];
    if (k.startsWith("__pulumi") || (e !== null && (typeof e === "object" || typeof e === "function")))
      return NOT_PLAIN;
    // outputRec keeps keys whose value is undefined.
    out[k] = e;
  }
  return out;
}

/**
 * `output(v).promise()` for the aliases prepareResource and mapAliasesForRequest resolve (runtime/resource.js
 * lines 356-359 and 849): most resources of the Kubernetes provider carry one or two aliases (`{ type }` of
 * an older API group), and each became an Output over five promises only to be awaited once. A primitive
 * or flat alias is copied and handed back after the same turns; anything else goes through output().
 */
export function outputPromise(v: unknown): Promise<unknown> {
  const copy = flatCopy(v);
  if (copy !== NOT_PLAIN) return after(copy, OUTPUT_PROMISE_TURNS);
  const { output } = require("@pulumi/pulumi/output") as {
    output(x: unknown): { promise(): Promise<unknown> };
  };
  return output(v).promise();
}

/** The alias resolutions in the pinned SDK's runtime/resource.js. */
const ALIAS_OUTPUTS = /await output_1\.output\((alias|a\.name|a\.type|a\.stack|a\.project)\)\.promise\(\)/g;

/** Loads runtime/resource.js with those five resolutions through `outputPromise`, if all five are found. */
export function plainAliases(sdkDir: string): void {
  patchSdkSource(path.join(sdkDir, "runtime", "resource.js"), (source, module) => {
    const applies = (source.match(ALIAS_OUTPUTS) ?? []).length === 5;
    module.offlineOutputPromise = outputPromise;
    module.exports.__offlinePlainAliases = applies;
    return applies ? source.replace(ALIAS_OUTPUTS, "await module.offlineOutputPromise($1)") : source;
  });
}

type Transform = (source: string, module: NodeModule & Record<string, any>) => string;
const transforms = new Map<string, Transform>();
const moduleCache = (Module as unknown as { _cache: Record<string, NodeModule> })._cache;

/**
 * Compiles the SDK file `file` from `transform(its source)` when it is first loaded (several transforms of
 * one file apply in turn). One hook on Node's `.js` loader serves every file so changed, and removes
 * itself once all of them are loaded.
 */
export function patchSdkSource(file: string, transform: Transform): void {
  if (moduleCache[file]) return; // already loaded as it is
  const extensions = (Module as unknown as { _extensions: Record<string, (m: any, f: string) => void> })
    ._extensions;
  if (transforms.size === 0) {
    const js = extensions[".js"];
    extensions[".js"] = function (module, filename) {
      const change = transforms.get(filename);
      if (!change) return js(module, filename);
      transforms.delete(filename);
      if (transforms.size === 0) extensions[".js"] = js;
      const source = fs.readFileSync(filename, "utf8");
      (module as { _compile(code: string, f: string): void })._compile(change(source, module), filename);
    };
  }
  const before = transforms.get(file);
  transforms.set(file, before ? (source, module) => transform(before(source, module), module) : transform);
}
