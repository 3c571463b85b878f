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
 * 4. (tools/plan/sdk-pending.ts) A large program (1000 tenants) constructs every resource before the first registers, so what each
 *    pending resource keeps alive until then decides how much the garbage collector copies; it grew with
 *    the class list (t(1000)/t(100) of 12 to 15 on CPU). Two things a pending resource held and the mock
 *    runtime never reads are now made on first read: the URN of each alias (lazyAliasUrns) and the Output
 *    of each output property nothing has read yet (lazyOutputProperties). With the shared promise handlers
 *    of 2 and no string of each engine response for a dropped debug log (cheapResponseStrings), a pending
 *    resource holds about half what it did. The protobuf Structs of each registration's request and
 *    answer, a quarter of all the program allocated, are built only if something asks for more than
 *    their JavaScript value (lazyStructs, structFieldsAsGiven; decode.ts reads that value). None of
 *    these changes when a continuation runs: the plans of dev, prod and edge are byte-identical.
 * 5. (tools/plan/sdk-serialize.ts) Every resource serializes at once under a large program, interleaved
 *    turn by turn, so whatever a resource's serialization holds for more than a few turns outlives a
 *    young-generation collection at 1000 tenants and not at 100: that was the superlinear part of the
 *    garbage collector's work. Plain input data is copied in one pass and handed back after exactly the
 *    turns the SDK's per-value async calls take; so are a property's empty dependency set and a plain
 *    alias's value. Timing is the SDK's, one continuation per turn: tests/tools-sdk-turns.test.ts runs
 *    each shortcut beside the SDK as it ships and compares values and turns.
 * 6. (tools/plan/sdk-outputs.ts) An output property (item 4) or a custom resource's `id` that nothing read
 *    before the engine's answer keeps the answer instead of becoming an Output then; a later read gets
 *    the SDK's Output in the state it would have reached by then.
 *    (tools/plan/sdk-properties.ts) Until then a property holds no closure of its own: its accessor and
 *    resolver are shared by every resource with a property of that name.
 * 7. Each registration's preallocated Error (for a failure's message) captures no stack trace, and a
 *    request with no source position carries no empty stack-trace message (below); the property
 *    dependencies of a request, which the mock monitor does not read, are plain records (sdk-pending.ts).
 * 8. (tools/plan/sdk-urns.ts) Dependencies on custom resources (or none) get their URNs without the SDK's
 *    four nested async functions, and a pending dependency's URN is read without making its URN Output
 *    (a dependency on a component reads all its children's: 36,000 at 1000 tenants on the edge stack).
 * 9. (tools/plan/sdk-output-values.ts, sdk-serialize.ts) An Output among the inputs, or an array or object
 *    with one inside, is serialized with fewer promises, and properties that are all plain data (every
 *    answer's state) in one pass. Items 5 to 9 matter most at 1000 tenants, where what lives a few turns
 *    outlives a young-generation collection (edge, measured side by side on a loaded machine: promoted
 *    bytes 2265 -> 1798 MB, scavenges 427 -> 358, peak live heap 983 -> 693 MB; t(1000)/t(100) on CPU
 *    13.5-17.6 before, 12.1-12.9 after).
 * 10. (tools/plan/sdk-admission.ts) Items 4 to 9 made what a registration holds smaller, not shorter-lived:
 *    with 36,000 registrations advancing together, all of it still outlived young-generation collections.
 *    At most 500 registrations now start per window (between two empty microtask queues), the next ones
 *    when the queue is next empty, in the order their resources were constructed. Programs that construct
 *    fewer at once (every stack's defaults) register exactly as before; larger ones register the same
 *    resources with the same inputs and dependencies, window by window (`npm run bench:tenants`, edge:
 *    t(1000) 12.7 -> 5.7-7.3 s of CPU, t(1000)/t(100) 12.6 -> 7.6-11.6, median 8.8; dev 7.6-8.4).
 *    Resources read back by URN or id never wait: a remote component's answer makes them while earlier
 *    registrations wait.
 */
import * as path from "path";
import Module = require("module");
import { afterSdk, beforeSdk } from "./sdk-pending";
import { patchSdkSource } from "./sdk-serialize";
import { boundedRegistrations } from "./sdk-admission";

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

/** `new Error()` as runtime/resource.js preallocates it, three times (lines 76, 173, 413 of the pinned SDK). */
const PREALLOCATED_ERROR = "const preallocError = new Error();";

/**
 * getResource, readResource and registerResource preallocate an Error for every resource, so that a failed
 *    registration reports the stack of the program's constructor call: V8 captures that stack (a frame
 *    object per call site) at once, and the resource keeps it until the engine answers. Offline, the mock
 * monitor answers every registration, and a mock that throws fails the plan with the message the SDK writes
 * into that Error ("failed to register new resource <name> [<type>]: ..."), which is kept; only the stack
 * is not captured (tests/tools-runtime.test.ts).
 */
/** marshalStackTrace's guard in runtime/resource.js (line 50 of the pinned SDK). */
const NO_TRACE = "    if (stackTrace === undefined) {\n        return undefined;\n    }\n";

function noPreallocatedStacks(sdkDir: string): void {
  patchSdkSource(path.join(sdkDir, "runtime", "resource.js"), (source, module) => {
    // With no source positions (noSourcePositions), each request's stack trace is empty: none is sent,
    // rather than an empty protobuf message the mock monitor does not read.
    if (source.split(NO_TRACE).length === 2)
      source = source.replace(
        NO_TRACE,
        NO_TRACE.replace("=== undefined", "=== undefined || stackTrace.length === 0"),
      );
    const applies = source.split(PREALLOCATED_ERROR).length === 4;
    module.offlineError = () => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        return new Error();
      } finally {
        Error.stackTraceLimit = limit;
      }
    };
    module.exports.__offlineNoPreallocatedStacks = applies;
    return applies
      ? source.split(PREALLOCATED_ERROR).join("const preallocError = module.offlineError();")
      : source;
  });
}

function noSourcePositions(): void {
  const { Resource } = require("@pulumi/pulumi/resource") as { Resource: { callsites(): unknown[] } };
  // `Resource.stackTrace(skip)` returns [] for fewer than skip + 1 frames: no source position is sent.
  Resource.callsites = () => [];
}

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
lazyArborist(sdkDir);
lazyTypescript(sdkDir);
beforeSdk(sdkDir);
noPreallocatedStacks(sdkDir);
boundedRegistrations(sdkDir);
// The SDK loads in its own order first; its modules are then patched where every caller reads them
// (`debuggable_1.debuggablePromise(...)` and `Resource.stackTrace` look the function up at each call).
require("@pulumi/pulumi");
cheapPromiseStacks();
afterSdk(sdkDir);
noSourcePositions();
