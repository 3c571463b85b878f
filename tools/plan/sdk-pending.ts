/**
 * What a pending resource keeps alive under the offline runtime (item 4 of sdk-load.ts, which applies
 * these before and after loading @pulumi/pulumi). A large program (1000 tenants) constructs every
 * resource before the first registers, so what each pending resource holds until then decides how much
 * the garbage collector copies. Each change below keeps every continuation on the SDK's microtask turn,
 * so resources register in the same order and the plans stay byte-identical.
 */
import * as path from "path";
import { lazyId, lazyUrn } from "./sdk-outputs";
import { lazyOutputProperties } from "./sdk-properties";
import { cheapDependencyUrns } from "./sdk-urns";
import {
  patchSdkSource,
  plainAliases,
  plainPropertySerialization,
  plainSerialization,
} from "./sdk-serialize";

function cheapResponseStrings(): void {
  const resproto = require("@pulumi/pulumi/proto/resource_pb") as Record<string, any>;
  // resource.js logs `RegisterResource RPC finished: ...; resp: ${innerResponse}` for every resource; the
  // template literal runs jspb's Message.toString (the whole response, inputs and outputs, joined into one
  // string) before log.debug sees that no engine listens and drops it.
  resproto.RegisterResourceResponse.prototype.toString = () => "RegisterResourceResponse";
}

/** The Resource constructor's alias loop in @pulumi/pulumi 3.270.0's resource.js (lines 260-265). */
const EAGER_ALIASES = `        this.__aliases = [];
        if (opts.aliases) {
            for (const alias of opts.aliases) {
                this.__aliases.push(collapseAliasToUrn(alias, name, t, parent));
            }
        }
`;
/** The same list, made on first read. */
const LAZY_ALIASES = `        const aliasOpts = opts.aliases;
        let collapsed;
        Object.defineProperty(this, "__aliases", {
            enumerable: true,
            configurable: true,
            get: () => (collapsed !== undefined ? collapsed : (collapsed = (aliasOpts || []).map((alias) => collapseAliasToUrn(alias, name, t, parent)))),
            set: (v) => { collapsed = v; },
        });
`;

/**
 * The Resource constructor turns each alias (the Kubernetes provider gives most of its types one or two,
 * for older API groups) into a URN at once: Outputs waiting on the parent's URN, a third of what a pending
 * resource keeps alive in a 300-tenant program. That list (`__aliases`) is read only by `allAliases()`,
 * which runs only when the monitor does not take alias specs; the mock monitor does (mocks.js sets
 * supportsAliasSpecs), so here it is made on first read, that is never. Nothing waits on those Outputs, so
 * every other continuation keeps its turn. If the SDK's source differs from the pinned one, resource.js
 * loads unchanged (same behaviour, only slower): tests/tools-runtime.test.ts checks the change applies.
 */
function lazyAliasUrns(sdkDir: string): void {
  patchSdkSource(path.join(sdkDir, "resource.js"), (source, module) => {
    const lazy = source.includes(EAGER_ALIASES);
    module.exports.__offlineLazyAliases = lazy;
    return lazy ? source.replace(EAGER_ALIASES, LAZY_ALIASES) : source;
  });
}

/** The JavaScript value a lazy Struct stands for (see lazyStructs); offline.ts decodes it directly. */
export const STRUCT_JS = Symbol("offline struct value");

/** What `Struct.fromJavaScript(v).toJavaScript()` returns: the same values, each object's keys sorted
 * (jspb's Map.forEach visits keys in sorted order). */
export function sortedCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(v)) out[k] = sortedCopy((v as Record<string, unknown>)[k]);
  return out;
}

/** `Object.keys(o).sort()`, without sorting (and its scratch copy) when the keys are in order already, as
 * most objects' keys are (a Kubernetes object's apiVersion, kind, metadata, spec). */
export function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

/**
 * `Struct.fromJavaScript` returning a stand-in that builds the protobuf message only when something asks
 * for more than `toJavaScript()`. Under the mock runtime every registration builds two Structs (the
 * request's inputs in runtime/resource.js, the mock monitor's answer in runtime/mocks.js) that are only
 * ever turned back into JavaScript (rpc.deserializeProperties) or, for the request, read by offline.ts,
 * which decodes STRUCT_JS. The jspb messages were a quarter of what the program allocates. The value is
 * converted the way a round trip through protobuf converts it (sortedCopy), so every reader gets what it
 * got before; anything else (another message's setter, gRPC) gets the real message.
 */
