/**
 * A throwaway Kubernetes control plane on 127.0.0.1 for the cluster suite (tests/cluster/):
 * etcd, kube-apiserver (client-certificate auth, Node + RBAC authorization, Pod Security admission),
 * kube-controller-manager, kube-scheduler and kwok (node and pod status without kubelets), each on a
 * random free port, everything in one temporary folder. `stop()` ends every process it started and removes
 * the folder, whatever happened; so do SIGINT/SIGTERM and the Node process's exit.
 *
 * Binaries come from tools/cluster/build.sh's cache (`binDir()`), built once per pinned version.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ETCD_VERSION, KUBERNETES_PATCH_VERSION, KWOK_VERSION } from "./versions";

/** Folder of the binaries tools/cluster/build.sh builds (same rule as the script). */
export function binDir(): string {
  const cache = process.env.DATAVIS_CACHE || path.join(os.homedir(), ".cache", "datavis");
  return path.join(cache, "k8s", KUBERNETES_PATCH_VERSION);
}

export interface Binaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kubectl: string;
  kwok: string;
}

export function binaries(dir = binDir()): Binaries {
  const b: Binaries = {
    etcd: path.join(dir, `etcd-${ETCD_VERSION}`, "etcd"),
    apiserver: path.join(dir, "kube-apiserver"),
    controllerManager: path.join(dir, "kube-controller-manager"),
    scheduler: path.join(dir, "kube-scheduler"),
    kubectl: path.join(dir, "kubectl"),
    kwok: path.join(dir, `kwok-${KWOK_VERSION}`, "kwok"),
  };
  const stages = path.join(dir, `kwok-${KWOK_VERSION}`, "stages.yaml");
  const missing = [...Object.values(b), stages].filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new Error(
      `cluster binaries missing (${missing.join(", ")}): run bash tools/cluster/build.sh first`,
    );
  return b;
}

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr || r.error}`);
}

/** Throwaway PKI: a CA, the API server's serving certificate, and client certificates (CN, O). */
function makePki(dir: string, clients: Record<string, { cn: string; o?: string }>): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=datavis-test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  const sign = (name: string, subj: string, ext: string): void => {
    openssl(dir, [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      subj,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    ]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ]);
  };
  sign(
    "apiserver",
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  for (const [name, c] of Object.entries(clients))
    sign(name, `${c.o ? `/O=${c.o}` : ""}/CN=${c.cn}`, "extendedKeyUsage=clientAuth\n");
  // Service account token signing key pair.
  openssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"]);
  openssl(dir, ["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function kubeconfig(dir: string, server: string, user: string): string {
  const file = path.join(dir, `${user}.kubeconfig`);
  const abs = (f: string): string => path.join(dir, f);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server, "certificate-authority": abs("ca.crt") } }],
      users: [
        { name: user, user: { "client-certificate": abs(`${user}.crt`), "client-key": abs(`${user}.key`) } },
      ],
      contexts: [{ name: "test", context: { cluster: "test", user } }],
      "current-context": "test",
    }),
  );
  return file;
}

export interface ProcessRecord {
  name: string;
  child: ChildProcess;
  log: string;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  /** Set once stop() has begun: an exit after that is expected. */
  stopping: boolean;
}

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
    const log = path.join(this.dir, `${name}.log`);
    const out = fs.openSync(log, "a");
    const child = spawn(file, args, { cwd: this.dir, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    const rec: ProcessRecord = { name, child, log, stopping: false };
    child.on("exit", (code, signal) => {
      rec.exited = { code, signal };
      if (!rec.stopping) this.say(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
    });
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

    this.run("etcd", this.bin.etcd, [
      `--data-dir=${path.join(d, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      "--unsafe-no-fsync", // a test database: durability is not the point, speed on a loaded disk is
    ]);
    this.run("kube-apiserver", this.bin.apiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${d}`,
      `--tls-cert-file=${path.join(d, "apiserver.crt")}`,
      `--tls-private-key-file=${path.join(d, "apiserver.key")}`,
      `--client-ca-file=${path.join(d, "ca.crt")}`,
      "--anonymous-auth=false",
      "--authorization-mode=Node,RBAC",
      // PodSecurity is in the default plugin set; named so that nobody turns it off by accident.
      "--enable-admission-plugins=NodeRestriction,PodSecurity",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${path.join(d, "sa.pub")}`,
      `--service-account-signing-key-file=${path.join(d, "sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--profiling=false",
    ]);
    await this.waitReady("/readyz", 120_000);
    this.run("kube-controller-manager", this.bin.controllerManager, [
      `--kubeconfig=${kcmConfig}`,
      `--authentication-kubeconfig=${kcmConfig}`,
      `--authorization-kubeconfig=${kcmConfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${kcmPort}`,
      "--leader-elect=false",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${path.join(d, "sa.key")}`,
      `--root-ca-file=${path.join(d, "ca.crt")}`,
      `--cluster-signing-cert-file=${path.join(d, "ca.crt")}`,
      `--cluster-signing-key-file=${path.join(d, "ca.key")}`,
    ]);
    this.run("kube-scheduler", this.bin.scheduler, [
      `--kubeconfig=${schedConfig}`,
      `--authentication-kubeconfig=${schedConfig}`,
      `--authorization-kubeconfig=${schedConfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
      "--leader-elect=false",
    ]);
    if (this.opts.kwok !== false) {
      // kwok manages only nodes annotated kwok.x-k8s.io/node=fake (and the pods bound to them): it keeps
      // their leases and Ready condition fresh and moves their pods to Running, as kubelets would.
      this.run("kwok", this.bin.kwok, [
        `--kubeconfig=${this.adminKubeconfig}`,
        `--config=${path.join(path.dirname(this.bin.kwok), "stages.yaml")}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--cidr=10.244.0.0/16",
        "--node-ip=10.240.0.1",
        "--server-address=",
      ]);
    }
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
    for (const p of this.procs) {
      p.stopping = true;
      if (!p.exited) {
        try {
          p.child.kill("SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    if (!this.opts.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops every component (SIGTERM, then SIGKILL after 10 s) in reverse start order; removes the folder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of [...this.procs].reverse()) {
      p.stopping = true;
      if (p.exited) continue;
      p.child.kill("SIGTERM");
      const until = Date.now() + 10_000;
      while (!p.exited && Date.now() < until) await sleep(100);
      if (!p.exited) {
        p.child.kill("SIGKILL");
        while (!p.exited) await sleep(50);
      }
    }
    live.delete(this);
    if (!this.opts.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** True when no process this control plane started is still running. */
  allStopped(): boolean {
    return this.procs.every((p) => p.exited !== undefined || !isAlive(p.child.pid));
  }
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
