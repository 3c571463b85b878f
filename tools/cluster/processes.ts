/**
 * The control plane's child processes: each started with its output in a log file in the control plane's
 * folder, its exit recorded (an exit before stop() is reported), stopped with SIGTERM then SIGKILL.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface ProcessRecord {
  name: string;
  child: ChildProcess;
  log: string;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  /** Set once stop() has begun: an exit after that is expected. */
  stopping: boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (bound then released; the components bind it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `file` in `dir`, output appended to <dir>/<name>.log; `unexpected` hears an exit before stopping. */
export function startProcess(
  dir: string,
  name: string,
  file: string,
  args: string[],
  unexpected: (message: string) => void,
): ProcessRecord {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, "a");
  const child = spawn(file, args, { cwd: dir, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  const rec: ProcessRecord = { name, child, log, stopping: false };
  child.on("exit", (code, signal) => {
    rec.exited = { code, signal };
    if (!rec.stopping) unexpected(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
  });
  return rec;
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
export async function stopProcess(p: ProcessRecord): Promise<void> {
  p.stopping = true;
  if (p.exited) return;
  p.child.kill("SIGTERM");
  const until = Date.now() + 10_000;
  while (!p.exited && Date.now() < until) await sleep(100);
  if (!p.exited) {
    p.child.kill("SIGKILL");
    while (!p.exited) await sleep(50);
  }
}

/** Synchronous SIGKILL (the process exit path, where nothing can be awaited). */
export function killProcess(p: ProcessRecord): void {
  p.stopping = true;
  if (!p.exited) {
    try {
      p.child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last `lines` lines of a log file. */
export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
