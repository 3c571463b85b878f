/**
 * A throwaway Kubernetes control plane on 127.0.0.1 for the cluster suite (tests/cluster/):
 * etcd, kube-apiserver (client-certificate auth, Node + RBAC authorization, Pod Security admission),
 * kube-controller-manager, kube-scheduler and kwok (node and pod status without kubelets), each on a
 * random free port, everything in one temporary folder. `stop()` ends every process it started and removes
 * the folder, whatever happened; so do SIGINT/SIGTERM and the Node process's exit.
 *
 * Binaries come from tools/cluster/build.sh's cache (binaries.ts), built once per pinned version; the
 * certificates from pki.ts, the components' command lines from flags.ts, process handling from processes.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { binaries, type Binaries } from "./binaries";
import { apiserverFlags, controllerManagerFlags, etcdFlags, kwokFlags, schedulerFlags } from "./flags";
import { kubeconfig, makePki } from "./pki";
import {
  freePort,
  isAlive,
  killProcess,
  sleep,
  startProcess,
  stopProcess,
  tail,
  type ProcessRecord,
} from "./processes";

export interface StartOptions {
  /** Keep the folder after stop() (for debugging). */
  keep?: boolean;
  /** Start kwok (node and pod status); default true. */
  kwok?: boolean;
  log?: (line: string) => void;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const live = new Set<ControlPlane>();
let hooked = false;
/** On SIGINT/SIGTERM or exit, no control plane outlives the test process. */
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const cp of live) cp.killNow();
  };
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.on(sig, () => {
      killAll();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
}

export class ControlPlane {
  readonly dir: string;
  readonly bin: Binaries;
  server = "";
  adminKubeconfig = "";
  readonly procs: ProcessRecord[] = [];
  private readonly opts: StartOptions;
  private stopped = false;

  private constructor(bin: Binaries, opts: StartOptions) {
    this.bin = bin;
    this.opts = opts;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "datavis-cluster-"));
  }

  /** Starts the whole control plane; on any failure everything started so far is stopped first. */
  static async start(opts: StartOptions = {}): Promise<ControlPlane> {
    const cp = new ControlPlane(binaries(), opts);
    live.add(cp);
    hookProcessExit();
    try {
      await cp.boot();
      return cp;
    } catch (e) {
      const logs = cp.tailLogs();
      await cp.stop();
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
  }

  private say(s: string): void {
    (this.opts.log ?? ((l: string) => process.stderr.write(`[cluster] ${l}\n`)))(s);
  }

  private run(name: string, file: string, args: string[]): ProcessRecord {
    const rec = startProcess(this.dir, name, file, args, (m) => this.say(m));
    this.procs.push(rec);
    return rec;
  }

  private async boot(): Promise<void> {
    const t0 = Date.now();
    const d = this.dir;
    makePki(d, {
      admin: { cn: "datavis-test-admin", o: "system:masters" },
      "kube-controller-manager": { cn: "system:kube-controller-manager" },
      "kube-scheduler": { cn: "system:kube-scheduler" },
    });
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort] = await Promise.all(
      [0, 1, 2, 3, 4].map(() => freePort()),
    );
    this.server = `https://127.0.0.1:${apiPort}`;
    this.adminKubeconfig = kubeconfig(d, this.server, "admin");
    const kcmConfig = kubeconfig(d, this.server, "kube-controller-manager");
    const schedConfig = kubeconfig(d, this.server, "kube-scheduler");

    this.run("etcd", this.bin.etcd, etcdFlags(d, etcdClient, etcdPeer));
    this.run("kube-apiserver", this.bin.apiserver, apiserverFlags(d, etcdClient, apiPort));
    await this.waitReady("/readyz", 120_000);
    this.run(
      "kube-controller-manager",
      this.bin.controllerManager,
      controllerManagerFlags(d, kcmConfig, kcmPort),
    );
    this.run("kube-scheduler", this.bin.scheduler, schedulerFlags(schedConfig, schedPort));
    if (this.opts.kwok !== false)
      this.run("kwok", this.bin.kwok, kwokFlags(this.adminKubeconfig, this.bin.kwok));
    await this.waitFor(
      "default service account",
      async () => {
        const r = this.kubectl(["get", "serviceaccount", "default", "-n", "default", "-o", "name"]);
        return r.code === 0;
      },
      120_000,
    );
    this.say(`control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${this.server} (${d})`);
  }

  /** Polls `cond` until true, failing early (with the component's log) when a component has died. */
  async waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      this.assertHealthy();
      try {
        if (await cond()) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(250);
    }
  }

  private async waitReady(p: string, timeoutMs: number): Promise<void> {
    await this.waitFor(
      `kube-apiserver ${p}`,
      async () => (await this.request("GET", p)).status === 200,
      timeoutMs,
    );
  }

  /** Components that exited while they should be running, with the end of their logs. */
  failures(): string[] {
    return this.procs
      .filter((p) => p.exited && !p.stopping)
      .map(
        (p) =>
          `${p.name} exited (code ${p.exited!.code}, signal ${p.exited!.signal}); last log lines:\n` +
          tail(p.log, 8),
      );
  }

  /** Throws naming every component that died. */
  assertHealthy(): void {
    const f = this.failures();
    if (f.length) throw new Error(`control plane component down: ${f.join("\n")}`);
  }

  /** kubectl with the admin kubeconfig (or `asUser` impersonation flags in args). */
  kubectl(args: string[], input?: string): Result {
    const r = spawnSync(this.bin.kubectl, [`--kubeconfig=${this.adminKubeconfig}`, ...args], {
      input,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
  }

  /** kubectl that throws with stderr on failure. */
  kubectlOk(args: string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.code !== 0) {
      this.assertHealthy();
      throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
    }
    return r.stdout;
  }

  /** One HTTPS request to the API server as the admin client. */
  request(
    method: string,
    p: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<{ status: number; body: any }> {
    const d = this.dir;
    const u = new URL(this.server);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: u.hostname,
          port: u.port,
          path: p,
          method,
          ca: fs.readFileSync(path.join(d, "ca.crt")),
          cert: fs.readFileSync(path.join(d, "admin.crt")),
          key: fs.readFileSync(path.join(d, "admin.key")),
          headers: { "content-type": contentType, accept: "application/json" },
          timeout: 30_000,
        },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (data += c));
          res.on("end", () => {
            let parsed: any = data;
            try {
              parsed = JSON.parse(data);
            } catch {
              /* plain text (readyz) */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${p}: timed out`)));
      req.on("error", reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  }

  /** The end of every component's log (for failure messages). */
  tailLogs(lines = 15): string {
    return this.procs.map((p) => `--- ${p.name} (${p.log})\n${tail(p.log, lines)}`).join("\n");
  }

  /** Synchronous SIGKILL of every component (process exit path). */
  killNow(): void {
    for (const p of this.procs) killProcess(p);
    if (!this.opts.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops every component (SIGTERM, then SIGKILL after 10 s) in reverse start order; removes the folder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of [...this.procs].reverse()) await stopProcess(p);
    live.delete(this);
    if (!this.opts.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** True when no process this control plane started is still running. */
  allStopped(): boolean {
    return this.procs.every((p) => p.exited !== undefined || !isAlive(p.child.pid));
  }
}
