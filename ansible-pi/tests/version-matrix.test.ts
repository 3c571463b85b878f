import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MATRIX_FILE, buildMatrix, renderMatrix } from "../version-matrix";
import { KUBERNETES_VERSION } from "../../components/versions";
import { acceptedK3sMinors } from "../../components/versions/gate";

const ANSIBLE_PI = path.join(__dirname, "..");
const REPO_ROOT = path.join(ANSIBLE_PI, "..");

/** Runs a playbook of ansible-pi the way an operator does, with extra vars; returns its exit code and output. */
function playbook(
  book: string,
  inventory: string,
  extraVars: Record<string, string>,
): { rc: number; out: string } {
  const venvBin = path.join(REPO_ROOT, ".venv", "bin");
  const args = ["-i", path.join("tests", "inventories", inventory), book];
  for (const [k, v] of Object.entries(extraVars)) args.push("-e", `${k}=${v}`);
  const r = spawnSync("ansible-playbook", args, {
    cwd: ANSIBLE_PI,
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ""}`,
      ANSIBLE_CONFIG: path.join(ANSIBLE_PI, "ansible.cfg"),
      ANSIBLE_NOCOLOR: "1",
    },
  });
  if (r.error) throw r.error;
  return { rc: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe("version matrix: the vars file and the versions module", () => {
  it("vars/version-matrix.yml is exactly what the versions module generates (regenerate with --write)", () => {
    expect(fs.readFileSync(MATRIX_FILE, "utf8")).to.equal(renderMatrix());
  });

  it("carries jupyterhub >= 1.28 and cloudnative-pg >= 1.29 up to the pinned minor", () => {
    const m = buildMatrix();
    expect(m.kubernetes).to.equal(KUBERNETES_VERSION);
    const byName = Object.fromEntries(m.charts.map((c) => [c.name, c]));
    expect(byName["jupyterhub"].kubeVersion).to.equal(">=1.28.0-0");
    expect(byName["jupyterhub"].minors[0]).to.equal("1.28");
    expect(byName["cloudnative-pg"].kubeVersion).to.equal(">=1.29.0-0");
    expect(byName["cloudnative-pg"].minors[0]).to.equal("1.29");
    expect(m.accepted[0]).to.equal("1.29");
    expect(m.accepted[m.accepted.length - 1]).to.equal(KUBERNETES_VERSION);
  });

  it("accepts exactly the minors the versions module's acceptedK3sMinors() accepts", () => {
    expect(buildMatrix().accepted).to.deep.equal(acceptedK3sMinors());
  });
});

describe("version matrix: the gate in upgrade.yml and site.yml", function () {
  // ansible-playbook starts in a few seconds; the suite machine is shared, so no tight limit.
  this.timeout(180000);

  it("upgrade.yml refuses k3s v1.27.16+k3s1, naming jupyterhub and cloudnative-pg, before any node", () => {
    const r = playbook("upgrade.yml", "amd64.yml", { k3s_version: "v1.27.16+k3s1" });
    expect(r.rc).to.not.equal(0);
    expect(r.out).to.match(/k3s_version v1\.27\.16\+k3s1 is refused by the version matrix/);
    expect(r.out).to.match(/cloudnative-pg 0\.29\.0 needs Kubernetes >=1\.29\.0-0/);
    expect(r.out).to.match(/jupyterhub 4\.4\.0 needs Kubernetes >=1\.28\.0-0/);
    expect(r.out).to.not.match(/Preflight checks on every node/);
  });

  it("upgrade.yml refuses v1.28.15+k3s1 naming cloudnative-pg but not jupyterhub", () => {
    const r = playbook("upgrade.yml", "amd64.yml", { k3s_version: "v1.28.15+k3s1" });
    expect(r.rc).to.not.equal(0);
    expect(r.out).to.match(/refused by the version matrix: cloudnative-pg 0\.29\.0 needs/);
    expect(r.out).to.not.match(/jupyterhub 4\.4\.0 needs/);
  });

  it("upgrade.yml refuses a k3s on a minor newer than the versions module's KUBERNETES_VERSION", () => {
    const next = `v1.${Number(KUBERNETES_VERSION.split(".")[1]) + 1}.0+k3s1`;
    const r = playbook("upgrade.yml", "amd64.yml", { k3s_version: next });
    expect(r.rc).to.not.equal(0);
    expect(r.out).to.match(
      new RegExp(`built for Kubernetes ${KUBERNETES_VERSION.replace(".", "\\.")} at most`),
    );
  });

  it("site.yml lets the pinned k3s_version through the gate (it stops later, at the x86_64 host)", () => {
    const r = playbook("site.yml", "amd64.yml", {});
    expect(r.out).to.not.match(/refused by the version matrix/);
    expect(r.out).to.match(/amd64-host is x86_64, not aarch64/);
  });
});
