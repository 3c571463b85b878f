/**
 * A resource's output properties under the offline runtime (items 4 and 6 of sdk-load.ts), with no
 * closure per property: what sdk-outputs.ts describes (an Output made only for a property something
 * reads; an answer nobody read yet kept as it is), kept in one record per resource.
 *
 * The SDK's `transferProperties` (runtime/rpc.js) gives every output property an Output in the resource's
 * constructor. Here, until it is read, a property is an accessor whose getter and setter are shared by
 * every resource with a property of that name (`this` is the resource), and its resolver is made by a
 * getter of the same kind on the resolvers object only when the SDK reads it at the answer. Before, each
 * property of each pending resource held five closures and their contexts (2.7 KB per resource at 1000
 * tenants, kept from the constructor to the end of the program, as long as nothing read the property).
 * What a read returns, and on which turn its continuations run, is unchanged.
 */
import { define, noteAnswer, readAnswered, sdk, settledOutput } from "./sdk-outputs";

type Resolver = (v: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], err?: Error) => void;
type Settle = (v: unknown, isKnown: boolean, isSecret: boolean, deps: unknown[], err?: Error) => void;

/** An answer nobody read yet: the resolver's arguments and the turn it came on. */
interface Answer {
  v: unknown;
  isKnown: boolean;
  isSecret: boolean;
  deps: unknown[];
  at: number;
}

/** What a resource's output properties hold between its constructor and their reads. */
interface Record {
  /** Properties read before their answer: what settles the SDK's Output made at the read. */
  settles?: { [k: string]: Settle };
  /** Answers nobody read yet. */
  answers?: { [k: string]: Answer };
  /** A property was assigned by the program (then an answer installs the accessor again, as before). */
  assigned?: boolean;
}

const STATE = Symbol("offline output properties");
/** On the resolvers object: the resource. */
const ONTO = Symbol("offline resolvers' resource");

type Onto = { [STATE]: Record } & { [k: string]: unknown };

/** The SDK's Output over four pending promises (value, isKnown, isSecret, dependencies), as onto[k]. */
function materialize(onto: Onto, k: string): unknown {
  const { Output, isGrpcError, debuggablePromise } = sdk();
  const ends: [(v: unknown) => void, (e: unknown) => void][] = [];
  const promises = [0, 1, 2, 3].map(() =>
    debuggablePromise(new Promise((resolve, reject) => ends.push([resolve, reject])), k),
  );
  const out = new Output(onto, ...promises);
  define(onto, k, out);
  (onto[STATE].settles ??= {})[k] = (v, isKnown, isSecret, deps, err) => {
    if (err) {
      if (isGrpcError(err)) return;
      for (const [, reject] of ends) reject(err);
    } else {
      [v, isKnown, isSecret, deps].forEach((x, i) => ends[i][0](x));
    }
  };
  return out;
}

/** Reads onto[k] while it is the offline accessor: before the answer, or after it (readAnswered). */
function read(onto: Onto, k: string): unknown {
  const answers = onto[STATE].answers;
  const a = answers?.[k];
  if (a === undefined) return materialize(onto, k);
  delete answers![k];
  return readAnswered(
    onto,
    k,
    a.at,
    () => {
      const out = materialize(onto, k);
      onto[STATE].settles![k](a.v, a.isKnown, a.isSecret, a.deps);
      return out;
    },
    () => settledOutput(onto, a.v, a.isKnown, a.isSecret, a.deps),
  );
}

/** The answer for onto[k], as the SDK's resolver gets it. */
function resolve(
  onto: Onto,
  k: string,
  v: unknown,
  isKnown: boolean,
  isSecret: boolean,
  deps: unknown[],
  err?: Error,
) {
  const st = onto[STATE];
  if (st.settles?.[k] === undefined && err) materialize(onto, k);
  const settle = st.settles?.[k];
  // Read already (or an error, which rejects as the SDK does): the SDK's Output, resolved now.
  if (settle) return settle(v, isKnown, isSecret, deps, err);
  if (st.assigned) Object.defineProperty(onto, k, accessor(k));
  (st.answers ??= {})[k] = { v, isKnown, isSecret, deps, at: noteAnswer() };
}

const accessors = new Map<string, PropertyDescriptor>();
const resolverGetters = new Map<string, PropertyDescriptor>();

/** onto[k]'s accessor: the same functions for every resource. */
function accessor(k: string): PropertyDescriptor {
  let d = accessors.get(k);
  if (!d) {
    d = {
      get(this: Onto) {
        return read(this, k);
      },
      set(this: Onto, v: unknown) {
        this[STATE].assigned = true;
        define(this, k, v);
      },
      enumerable: true,
      configurable: true,
    };
    accessors.set(k, d);
  }
  return d;
}

/** resolvers[k]: made when the SDK reads it, for the resource the resolvers object belongs to. */
function resolverGetter(k: string): PropertyDescriptor {
  let d = resolverGetters.get(k);
  if (!d) {
    d = {
      get(this: { [ONTO]: Onto }): Resolver {
        const onto = this[ONTO];
        return (v, isKnown, isSecret, deps = [], err) => resolve(onto, k, v, isKnown, isSecret, deps, err);
      },
      enumerable: true,
      configurable: true,
    };
    resolverGetters.set(k, d);
  }
  return d;
}

export function lazyOutputProperties(): void {
  const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    transferProperties(onto: object, label: string, props: { [k: string]: unknown }): object;
  };
  const own = Object.prototype.hasOwnProperty;
  rpc.transferProperties = function (onto: any, label: string, props: { [k: string]: unknown }): object {
    const resolvers = { [ONTO]: onto };
    onto[STATE] = {};
    for (const k of Object.keys(props)) {
      // Skip "id" and "urn", which the SDK handles itself.
      if (k === "id" || k === "urn") continue;
      if (own.call(onto, k)) throw new Error(`Property '${k}' is already initialized on target '${label}`);
      Object.defineProperty(onto, k, accessor(k));
      Object.defineProperty(resolvers, k, resolverGetter(k));
    }
    return resolvers;
  };
}
