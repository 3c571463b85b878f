/**
 * An Output among a resource's inputs, serialized on the SDK's turns with fewer promises (item 9 of
 * sdk-load.ts).
 *
 * serializeProperty's Output branch (runtime/rpc.js, pinned @pulumi/pulumi 3.270.0, lines 363-439) awaits
 * the Output's resources, then `isKnown`, then `isSecret`, then serializes `prop.promise()` through its
 * Promise branch (another async frame, `debuggablePromise`'s two hops, a Set and two context strings)
 * before it serializes the value. Under a large program the Outputs most inputs hold (a tenant's namespace,
 * a role's name) resolve together, for thousands of resources at once, so everything those ten turns
 * allocate outlived a young-generation collection at 1000 tenants and not at 100.
 *
 * Here the Output's resources are awaited as the SDK does (`allResources()`); isKnown, isSecret and the
 * value are read at once on that turn, and the value is serialized on the turn the SDK serializes it
 * (VALUE_TURNS later), through the same `serializeProperty` and the same async return; the result comes
 * one turn after it, as the SDK's await gives it. tests/tools-sdk-turns.test.ts runs Outputs of every
 * kind (plain, nested, secret, unknown, over other Outputs and resources) beside the SDK as it ships.
 */

type Serialize = (ctx: string, prop: unknown, deps: Set<unknown> | undefined, opts?: any) => Promise<unknown>;

interface OutputLike {
  allResources(): Promise<Set<unknown>>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
}

/** Turns from resuming after the Output's resources until the SDK serializes the value: two awaits of
 * settled promises, `prop.promise()` (two turns) and `debuggablePromise` (two), then its await. */
export const VALUE_TURNS = 7;

import { onTurn, RESOLVED } from "./sdk-turns";

let loaded:
  | {
      isOutput(v: unknown): boolean;
      supportsSecrets(): boolean;
      secretValue(v: unknown): unknown;
      unknownValue: string;
    }
  | undefined;

function sdk(): NonNullable<typeof loaded> {
  if (!loaded) {
    const rpc = require("@pulumi/pulumi/runtime/rpc");
    const { Output } = require("@pulumi/pulumi/output");
    const state = require("@pulumi/pulumi/runtime/state");
    loaded = {
      isOutput: (v) => Output.isInstance(v),
      supportsSecrets: () => state.getStore().supportsSecrets,
      secretValue: rpc.serializeSecretValue,
      unknownValue: rpc.unknownValue,
    };
  }
  return loaded;
}

/**
 * The promise serializeProperty returns for the Output `prop`, or undefined if `prop` is not an Output the
 * SDK would serialize this way (old-style Outputs without `allResources`, or Output values kept for a
 * remote component): those go through the SDK's code.
 */
export function serializeOutput(
  serialize: Serialize,
  prop: unknown,
  dependentResources: Set<unknown> | undefined,
  opts: { keepOutputValues?: boolean; pendingRegistration?: { awaitingOutput?: unknown } } | undefined,
): Promise<unknown> | undefined {
  const { isOutput } = sdk();
  if (opts?.keepOutputValues || !isOutput(prop)) return undefined;
  const out = prop as OutputLike;
  if (!(out.allResources instanceof Function)) return undefined;
  if (opts?.pendingRegistration !== undefined) opts.pendingRegistration.awaitingOutput = prop;
  const all = out.allResources();
  return new Promise((resolve, reject) => {
    all.then((propResources) => {
      if (dependentResources) for (const r of propResources) dependentResources.add(r);
      // Read on this turn; all three are settled long before the SDK serializes the value.
      let isKnown = false;
      let isSecret: unknown = false;
      let value: unknown;
      let read = 0;
      let failed = false;
      const fail = (e: unknown): void => {
        if (!failed) reject(e);
        failed = true;
      };
      out.isKnown.then((k) => ((isKnown = k), read++), fail);
      out.isSecret.then((k) => ((isSecret = k), read++), fail);
      out.promise().then((v) => ((value = v), read++), fail);
      onTurn(VALUE_TURNS, () => {
        if (failed) return;
        if (read < 3) {
          reject(
            new Error("offline runtime: an Output's value was not read by the turn the SDK serializes it"),
          );
          return;
        }
        const promiseDeps = new Set<unknown>();
        // The SDK's Promise branch returns serializeProperty(...) from an async function.
        const inner = (async () => serialize("", value, promiseDeps, { keepOutputValues: false }))();
        inner.then((v) => {
          for (const r of promiseDeps) {
            propResources.add(r);
            dependentResources?.add(r);
          }
          const { supportsSecrets, secretValue, unknownValue } = sdk();
          const secret = isSecret === true && supportsSecrets();
          if (!isKnown) resolve(secret ? secretValue(unknownValue) : unknownValue);
          else resolve(secret ? secretValue(v) : v);
        }, reject);
      });
    }, reject);
  });
}

/**
 * The promise serializeProperty returns for an array or a plain object with an Output (or another value
 * that is not plain data) inside, or undefined for anything else. The SDK's branches (rpc.js, lines
 * 518-541) await each element or key in turn, in an async frame (an object's in one more, an inner async
 * function made for each object, whose result the SDK returns with `return await`): here the same
 * serializeProperty is called for each in turn, on the turn the SDK calls it, and the result is handed
 * back on the SDK's turn (an object's one turn after its last key).
 */
export function serializeContainer(
  serialize: Serialize,
  prop: unknown,
  dependentResources: Set<unknown> | undefined,
  opts: unknown,
): Promise<unknown> | undefined {
  if (prop === null || typeof prop !== "object") return undefined;
  const proto = Object.getPrototypeOf(prop);
  const array = Array.isArray(prop);
  if (array ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) return undefined;
  const keys = array ? undefined : Object.keys(prop);
  // `{ __pulumiOutput: true, ... }` and the like are what the SDK's isInstance checks recognize.
  if (keys && keys.some((k) => k.startsWith("__pulumi"))) return undefined;
  const items = prop as { [k: string]: unknown } & unknown[];
  const n = array ? items.length : keys!.length;
  const out: { [k: string]: unknown } & unknown[] = (array ? [] : {}) as any;
  let i = 0;
  return new Promise((resolve, reject) => {
    let key: string | number = 0;
    const next = (): void => {
      if (i === n) {
        // An array is returned from the SDK's frame; an object's inner function result with `return await`.
        if (array) resolve(out);
        else void RESOLVED.then(() => resolve(out));
        return;
      }
      key = array ? i : keys![i];
      i++;
      serialize("", items[key as any], dependentResources, opts).then(onValue, reject);
    };
    const onValue = (v: unknown): void => {
      // Arrays keep their length (undefined becomes null); objects drop undefined values, as in JSON.
      if (array) out.push(v === undefined ? null : v);
      else if (v !== undefined) out[key as string] = v;
      next();
    };
    next();
  });
}
