/**
 * The URNs of a resource's dependencies (item 8 of sdk-load.ts), as prepareResource collects them through
 * `getAllTransitivelyReferencedResourceURNs` (runtime/dependsOn.js, pinned @pulumi/pulumi 3.270.0, lines
 * 85-139): once for the explicit dependencies and once for each input property, most of them depending on
 * nothing or on custom resources only. Those get their URNs on the SDK's turns without its four nested
 * async functions (cheapDependencyUrns). The URN of a pending dependency whose URN Output nothing made yet
 * is read without making it (urnPromise); tests/tools-sdk-turns.test.ts runs both beside the SDK.
 */
import { afterMaking, onTurn } from "./sdk-turns";

/** On a pending resource whose `urn` Output is not made yet: the reads waiting for its URN, in order. */
const URN_WAITERS = Symbol("offline urn waiters");
/** The URN the engine answered, for those reads. */
const URN_VALUE = Symbol("offline urn");

type Waiter = [(v: unknown) => void, (e: unknown) => void];
type Pending = { [URN_WAITERS]?: Waiter[] | null; [URN_VALUE]?: unknown };

/**
 * `r.urn.promise()`, without making the URN Output of a pending resource that nothing else made: the read
 * waits on the resource (a dependency on a component reads the URNs of all its children, 36,000 pending
 * resources at 1000 tenants on the edge stack).
 */
function urnPromise(r: { urn: { promise(): Promise<unknown> } } & Pending): Promise<unknown> {
  const waiters = r[URN_WAITERS];
  if (waiters === undefined) return r.urn.promise();
  return new Promise((resolve, reject) => {
    if (waiters === null) r[URN_WAITERS] = [[resolve, reject]];
    else waiters.push([resolve, reject]);
  });
}

/** Marks `res` as pending with no URN Output yet (lazyUrn). */
export function pendingUrn(res: object): void {
  (res as Pending)[URN_WAITERS] = null;
}

/**
 * The engine's answer, kept for the reads that waited (lazyUrn, before the Output settles): those still
 * waiting, and those handed to an Output made before the answer (urnMade), which resolve after it. Only
 * a resource that no read waited on (`null`) keeps nothing.
 */
export function answeredUrn(res: object, v: unknown): void {
  if ((res as Pending)[URN_WAITERS] !== null) (res as Pending)[URN_VALUE] = v;
}

/**
 * The URN Output `out` was just made (first read, or the answer): each read that waited continues where
 * the SDK's `out.promise()`, called at that read, would have. That read's first continuation was a
 * reaction on the Output's `lifted` promise, after the Output's own and before any later read's; here
 * `out.allResources()` adds one there now, in the order the reads came, and it resolves the read one turn
 * after `lifted`, as getPromisedValue does (output.js lines 96 and 199-207).
 */
export function urnMade(res: object, out: { allResources(): Promise<unknown> }): void {
  const waiters = (res as Pending)[URN_WAITERS];
  (res as Pending)[URN_WAITERS] = undefined;
  if (!waiters) return;
  for (const [resolve, reject] of waiters) {
    out.allResources().then(() => resolve((res as Pending)[URN_VALUE]), reject);
  }
}

/** Turns the SDK's getAllTransitivelyReferencedResourceURNs takes for no resources (runtime/dependsOn.js,
 * lines 85-139: four nested async functions and two `await Promise.all([])`); tests/tools-sdk-turns.test.ts
 * checks it against the SDK's function. Its list of resources is ready one turn earlier. */
export const EMPTY_DEPENDENCY_TURNS = 5;

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
    if (list.length === 0) return afterMaking(emptySet, EMPTY_DEPENDENCY_TURNS);
    return new Promise((resolve, reject) =>
      onTurn(EMPTY_DEPENDENCY_TURNS - 1, () => {
        Promise.all(list.map(urnPromise)).then((urns) => resolve(new Set(urns)), reject);
      }),
    );
  };
}
