/**
 * A dependency's URN without its Output, while the dependency is pending (item 8 of sdk-load.ts).
 *
 * prepareResource collects the URNs of the resources a resource depends on through
 * `getAllTransitivelyReferencedResourceURNs` (runtime/dependsOn.js, pinned @pulumi/pulumi 3.270.0, lines
 * 97-102), which reads `r.urn.promise()` of each. A dependency on a component reaches all of its children:
 * the edge stack's database backups depend on the whole platform, so at 1000 tenants that one call read
 * the URN of 36,000 pending resources, making each its URN Output (sdk-outputs.ts: lazyUrn) and a
 * promise chain on it, all kept until the last of them registered (120 MB of a 1 GB peak).
 *
 * Here a pending resource whose URN Output nothing has made yet hands such a read a plain promise, kept
 * on the resource (URN_WAITERS) and resolved with the engine's answer on the turn the SDK's
 * `r.urn.promise()` would resolve (URN_PROMISE_TURNS after resolveURN), one continuation per turn as the
 * SDK's chain; every other read gets the SDK's Output as before. tests/tools-sdk-turns.test.ts compares
 * the values and turns with the SDK as it ships.
 */
const RESOLVED = Promise.resolve();

/** On a pending resource whose `urn` Output is not made yet: the reads waiting for its URN, in order. */
export const URN_WAITERS = Symbol("offline urn waiters");

/** Turns from resolveURN until the SDK's `res.urn.promise()`, read before the answer, resolves (its
 * continuations run one turn later): measured with the pinned SDK. */
export const URN_PROMISE_TURNS = 10;

type Waiter = [(v: unknown) => void, (e: unknown) => void];
type Pending = { [URN_WAITERS]?: Waiter[] | null };

/** `r.urn.promise()`, without making r's URN Output if r is still pending and nothing else made it. */
function urnPromise(r: { urn: { promise(): Promise<unknown> } } & Pending): Promise<unknown> {
  const waiters = r[URN_WAITERS];
  if (waiters === undefined) return r.urn.promise();
  return new Promise((resolve, reject) => {
    if (waiters === null) r[URN_WAITERS] = [[resolve, reject]];
    else waiters.push([resolve, reject]);
  });
}

/** Marks `res` as pending with no URN Output yet (from lazyUrn). */
export function pendingUrn(res: object): void {
  (res as Pending)[URN_WAITERS] = null;
}

/** The URN Output is made now (read, or answered): later reads get it. */
export function urnMade(res: object): Waiter[] | null | undefined {
  const waiters = (res as Pending)[URN_WAITERS];
  (res as Pending)[URN_WAITERS] = undefined;
  return waiters;
}

/**
 * Settles the reads that waited for the URN, URN_PROMISE_TURNS after the answer, in the order they were
 * made (a gRPC error leaves them pending, as it leaves the SDK's Output).
 */
export function settleWaiters(waiters: Waiter[], v: unknown, err: Error | undefined, grpc: boolean): void {
  if (err && grpc) return;
  for (const [resolve, reject] of waiters) {
    let n = URN_PROMISE_TURNS;
    // One continuation per turn, as the SDK's chain (sdk-serialize.ts: after).
    const step = (): void => {
      if (n-- > 0) void RESOLVED.then(step);
      else if (err) reject(err);
      else resolve(v);
    };
    step();
  }
}

/** Turns the SDK's getAllTransitivelyReferencedResourceURNs takes for no resources (runtime/dependsOn.js,
 * lines 85-139: four nested async functions and two `await Promise.all([])`); tests/tools-sdk-turns.test.ts
 * checks it against the SDK's function. Its list of resources is ready one turn earlier. */
export const EMPTY_DEPENDENCY_TURNS = 5;

const noop = (): void => undefined;

/** A promise fulfilled `n` turns from now: one shared continuation per turn, no closure (as sdk-serialize.ts's
 * `after`, one continuation per turn, so every other continuation keeps its place). */
function turnsFromNow(n: number): Promise<unknown> {
  let p: Promise<unknown> = RESOLVED;
  for (let i = 0; i < n; i++) p = p.then(noop);
  return p;
}

const emptySet = (): Set<unknown> => new Set();

/**
 * prepareResource (runtime/resource.js, lines 826-833) collects the dependency URNs of the explicit
 * dependencies and of each input property in turn, each through getAllTransitivelyReferencedResourceURNs
 * (dependsOn.js, lines 85-139): four nested async functions, with Sets and arrays, to find the custom
 * resources among the dependencies and through the children of components, then `r.urn.promise()` of each.
 * Most properties depend on nothing, and most of the rest on custom resources only (a namespace, a role):
 * there the list is known at once, and is handed to `urnPromise` on the turn the SDK reads the URNs, and the
 * set is made on the turn the SDK makes it. A set with a component in it goes through the SDK's functions,
 * with `urnPromise` for each read.
 */
export function cheapDependencyUrns(): void {
  const dep = require("@pulumi/pulumi/runtime/dependsOn") as {
    getAllTransitivelyReferencedResources(resources: unknown, exclude: unknown): Promise<any[]>;
    getAllTransitivelyReferencedResourceURNs(resources: unknown, exclude: unknown): Promise<Set<unknown>>;
  };
  const { ComponentResource, CustomResource } = require("@pulumi/pulumi/resource") as {
    ComponentResource: { isInstance(r: unknown): boolean };
    CustomResource: { isInstance(r: unknown): boolean };
  };
  const viaSdk = async (resources: unknown, exclude: unknown): Promise<Set<unknown>> => {
    const transitivelyReachableCustomResources = await dep.getAllTransitivelyReferencedResources(
      resources,
      exclude,
    );
    const urns = await Promise.all(transitivelyReachableCustomResources.map(urnPromise));
    return new Set(urns);
  };
  dep.getAllTransitivelyReferencedResourceURNs = (resources, exclude) => {
    if (!(resources instanceof Set) || !(exclude instanceof Set)) return viaSdk(resources, exclude);
    const list: any[] = [];
    for (const r of resources) {
      if (ComponentResource.isInstance(r)) return viaSdk(resources, exclude);
      if ((CustomResource.isInstance(r) || (r as { __remote?: boolean }).__remote) && !exclude.has(r))
        list.push(r);
    }
    if (list.length === 0) return turnsFromNow(EMPTY_DEPENDENCY_TURNS - 1).then(emptySet);
    return new Promise((resolve, reject) => {
      void turnsFromNow(EMPTY_DEPENDENCY_TURNS - 2).then(() => {
        Promise.all(list.map(urnPromise)).then((urns) => resolve(new Set(urns)), reject);
      });
    });
  };
}
