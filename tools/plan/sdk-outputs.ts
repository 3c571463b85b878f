/**
 * A resource's output properties under the offline runtime (items 4 and 6 of sdk-load.ts): an Output is
 * made only for a property something reads.
 *
 * The SDK's `transferProperties` (runtime/rpc.js) gives every output property of a resource, in its
 * constructor, an Output over four promises, which the engine's answer resolves. Most of those are never
 * read (a Kubernetes object's `apiVersion`, `kind`, `spec`, `status`, ...), yet each is a chain of some
 * twenty promises and closures that lives until the program ends; under a large program the answers of
 * thousands of resources arrive together and those chains were the largest part of what the garbage
 * collector copied (1000 tenants: 280 MB promoted from the Outputs made when answers resolved them,
 * against under 2 MB at 100 tenants).
 *
 * Here a property holds no Output until it is read or resolved (sdk-properties.ts keeps its state):
 * - read before the answer: the SDK's Output over pending promises, which the answer resolves in the same
 *   order and on the same microtask turn as the SDK's (`materialize`);
 * - resolved before anything read it: the answer is kept as it is. A later read gets an Output in the
 *   state the SDK's would have reached by then: its chains take SETTLED_AFTER turns to settle after the
 *   answer, and an Output read after that is one whose promises have all resolved, so every continuation
 *   on it runs on the SDK's turn. A read within those turns (no program here does so;
 *   `offlineOutputStats.earlyReads` counts them) gets the SDK's Output resolved at the read, a few turns
 *   later than the SDK's.
 * The SDK's label strings (`transferProperty(<label>, <key>, <value as a string>)`) are passed to
 * debuggablePromise, which ignores them here, so they are not built.
 */

import { answeredUrn, pendingUrn, urnMade } from "./sdk-urns";
import { RESOLVED } from "./sdk-turns";

/** Turns after which the SDK's Output over just-resolved promises has settled: measured 9 with the
 * pinned SDK (the value, isKnown and isSecret promises, then `lifted` through liftInnerOutput); a margin
 * on top. tests/tools-runtime.test.ts checks an Output read this late is already settled. */
export const SETTLED_AFTER = 16;

/** How many output properties were first read within SETTLED_AFTER turns of their answer. */
export const offlineOutputStats = { earlyReads: 0, lateReads: 0 };

/** Microtask turns counted while an answer is recent (one continuation per turn: see `tick`). */
let turn = 0;
let lastAnswer = -Infinity;
let ticking = false;

/**
 * Counts turns while any answer is younger than SETTLED_AFTER. Each step is queued by the one before, so
 * one step runs per turn and the count is exact to one turn; it queues nothing else, so every other
 * continuation keeps its place, and it stops once the last answer is old enough.
 */
async function tick(): Promise<void> {
  ticking = true;
  while (turn - lastAnswer <= SETTLED_AFTER + 2) {
    await RESOLVED;
    turn++;
  }
  ticking = false;
}

export function noteAnswer(): number {
  lastAnswer = turn;
  if (!ticking) void tick();
  return turn;
}

interface Sdk {
  Output: (new (...a: unknown[]) => any) & {
    getPromisedValue(p: Promise<unknown>, withUnknowns?: boolean): Promise<unknown>;
  };
  containsUnknowns(v: unknown): boolean;
  union<T>(a: Set<T>, b: Set<T>): Set<T>;
  isGrpcError(e: unknown): boolean;
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}
let loaded: Sdk | undefined;

/** The SDK's functions used here, read once @pulumi/pulumi has loaded (debuggablePromise at each call:
 * sdk-load.ts replaces it after loading). */
export function sdk(): Sdk {
  if (!loaded) {
    const output = require("@pulumi/pulumi/output");
    const debuggable = require("@pulumi/pulumi/runtime/debuggable");
    loaded = {
      Output: output.Output,
      containsUnknowns: output.containsUnknowns,
      union: require("@pulumi/pulumi/utils").union,
      isGrpcError: require("@pulumi/pulumi/errors").isGrpcError,
      debuggablePromise: (p, ctx) => debuggable.debuggablePromise(p, ctx),
    };
  }
  return loaded;
}

/** output.js's copyResources: the resources an Output's `allResources` promise resolves to, as a Set. */
const copyResources = (r: unknown): Set<unknown> => new Set(Array.isArray(r) || r instanceof Set ? r : [r]);

/**
 * The SDK's Output over (v, isKnown, isSecret, allResources) once its chains have settled: the fields
 * OutputImpl's constructor sets (output.js lines 72-97), each over a resolved `lifted`, which is what
 * they are over in the SDK's Output by then.
 */
export function settledOutput(onto: object, v: unknown, isKnown: boolean, isSecret: boolean, all: unknown) {
  const { Output, containsUnknowns, union } = sdk();
  const out = new Output(
    onto,
    Promise.resolve(v),
    Promise.resolve(isKnown),
    Promise.resolve(isSecret),
    Promise.resolve(all),
  );
  const resources = new Set([onto]);
  const known = isKnown && !containsUnknowns(v);
  const lifted = Promise.resolve({
    allResources: union(copyResources(all), resources),
    value: v,
    isKnown: known,
    isSecret,
  });
  out.resources = () => resources;
  out.allResources = () => lifted.then((l) => l.allResources);
  // Promises the SDK's Output made at construction, settled long since: settled here too.
  out.isKnown = Promise.resolve(known);
  out.isSecret = Promise.resolve(isSecret);
  out.promise = (withUnknowns?: boolean) =>
    Output.getPromisedValue(
      lifted.then((l) => l.value),
      withUnknowns,
    );
  return out;
}

