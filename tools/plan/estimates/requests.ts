/**
 * Kubernetes resource quantities and pod requests, for the edge capacity estimate.
 */

/** CPU quantity ("250m", "0.5", 2) in millicores; undefined when absent or unreadable. */
export function cpuMilli(q: unknown): number | undefined {
  if (typeof q === "number" && Number.isFinite(q)) return q * 1000;
  if (typeof q !== "string") return undefined;
  const m = /^\s*([0-9.]+(?:e[0-9]+)?)\s*(m?)\s*$/i.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] ? n : n * 1000;
}

const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };

/** Kubernetes memory quantity ("192Mi", "1G", "128974848", 1e9) in MiB; undefined when unreadable. */
export function memoryMi(q: unknown): number | undefined {
  if (typeof q === "number" && Number.isFinite(q)) return q / 2 ** 20;
  if (typeof q !== "string") return undefined;
  const m = /^\s*([0-9.]+(?:e[0-9]+)?)\s*([A-Za-z]*)\s*$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2];
  if (unit === "") return n / 2 ** 20;
  if (unit in BINARY) return (n * BINARY[unit]) / 2 ** 20;
  if (unit in DECIMAL) return (n * DECIMAL[unit]) / 2 ** 20;
  return undefined;
}

/**
 * KubeSpawner's memory strings (mem_guarantee, "1G"): its K/M/G/T suffixes are powers of 1024.
 */
export function spawnerMemoryMi(q: unknown): number | undefined {
  if (typeof q === "number" && Number.isFinite(q)) return q / 2 ** 20;
  if (typeof q !== "string") return undefined;
  const m = /^\s*([0-9.]+)\s*([KMGT]?)\s*$/.exec(q);
  if (!m) return memoryMi(q);
  const pow = { "": 0, K: 1, M: 2, G: 3, T: 4 }[m[2] as "" | "K" | "M" | "G" | "T"];
  return (Number(m[1]) * 1024 ** pow) / 2 ** 20;
}

/** Requests of one container: requests, or limits where no request is set (Kubernetes defaults to them). */
export function containerRequests(
  resources: unknown,
): { cpuMilli: number; memoryMi: number } | { missing: string } {
  const r = (resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  const cpu = cpuMilli(r.requests?.cpu) ?? cpuMilli(r.limits?.cpu);
  const mem = memoryMi(r.requests?.memory) ?? memoryMi(r.limits?.memory);
  const missing = [cpu === undefined ? "cpu" : "", mem === undefined ? "memory" : ""].filter(Boolean);
  if (missing.length) return { missing: `no ${missing.join(" or ")} request` };
  return { cpuMilli: cpu!, memoryMi: mem! };
}

/**
 * A pod spec's effective request: the sum of its containers, or its largest init container when that is
 * larger (the scheduler's rule). Containers without requests are reported, not guessed.
 */
export function podSpecRequests(spec: any): { cpuMilli: number; memoryMi: number; missing: string[] } {
  let cpu = 0;
  let mem = 0;
  const missing: string[] = [];
  for (const c of spec?.containers ?? []) {
    const r = containerRequests(c.resources);
    if ("missing" in r) missing.push(`container ${c.name}: ${r.missing}`);
    else {
      cpu += r.cpuMilli;
      mem += r.memoryMi;
    }
  }
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequests(c.resources);
    if (!("missing" in r)) {
      cpu = Math.max(cpu, r.cpuMilli);
      mem = Math.max(mem, r.memoryMi);
    }
  }
  return { cpuMilli: cpu, memoryMi: mem, missing };
}