function lazyStructs(sdkDir: string): void {
  const structs = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] }));
  const Struct = structs.Struct as { fromJavaScript(v: unknown): object; prototype: object };
  const real = Struct.fromJavaScript.bind(Struct);
  let building = 0;
  Struct.fromJavaScript = (js: unknown) => {
    // Nested objects while a real message is built: real messages.
    if (building > 0) return real(js);
    let message: Record<string | symbol, any> | undefined;
    const build = (): Record<string | symbol, any> => {
      if (!message) {
        building++;
        try {
          message = real(js) as Record<string | symbol, any>;
        } finally {
          building--;
        }
      }
      return message;
    };
    return new Proxy(Object.create(Struct.prototype) as object, {
      get: (_t, k) => {
        if (k === STRUCT_JS) return js;
        if (k === "toJavaScript" && !message) return () => sortedCopy(js);
        const m = build();
        const v = m[k];
        return typeof v === "function" ? v.bind(m) : v;
      },
      has: (_t, k) => k === STRUCT_JS || k in build(),
      getPrototypeOf: () => Struct.prototype,
    });
  };
}

/** RegisterResource request and answer keep their Struct as given (a lazy one stays lazy: jspb's own
 * setter would build it at once to store its wire form, which nothing reads offline). */
function structFieldsAsGiven(): void {
  const resproto = require("@pulumi/pulumi/proto/resource_pb") as Record<string, any>;
  const field = Symbol("object");
  for (const type of [resproto.RegisterResourceRequest, resproto.RegisterResourceResponse]) {
    type.prototype.setObject = function (value: unknown) {
      this[field] = value;
      return this;
    };
    type.prototype.getObject = function () {
      return this[field];
    };
    type.prototype.hasObject = function () {
      return this[field] != null;
    };
    type.prototype.clearObject = function () {
      this[field] = undefined;
      return this;
    };
  }
}

/** What the SDK asks of a request's property dependencies (runtime/resource.js, lines 548-553). */
class PropertyDependencies {
  private urns: string[] = [];
  setUrnsList(urns: string[]): this {
    this.urns = urns;
    return this;
  }
  getUrnsList(): string[] {
    return this.urns;
  }
}

/**
 * The URNs each input property depends on, which registerResource puts in the request as protobuf messages
 * in a protobuf map (one message per property), and reads back from the answer's map: the mock monitor
 * reads neither (it hands the mocks type, name, inputs, provider) and answers with none, and offline.ts
 * records the resource's dependency list. Here the request keeps them as plain records in a Map, and an
 * answer without any gives an empty Map instead of making a protobuf map to find it empty.
 */
function plainPropertyDependencies(): void {
  const resproto = require("@pulumi/pulumi/proto/resource_pb") as Record<string, any>;
  const field = Symbol("property dependencies");
  const request = resproto.RegisterResourceRequest;
  request.PropertyDependencies = PropertyDependencies;
  request.prototype.getPropertydependenciesMap = function () {
    return (this[field] ??= new Map());
  };
  const response = resproto.RegisterResourceResponse.prototype;
  const read = response.getPropertydependenciesMap;
  const none = new Map();
  response.getPropertydependenciesMap = function (noLazyCreate?: boolean) {
    return read.call(this, true) ?? (noLazyCreate ? undefined : none);
  };
}

/**
 * prepareResource awaits `gatherExplicitDependencies` of `opts.replaceWith` and of `opts.dependsOn`, and
 * registerResource `awaitStackRegistrations()` (runtime/dependsOn.js lines 23-48, settings.js 428-435): for
 * no option, and with no callback server (offline, none), each is an async function that returns at once,
 * so each await resumes one turn later. A promise already resolved with the same value (a new empty list,
 * or nothing) resumes it on the same turn, without an async function's frame for every resource.
 */
