/**
 * Bounded registrations in flight (item 10 of sdk-load.ts).
 *
 * A program constructs its resources synchronously, and under the SDK each one then works through
 * prepareResource (runtime/resource.js, pinned @pulumi/pulumi 3.270.0, lines 658-876) at once, turn by
 * turn, all of them interleaved: at 1000 tenants on the edge stack 36,000 registrations advance together,
 * so whatever one of them keeps for a few turns is still alive when the young generation is collected (one
 * turn of 36,000 registrations allocates more than the young generation holds), and is copied into the old
 * generation. At 100 tenants the same objects die young. That difference, not the work itself, made
 * t(1000)/t(100) superlinear (tools/bench/tenants.ts).
 *
 * Here at most ADMITTED_PER_WINDOW registrations start preparing between two points where the microtask
 * queue is empty; the next ones wait at the start of prepareResource, after everything its callers read
 * synchronously is made (the resource's URN, id and output properties: the SDK's "never await prior to
 * this line"), and are let in, in the order their resources were constructed, when the queue is next
 * empty. A registration waits on resources constructed before it (a parent, a provider, a dependency, an
 * Output it was given), so the ones let in first can finish. Only registrations wait: a resource read back
 * by URN (getResource: a remote component's answer holding resource references, as the eks Cluster's
 * does) or by id (readResource; both call prepareResource without a type) goes on at once, since it is
 * made while earlier registrations wait for it (dev's Kubernetes provider waited on the eks Cluster's
 * outputs, and every Kubernetes resource on the provider). A resource a program makes inside an apply joins
 * the queue when made, and what waits on it waits that much longer; a window opens whenever the microtask
 * queue is empty and registrations are waiting, so nothing waits for ever.
 *
 * A program that constructs no more than ADMITTED_PER_WINDOW resources at once never waits: its resources
 * register on exactly the SDK's turns, as before (the plans of dev, prod and edge are byte-identical). A
 * larger one registers the same resources with the same inputs and dependencies, window by window, and its
 * plan lists them in that order. `pulumi up` and `pulumi preview` never load this file.
 */
import * as path from "path";
import { patchSdkSource } from "./sdk-serialize";

/**
 * Registrations started per window (between two empty microtask queues). Large enough that every stack's
 * defaults (160 to 294 resources) register exactly as under the SDK; small enough that what a window's
 * registrations keep for a few turns mostly dies young. Edge, `npm run bench:tenants`, t(1000) in s of CPU
 * with 250, 500, 1000, 2000, 4000 in one series: 7.0, 6.9, 7.2, 8.2, 9.2; 500 and 1000 alternated three
 * times: 6.3, 6.1, 6.9 and 6.6, 6.7, 7.7.
 */
export const ADMITTED_PER_WINDOW = 500;

// Captured when loaded, so that a test's fake timers cannot stall a plan.
const nextMacrotask = setImmediate;

const waiting: Array<() => void> = [];
let head = 0;
let admitted = 0;
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  nextMacrotask(openWindow);
}

/** The microtask queue is empty: a new window, and the next waiting registrations are let in. */
function openWindow(): void {
  scheduled = false;
  admitted = 0;
  const end = Math.min(waiting.length, head + ADMITTED_PER_WINDOW);
  while (head < end) {
    admitted++;
    waiting[head++]();
  }
  if (head === waiting.length) {
    waiting.length = 0;
    head = 0;
  }
  if (admitted > 0) schedule();
}

/**
 * Called by prepareResource for each registration before its first await: undefined if it may go on at
 * once (no turn is added), else a promise fulfilled when it is let in.
 */
export function admitRegistration(): Promise<void> | undefined {
  if (head === waiting.length && admitted < ADMITTED_PER_WINDOW) {
    admitted++;
    schedule();
    return undefined;
  }
  schedule();
  return new Promise((resolve) => waiting.push(resolve));
}

/** [what prepareResource says before its first await, what the patched file says there]. */
const FIRST_AWAIT = "    pendingRegistrations.set(res, pending);\n";
const ADMITTED =
  FIRST_AWAIT +
  "    { const admission = type === undefined ? undefined : module.offlineAdmitRegistration(); if (admission !== undefined) await admission; }\n";

/** Loads runtime/resource.js with prepareResource waiting for admission (unchanged if the pinned text is
 * not found; tests/tools-sdk-turns.test.ts checks that it applies). */
export function boundedRegistrations(sdkDir: string): void {
  patchSdkSource(path.join(sdkDir, "runtime", "resource.js"), (source, module) => {
    const applies = source.split(FIRST_AWAIT).length === 2;
    module.offlineAdmitRegistration = admitRegistration;
    module.exports.__offlineBoundedRegistrations = applies;
    return applies ? source.replace(FIRST_AWAIT, ADMITTED) : source;
  });
}
