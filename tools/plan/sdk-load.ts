/**
 * Start-up and per-resource costs of the Pulumi SDK that the offline runtime does not need, removed
 * without changing what the program registers. Imported by offline.ts before `@pulumi/pulumi`; these
 * changes apply to this process only (the plan, the tests, the benchmarks), never to `pulumi up`.
 *
 * 1. `@pulumi/pulumi` loads `runtime/closure/codePaths.js` at start-up, which loads `@npmcli/arborist`
 *    (and through it pacote, the npm registry client, tar, ...): about 0.6 s of CPU, 40% of the plan's
 *    start-up. Arborist is only used when a closure is serialized for a function-valued resource
 *    (`new arborist.Arborist(...)` in codePaths.js, pinned @pulumi/pulumi 3.270.0), which this program
 *    never does. It is put in the module cache as an object whose properties load the real module on
 *    first use, so a serialization, if one ever happens, still gets the real Arborist.
 * 2. `debuggablePromise` (runtime/debuggable.js) wraps every promise the SDK creates: it formats
 *    `new Error().stack` for it and keeps it in a process-wide Set, only to print it if the promise is
 *    still pending when the process exits ("Promise leak detected"). Formatting those stacks was about
 *    15% of the plan's CPU, and the Set holds every pending promise of a large program. Here the wrapper
 *    keeps the SDK's promise chain (so resources register in the same order) without that bookkeeping:
 *    a leak is not reported offline, where the plan ends the process itself once the program has run.
 * 3. Every resource's constructor formats an unlimited stack trace (`Resource.callsites`, resource.js) to
 *    send the engine its source position, converting each frame to a file URL. The offline runtime's mock
 *    monitor ignores source positions and the plan records none, so here a resource has none: a tenth of
 *    the program's CPU, and short-lived garbage that made large programs (1000 tenants) spend ever more
 *    of their time in the garbage collector.
 * 4. A large program (1000 tenants) constructs every resource before the first registers, so what each
 *    pending resource keeps alive until then decides how much the garbage collector copies; it grew with
 *    the class list (t(1000)/t(100) of 12 to 15 on CPU). Two things a pending resource held and the mock
 *    runtime never reads are now made on first read: the URN of each alias (lazyAliasUrns) and the Output
 *    of each output property nothing has read yet (lazyOutputProperties). With the shared promise handlers
 *    of 2 and no string of each engine response for a dropped debug log (cheapResponseStrings), a pending
 *    resource holds about half what it did. The protobuf Structs of each registration's request and
 *    answer, a quarter of all the program allocated, are built only if something asks for more than
 *    their JavaScript value (lazyStructs, structFieldsAsGiven; offline.ts decodes that value). None of
 *    these changes when a continuation runs: the plans of dev, prod and edge are byte-identical.
 */
import * as fs from "fs";
import * as path from "path";
import Module = require("module");

const moduleCache = (Module as unknown as { _cache: Record<string, NodeModule> })._cache;

/** Puts `exports` in the module cache as `file`, so that a later `require(file)` returns it. */
function preload(file: string, exports: object): void {
  const stub = new Module(file) as NodeModule & { loaded: boolean };
  stub.filename = file;
  stub.loaded = true;
  stub.exports = exports;
  moduleCache[file] = stub;
}

/** Loads `file` for real (once), replacing its stand-in in the module cache. */
function loader(file: string): () => any {
  let real: any;
  return () => {
    if (real === undefined) {
      delete moduleCache[file];
      real = require(file);
    }
    return real;
  };
}

function lazyArborist(sdkDir: string): void {
  const file = require.resolve("@npmcli/arborist", { paths: [path.join(sdkDir, "runtime", "closure")] });
  if (moduleCache[file]) return; // already loaded for real
  const load = loader(file);
  // codePaths.js imports it with an old `__importStar` that copies every property at import time, unless
  // the module says `__esModule`: then it keeps the module object, and these getters run at first use.
  const exports: Record<string, unknown> = { __esModule: true };
  // The names @npmcli/arborist's lib/index.js exports (the module itself is the Arborist class).
  for (const name of ["Arborist", "Node", "Link", "Edge", "Shrinkwrap"])
    Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
  preload(file, exports);
}

/** The TypeScript compiler, which `runtime/closure/parseFunction.js` loads at start-up for the same
 * closure serialization (through `typescript-shim.js`): about 0.15 s more. */
function lazyTypescript(sdkDir: string): void {
  const file = path.join(sdkDir, "typescript-shim.js");
  if (moduleCache[file]) return;
  const load = loader(file);
  preload(
    file,
    new Proxy(
      {},
      {
        get: (_t, k) => load()[k],
        has: (_t, k) => k in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_t, k) => {
          const d = Reflect.getOwnPropertyDescriptor(load(), k);
          return d && { ...d, configurable: true };
        },
      },
    ),
  );
}

function cheapPromiseStacks(): void {
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
  };
  if ((debuggable.debuggablePromise as { offline?: boolean }).offline) return;
  // The same chain as the SDK's (a `then` and a `catch`), so every continuation runs on the same
  // microtask turn as before and resources register in the same order; without the leak bookkeeping (a
  // process-wide Set of every pending promise, and a stack trace for each). Both handlers are shared
  // functions: no closure per promise (the SDK's catch only tags the error with `err.promise`, which
  // nothing in @pulumi/pulumi 3.270.0 reads).
  const identity = <T>(v: T): T => v;
  const rethrow = (err: unknown): never => {
    throw err;
  };
  const wrapped = function <T>(p: Promise<T>): Promise<T> {
    return p.then(identity).catch(rethrow);
  };
  debuggable.debuggablePromise = Object.assign(wrapped, { offline: true });
}

