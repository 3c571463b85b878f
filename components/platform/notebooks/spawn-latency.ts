/**
 * How long a user waits for a notebook server, where that wait comes from, and the z2jh values that cut it.
 *
 * On AWS the notebook node group scales from zero: the first server on a fresh node waits for the node
 * (a few minutes) and then for the single-user image (several GB) to be pulled. Two z2jh features help:
 *
 * - the continuous image pre-puller (`prePuller.continuous`): a daemonset on every notebook node that
 *   pulls the single-user image as soon as the node joins, before any user is scheduled there;
 * - user placeholders (`scheduling.userPlaceholder`): low-priority pause pods the size of a server. They
 *   keep room (and with the autoscaler, nodes) ready; a real user's pod preempts one at once, and the
 *   evicted placeholder makes the autoscaler add the next node in the background. Preemption needs
 *   `scheduling.podPriority.enabled` (z2jh docs, "Optimizations": "Scaling up in time (user placeholders)").
 *
 * Cost: each placeholder reserves one server's guarantees all the time, so at least one notebook node
 * stays up even with nobody working (docs/notebooks-platform.md, "Spawn latency and its cost").
 *
 * On edge the nodes are fixed: there is nothing to scale up in time, placeholders would only take memory
 * from 4 GiB Raspberry Pis, and the air-gap bundle preloads the images into k3s, so both stay off.
 */

import { NOTEBOOK_SIZING_DEFAULTS, type NotebookSizing } from "./hub-values";

/** Settings of the notebook spawn path (from config on AWS; off on edge). */
export interface SpawnLatencySettings {
  /** Continuous image pre-puller: pull the single-user image on every notebook node as it joins. */
  prePuller: boolean;
  /** User placeholder pods kept running; 0 turns them off. */
  placeholders: number;
  /** CPU (cores) and memory each placeholder reserves: the guarantees of the profile it stands for. */
  placeholderSize: { cpu: number; memory: string };
}

/** Settings from a profile name: each placeholder reserves that profile's CPU and memory guarantees. */
export function spawnLatencyFor(
  o: { prePuller: boolean; placeholders: number; profile: keyof NotebookSizing },
  sizing: NotebookSizing = NOTEBOOK_SIZING_DEFAULTS,
): SpawnLatencySettings {
  const size = sizing[o.profile];
  return {
    prePuller: o.prePuller,
    placeholders: o.placeholders,
    placeholderSize: { cpu: size.cpuGuarantee, memory: size.memGuarantee },
  };
}

/** Off: what fixed-size clusters (edge) run. */
export const SPAWN_LATENCY_OFF: SpawnLatencySettings = {
  prePuller: false,
  placeholders: 0,
  placeholderSize: { cpu: 0.25, memory: "1G" },
};

/** The z2jh values for these settings (prePuller and scheduling keys of the jupyterhub chart 4.4.0). */
export function spawnLatencyValues(s: SpawnLatencySettings): Record<string, any> {
  const placeholders = s.placeholders > 0;
  return {
    prePuller: { continuous: { enabled: s.prePuller } },
    scheduling: {
      // Placeholders run at userPlaceholderPriority (-10 by default) and users at 0, so users preempt them.
      podPriority: { enabled: placeholders },
      userPlaceholder: {
        enabled: placeholders,
        replicas: s.placeholders,
        ...(placeholders
          ? {
              resources: {
                requests: { cpu: String(s.placeholderSize.cpu), memory: s.placeholderSize.memory },
                limits: { cpu: String(s.placeholderSize.cpu), memory: s.placeholderSize.memory },
              },
            }
          : {}),
      },
    },
  };
}

/** Maps merged key by key (as Helm coalesces values); everything else from `over`. */
function merge(base: unknown, over: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The hub values with the spawn-latency settings applied (SPAWN_LATENCY_OFF when none are given). */
export function withSpawnLatency(
  values: Record<string, any>,
  s: SpawnLatencySettings | undefined,
): Record<string, any> {
  return merge(values, spawnLatencyValues(s ?? SPAWN_LATENCY_OFF)) as Record<string, any>;
}