/** `onto[k] = value` as a plain data property (what an assignment to an SDK output property leaves). */
export const define = (onto: object, k: string, value: unknown): void => {
  Object.defineProperty(onto, k, { value, writable: true, enumerable: true, configurable: true });
};

/** `onto[k]` made by `get` when first read; an assignment before that replaces it with the value. */
function lazyProperty(onto: object, k: string, get: () => unknown): void {
  Object.defineProperty(onto, k, {
    get,
    set: (v) => define(onto, k, v),
    enumerable: true,
    configurable: true,
  });
}

/**
 * A read of `onto[k]` whose answer came on turn `at`: within SETTLED_AFTER turns the SDK's Output, made and
 * resolved at the read (`early`); later the SDK's Output in its settled state (`settled`), kept as onto[k].
 * Output properties (sdk-properties.ts) and ids (`answered`) are read this way.
 */
export function readAnswered(
  onto: object,
  k: string,
  at: number,
  early: () => unknown,
  settled: () => unknown,
): unknown {
  if (turn - at < SETTLED_AFTER) {
    offlineOutputStats.earlyReads++;
    return early();
  }
  offlineOutputStats.lateReads++;
  const out = settled();
  define(onto, k, out);
  return out;
}

/** After the answer, `onto[k]` is made when read (readAnswered): `materialize` then `resolve` early. */
function answered(
  onto: object,
  k: string,
  materialize: () => unknown,
  resolve: () => void,
  settled: () => unknown,
) {
  const answeredAt = noteAnswer();
  // One closure kept per answer, as before; the early read's is made by the read.
  lazyProperty(onto, k, () =>
    readAnswered(
      onto,
      k,
      answeredAt,
      () => {
        const out = materialize();
        resolve();
        return out;
      },
      settled,
    ),
  );
}

type Settle = (v: unknown, isKnown: boolean, err?: Error) => void;

/**
 * `res[key]` as prepareResource makes `res.urn` and `res.id` (runtime/resource.js, lines 662-722): an Output
 * over a pending value and isKnown, not a secret, with `res` as its resource, and what settles both (a
 * gRPC error leaves them pending). Here the Output is made when `res[key]` is first read (`materialize`).
 */
function pendingResourceOutput(
  res: object,
  key: string,
  made?: (out: any) => void,
): { materialize(): unknown; settle(): Settle | undefined } {
  let settle: Settle | undefined;
  const materialize = (): unknown => {
    const { Output, isGrpcError, debuggablePromise } = sdk();
    const value: ((x: unknown) => void)[] = [];
    const known: ((x: unknown) => void)[] = [];
    const out = new Output(
      res,
      debuggablePromise(new Promise((resolve, reject) => value.push(resolve, reject)), key),
      debuggablePromise(new Promise((resolve, reject) => known.push(resolve, reject)), key),
      Promise.resolve(false),
      Promise.resolve(res),
    );
    define(res, key, out);
    made?.(out);
    settle = (v, isKnown, err) => {
      if (err) {
        if (isGrpcError(err)) return;
        value[1](err);
        known[1](err);
      } else {
        value[0](v);
        known[0](isKnown);
      }
    };
    return out;
  };
  lazyProperty(res, key, materialize);
  return { materialize, settle: () => settle };
}

/**
 * A custom resource's `id`, made when first read, as output properties are: only providers' ids and
 * resource references read it. Returns the SDK's `resolveID`.
 */
export function lazyId(res: object, type: string | undefined): Settle {
  const id = pendingResourceOutput(res, "id");
  // A provider's id is read by every resource that uses the provider, often within turns of its answer,
  // and readResource (no type given) reads the id it looks up: both made at once, as the SDK does.
  if (typeof type !== "string" || type.startsWith("pulumi:providers:")) id.materialize();
  return (v, isKnown, err) => {
    const settle = id.settle();
    if (settle || err) {
      if (!settle) id.materialize();
      return id.settle()!(v, isKnown, err);
    }
    answered(
      res,
      "id",
      id.materialize,
      () => id.settle()!(v, isKnown),
      () => settledOutput(res, v, isKnown, false, res),
    );
  };
}

/**
 * A resource's `urn`, made when first read or at the answer, whichever comes first: children, dependents
 * and resource references read it, some within turns of the answer, so the answer makes it as the SDK
 * would (no resource waits on it any differently); until then a pending resource holds no Output for
 * it. Returns the SDK's `resolveURN`.
 */
export function lazyUrn(res: object): (v: unknown, err?: Error) => void {
  pendingUrn(res);
  const urn = pendingResourceOutput(res, "urn", (out) => urnMade(res, out));
  return (v, err) => {
    answeredUrn(res, v);
    if (!urn.settle()) urn.materialize();
    urn.settle()!(v, true, err);
  };
}
