/**
 * The harness itself: a component that dies mid-run is reported by name and everything is still cleaned
 * up; an interrupted test run leaves no process or folder behind.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ControlPlane } from "../../tools/cluster/harness";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("cluster harness", function () {
  it("reports an API server killed mid-run and still stops every component and removes its folder", async function () {
    const logged: string[] = [];
    const cp = await ControlPlane.start({ log: (l) => logged.push(l) });
    try {
      expect(cp.kubectl(["get", "namespaces", "-o", "name"]).stdout).to.contain("namespace/default");
      const api = cp.procs.find((p) => p.name === "kube-apiserver")!;
      api.child.kill("SIGKILL");
      await cp
        .waitFor("the API server's exit to be noticed", async () => !!api.exited, 30_000)
        .catch(() => undefined);
      // A call that needs the API server fails, and the failure names the dead component.
      let err: Error | undefined;
      try {
        cp.kubectlOk(["get", "namespaces"]);
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).to.match(
        /control plane component down: kube-apiserver exited \(code null, signal SIGKILL\)/,
      );
      expect(logged.join("\n")).to.contain("kube-apiserver exited unexpectedly");
      expect(cp.failures().map((f) => f.split(" ")[0])).to.deep.equal(["kube-apiserver"]);
    } finally {
      await cp.stop();
    }
    expect(cp.allStopped(), "every component stopped").to.equal(true);
    expect(fs.existsSync(cp.dir), `${cp.dir} removed`).to.equal(false);
  });

  it("an interrupted run (SIGINT) stops every component and removes its folder", async function () {
    const child = spawn(
      process.execPath,
      ["-r", "./tools/register.js", path.join("tests", "cluster", "fixtures", "hold-control-plane.ts")],
      { cwd: path.resolve(__dirname, "..", ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) resolve(buf.split("\n")[0]);
      });
      child.on("exit", (code) => reject(new Error(`holder exited ${code} before the control plane was up`)));
    });
    const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
    expect(pids.length).to.equal(4); // etcd, kube-apiserver, kube-controller-manager, kube-scheduler
    expect(pids.every(alive)).to.equal(true);
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c));
      child.kill("SIGINT");
    });
    expect(code).to.equal(130);
    for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive), "components still running").to.deep.equal([]);
    expect(fs.existsSync(dir), `${dir} removed`).to.equal(false);
  });
});
