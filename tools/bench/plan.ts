/**
 * Benchmark (not a test): CPU and wall time of the offline plan as a user runs it (a fresh Node process,
 * `npm run plan -- --stack <s> --json` without npm's own start-up), beside the peer's `cdk synth` of a
 * comparable EKS platform (tools/bench/peer.ts), measured in the same run, in alternating pairs, so that
 * the machine's load affects both alike. The goal: the plan of dev costs no more CPU than the peer.
 *
 *   npm run bench:plan [-- --runs 5] [--stacks dev,prod,edge] [--no-peer]
 *
 * CPU time is the child's user + system time, read from this process's `cutime`/`cstime` in
 * /proc/self/stat (getrusage(RUSAGE_CHILDREN): every reaped descendant, so the peer's CLI and the app it
 * spawns are counted together). On a shared machine the wall clock mostly measures the other processes;
 * CPU time is what the goal is judged on. Figures are printed, never asserted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { countPeerResources, installPeer, PEER, peerAppCommand, peerCliCommand, peerEnv } from "./peer";

const ROOT = path.resolve(__dirname, "..", "..");
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

/** CPU seconds of reaped children so far (fields 16 and 17 of /proc/self/stat). */
function childrenCpu(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): cutime is field 16, cstime field 17.
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

interface Sample {
  cpu: number;
  wall: number;
}

function measure(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Sample & { stdout: string } {
  const cpu0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = childrenCpu() - cpu0;
  if (r.status !== 0 && !(r.status === 1 && argv.includes("--json")))
    throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { cpu, wall, stdout: r.stdout };
}

function planArgv(stack: string): string[] {
  return ["-r", "./tools/register.js", "tools/plan/plan.ts", "--stack", stack, "--json"];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;

function line(label: string, s: Sample[], extra = ""): string {
  const cpu = s.map((x) => x.cpu);
  const wall = s.map((x) => x.wall);
  return `  ${label.padEnd(34)} CPU ${median(cpu).toFixed(2)} s (${spread(cpu)})  wall ${median(wall).toFixed(2)} s (${spread(wall)})${extra}`;
}

function main(): void {
  const runs = Math.max(1, Number(arg("runs", "5")));
  const stacks = arg("stacks", "dev,prod,edge").split(",");
  const withPeer = !process.argv.includes("--no-peer");
  const env = { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" };
  console.log(
    `offline plan vs peer, ${runs} runs each (median, min-max), node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );

  const ours = new Map<string, Sample[]>(stacks.map((s) => [s, []]));
  const resources = new Map<string, number>();
  let peerDir = "";
  const peerCli: Sample[] = [];
  const peerApp: Sample[] = [];
  let peerResources = 0;
  if (withPeer) peerDir = installPeer((l) => console.log(l));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-peer-out-"));

  // A warm-up of each (file system cache, the transpile cache), not counted.
  for (const s of stacks)
    resources.set(s, JSON.parse(measure(planArgv(s), ROOT, env).stdout).resources.length);
  if (withPeer) {
    const c = peerCliCommand(peerDir, out);
    measure(c.argv, c.cwd, peerEnv());
    peerResources = countPeerResources(out);
  }
  for (let i = 0; i < runs; i++) {
    for (const s of stacks) ours.get(s)!.push(measure(planArgv(s), ROOT, env));
    if (withPeer) {
      const c = peerCliCommand(peerDir, out);
      peerCli.push(measure(c.argv, c.cwd, peerEnv()));
      const a = peerAppCommand(peerDir, out);
      peerApp.push(measure(a.argv, a.cwd, { ...peerEnv(), ...a.env }));
    }
  }
  fs.rmSync(out, { recursive: true, force: true });

  for (const s of stacks) console.log(line(`plan ${s}`, ours.get(s)!, `  ${resources.get(s)} resources`));
  if (!withPeer) return;
  const peerLabel = `eks-blueprints ${PEER.blueprints}, cdk-lib ${PEER.cdkLib}`;
  console.log(line(`peer cdk synth (CLI ${PEER.cdkCli})`, peerCli, `  ${peerResources} resources`));
  console.log(line(`peer app alone (no CLI)`, peerApp, `  ${peerLabel}`));
  const dev = ours.get("dev");
  if (dev) {
    const ourCpu = median(dev.map((x) => x.cpu));
    const cli = median(peerCli.map((x) => x.cpu));
    const app = median(peerApp.map((x) => x.cpu));
    console.log(
      `plan dev / peer CPU: ${(ourCpu / cli).toFixed(2)}x of cdk synth, ${(ourCpu / app).toFixed(2)}x of the app alone (goal <= 1.0)`,
    );
  }
}

main();