function cheapResponseStrings(): void {
  const resproto = require("@pulumi/pulumi/proto/resource_pb") as Record<string, any>;
  // resource.js logs `RegisterResource RPC finished: ...; resp: ${innerResponse}` for every resource; the
  // template literal runs jspb's Message.toString (the whole response, inputs and outputs, joined into one
  // string) before log.debug sees that no engine listens and drops it.
  resproto.RegisterResourceResponse.prototype.toString = () => "RegisterResourceResponse";
}

type Resolver = (v: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], err?: Error) => void;

/**
 * `transferProperties` (runtime/rpc.js), with each output property's Output made when it is first read or
 * when the engine's answer resolves it, whichever comes first, instead of in the resource's constructor.
 * Between the two, which under a large program is the whole time every resource waits for the ones before
 * it (the Tenants component constructs every tenant's resources before the first registers), an unread
 * property holds two closures instead of an Output over four promises: the largest part of what a
 * pending resource keeps alive, and what made the garbage collector's share grow with the class list.
 *
 * Timing is the SDK's: an Output is made over pending promises that are resolved in the same order and
 * on the same microtask turn as the SDK's, so every continuation and every registration keeps its place.
 * The SDK's label strings (`transferProperty(<label>, <key>, <value as a string>)`) are passed to
 * debuggablePromise, which ignores them here, so they are not built.
 */
function lazyOutputProperties(): void {
  const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    transferProperties(onto: object, label: string, props: Record<string, unknown>): object;
  };
  const { Output } = require("@pulumi/pulumi/output") as { Output: new (...a: unknown[]) => unknown };
  const { isGrpcError } = require("@pulumi/pulumi/errors") as { isGrpcError(e: unknown): boolean };
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
  };
  const own = Object.prototype.hasOwnProperty;
  rpc.transferProperties = function (onto: any, label: string, props: Record<string, unknown>): object {
    const resolvers: Record<string, Resolver> = {};
    for (const k of Object.keys(props)) {
      // Skip "id" and "urn", which the SDK handles itself.
      if (k === "id" || k === "urn") continue;
      if (own.call(onto, k)) throw new Error(`Property '${k}' is already initialized on target '${label}`);
      let settle: Resolver | undefined;
      const define = (value: unknown): void => {
        Object.defineProperty(onto, k, { value, writable: true, enumerable: true, configurable: true });
      };
      const materialize = (): unknown => {
        // The four promises in the SDK's order: value, isKnown, isSecret, dependencies.
        const ends: [(v: unknown) => void, (e: unknown) => void][] = [];
        const promises = [0, 1, 2, 3].map(() =>
          debuggable.debuggablePromise(new Promise((resolve, reject) => ends.push([resolve, reject])), label),
        );
        const out = new Output(onto, ...promises);
        define(out);
        settle = (v, isKnown, isSecret, deps = [], err) => {
          if (err) {
            if (isGrpcError(err)) return;
            for (const [, reject] of ends) reject(err);
          } else {
            [v, isKnown, isSecret, deps].forEach((x, i) => ends[i][0](x));
          }
        };
        return out;
      };
      Object.defineProperty(onto, k, { get: materialize, set: define, enumerable: true, configurable: true });
      resolvers[k] = (...args) => {
        if (!settle) materialize();
        settle!(...args);
      };
    }
    return resolvers;
  };
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
  const file = path.join(sdkDir, "resource.js");
  if (moduleCache[file]) return;
  const extensions = (Module as unknown as { _extensions: Record<string, (m: any, f: string) => void> })
    ._extensions;
  const js = extensions[".js"];
  extensions[".js"] = function (module, filename) {
    if (filename !== file) return js(module, filename);
    extensions[".js"] = js;
    const source = fs.readFileSync(filename, "utf8");
    const lazy = source.includes(EAGER_ALIASES);
    module._compile(lazy ? source.replace(EAGER_ALIASES, LAZY_ALIASES) : source, filename);
    module.exports.__offlineLazyAliases = lazy;
  };
}

/** The JavaScript value a lazy Struct stands for (see lazyStructs); offline.ts decodes it directly. */
export const STRUCT_JS = Symbol("offline struct value");

/** What `Struct.fromJavaScript(v).toJavaScript()` returns: the same values, each object's keys sorted
 * (jspb's Map.forEach visits keys in sorted order). */
export function sortedCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedCopy((v as Record<string, unknown>)[k]);
  return out;
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

function noSourcePositions(): void {
  const { Resource } = require("@pulumi/pulumi/resource") as { Resource: { callsites(): unknown[] } };
  // `Resource.stackTrace(skip)` returns [] for fewer than skip + 1 frames: no source position is sent.
  Resource.callsites = () => [];
}

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
lazyArborist(sdkDir);
lazyTypescript(sdkDir);
lazyAliasUrns(sdkDir);
// The SDK loads in its own order first; its modules are then patched where every caller reads them
// (`debuggable_1.debuggablePromise(...)` and `Resource.stackTrace` look the function up at each call).
require("@pulumi/pulumi");
cheapPromiseStacks();
cheapResponseStrings();
lazyOutputProperties();
lazyStructs(sdkDir);
structFieldsAsGiven();
noSourcePositions();
