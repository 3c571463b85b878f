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
 * Here a property holds two closures until it is read or resolved:
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
type Resolver = (v: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], err?: Error) => void;

/** Turns after which the SDK's Output over just-resolved promises has settled: measured 9 with the
 * pinned SDK (the value, isKnown and isSecret promises, then `lifted` through liftInnerOutput); a margin
 * on top. tests/tools-runtime.test.ts checks an Output read this late is already settled. */
export const SETTLED_AFTER = 16;

/** How many output properties were first read within SETTLED_AFTER turns of their answer. */
export const offlineOutputStats = { earlyReads: 0, lateReads: 0 };

const RESOLVED = Promise.resolve();
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

function noteAnswer(): number {
  lastAnswer = turn;
  if (!ticking) void tick();
  return turn;
}

export function lazyOutputProperties(): void {
  const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    transferProperties(onto: object, label: string, props: Record<string, unknown>): object;
  };
  const output = require("@pulumi/pulumi/output") as {
    Output: (new (...a: unknown[]) => any) & {
      getPromisedValue(p: Promise<unknown>, withUnknowns?: boolean): Promise<unknown>;
    };
    containsUnknowns(v: unknown): boolean;
  };
  const { Output } = output;
  const { union } = require("@pulumi/pulumi/utils") as { union<T>(a: Set<T>, b: Set<T>): Set<T> };
  const { isGrpcError } = require("@pulumi/pulumi/errors") as { isGrpcError(e: unknown): boolean };
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
  };

  /**
   * The SDK's Output for a property resolved with (v, isKnown, isSecret, deps) once its chains have
   * settled: the fields OutputImpl's constructor sets (output.js lines 72-97), each over a resolved
   * `lifted`, which is what they are over in the SDK's Output by then.
   */
  const settledOutput = (onto: object, v: unknown, isKnown: boolean, isSecret: boolean, deps: unknown[]) => {
    const out = new Output(
      onto,
      Promise.resolve(v),
      Promise.resolve(isKnown),
      Promise.resolve(isSecret),
      Promise.resolve(deps),
    );
    const resources = new Set([onto]);
    const known = isKnown && !output.containsUnknowns(v);
    const lifted = Promise.resolve({
      allResources: union(new Set(deps), resources),
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
      resolvers[k] = (v, isKnown, isSecret, deps = [], err) => {
        if (settle || err) {
          // Read already (or an error, which rejects as the SDK does): the SDK's Output, resolved now.
          if (!settle) materialize();
          return settle!(v, isKnown, isSecret, deps, err);
        }
        const answeredAt = noteAnswer();
        const read = (): unknown => {
          if (turn - answeredAt < SETTLED_AFTER) {
            offlineOutputStats.earlyReads++;
            const out = materialize();
            settle!(v, isKnown, isSecret, deps);
            return out;
          }
          offlineOutputStats.lateReads++;
          const out = settledOutput(onto, v, isKnown, isSecret, deps);
          define(out);
          return out;
        };
        Object.defineProperty(onto, k, { get: read, set: define, enumerable: true, configurable: true });
      };
    }
    return resolvers;
  };
}