function resolvedAwaits(): void {
  const dep = require("@pulumi/pulumi/runtime/dependsOn") as {
    gatherExplicitDependencies(d: unknown): Promise<unknown[]>;
  };
  const gather = dep.gatherExplicitDependencies;
  dep.gatherExplicitDependencies = (d) => (d === undefined ? Promise.resolve([]) : gather(d));
  const settings = require("@pulumi/pulumi/runtime/settings") as { awaitStackRegistrations(): Promise<void> };
  const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { callbacks?: unknown } };
  const awaitStack = settings.awaitStackRegistrations;
  const done = Promise.resolve();
  settings.awaitStackRegistrations = () => (state.getStore().callbacks === undefined ? done : awaitStack());
}

/** Where prepareResource makes `res.urn` and `resolveURN` in the pinned SDK's runtime/resource.js. */
const URN_BLOCK_START = "    let resolveURN;\n    {\n";
const URN_BLOCK_END = "    // If a custom resource, make room for the ID property.\n";
/** Where prepareResource makes `res.id` and `resolveID` in the pinned SDK's runtime/resource.js. */
const ID_BLOCK_START = "    let resolveID;\n    if (custom) {\n";
const ID_BLOCK_END = '    // Now "transfer" all input properties';

/**
 * Loads runtime/resource.js with prepareResource's `res.urn` and `res.id` made by `lazyUrn` and `lazyId`,
 * if the blocks that make them are the pinned SDK's (one Output over a value and an isKnown promise, and
 * a resolver settling both); otherwise unchanged. tests/tools-sdk-turns.test.ts checks that it applies
 * (sdk-outputs.ts: lazyUrn, lazyId).
 */
export function lazyIds(sdkDir: string): void {
  patchSdkSource(path.join(sdkDir, "runtime", "resource.js"), (source, module) => {
    const urnAt = block(source, URN_BLOCK_START, URN_BLOCK_END);
    const idAt = block(source, ID_BLOCK_START, ID_BLOCK_END);
    const urnBlock = urnAt ? source.slice(...urnAt) : "";
    const idBlock = idAt ? source.slice(...idAt) : "";
    const applies =
      urnBlock.includes("res.urn = new output_1.Output(res, debuggable_1.debuggablePromise(") &&
      urnBlock.includes("/*isSecret:*/ Promise.resolve(false), Promise.resolve(res));") &&
      urnBlock.includes("resolveURN = (v, err) => {") &&
      urnBlock.includes("resolveValue(v);\n                resolveIsKnown(true);") &&
      idBlock.includes("res.id = new output_1.Output(res, debuggable_1.debuggablePromise(") &&
      idBlock.includes("Promise.resolve(false), Promise.resolve(res));") &&
      idBlock.includes("resolveID = (v, isKnown, err) => {") &&
      idBlock.includes("resolveValue(v);\n                resolveIsKnown(isKnown);");
    module.offlineLazyId = lazyId;
    module.offlineLazyUrn = lazyUrn;
    module.exports.__offlineLazyIds = applies;
    if (!applies) return source;
    return (
      source.slice(0, urnAt![0]) +
      "    const resolveURN = module.offlineLazyUrn(res);\n" +
      source.slice(urnAt![1], idAt![0]) +
      `${ID_BLOCK_START}        resolveID = module.offlineLazyId(res, type);\n    }\n` +
      source.slice(idAt![1])
    );
  });
}

/** [start, end) of the one text from `start` up to `end` in `source`, if `start` occurs once. */
function block(source: string, start: string, end: string): [number, number] | undefined {
  const from = source.indexOf(start);
  if (from < 0 || source.indexOf(start, from + 1) >= 0) return undefined;
  const to = source.indexOf(end, from);
  return to > from ? [from, to] : undefined;
}

/** Before `require("@pulumi/pulumi")`: the changes made to the SDK's source as it loads. */
export function beforeSdk(sdkDir: string): void {
  lazyAliasUrns(sdkDir);
  plainSerialization(sdkDir);
  plainPropertySerialization(sdkDir);
  plainAliases(sdkDir);
  lazyIds(sdkDir);
}

/** After it: the changes made to the loaded SDK's modules. */
export function afterSdk(sdkDir: string): void {
  cheapResponseStrings();
  lazyOutputProperties();
  cheapDependencyUrns();
  lazyStructs(sdkDir);
  structFieldsAsGiven();
  plainPropertyDependencies();
  resolvedAwaits();
}
