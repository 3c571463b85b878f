/**
 * The default single-user image (an upstream image without the platform's Python extras) and what every pod
 * that runs it gets: the hash-pinned install of papermill, psycopg, boto3 and the Kubernetes client before it
 * starts (components/platform/notebooks/python-extras.ts). The install itself is run for real, against a
 * local package index, by components/platform/notebooks/hub/test_hub_extras.py (CI suite 45).
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { configError, ofType, releaseValues, runStack, type ProgramRun } from "./harness";
import { IMAGES } from "../components/versions";
import {
  DEFAULT_PACKAGE_INDEX,
  EXTRAS_DIR,
  EXTRAS_SITE_DIR,
  PYTHON_EXTRAS_CONFIG_MAP,
} from "../components/platform/notebooks/python-extras";

const LOCK = path.resolve(__dirname, "../components/platform/notebooks/extras/requirements.lock");
const hub = (run: ProgramRun) => releaseValues(run, "jupyterhub");
const envValue = (env: { name: string; value?: string }[], name: string) =>
  env.find((e) => e.name === name)?.value;

describe("notebook extras with the default single-user image", () => {
  it("every server installs the locked extras with the server's own image before it starts", async () => {
    const su = hub(await runStack("edge")).singleuser;
    expect(`${su.image.name}:${su.image.tag}`).to.equal(IMAGES.singleuser);
    expect(su.initContainers).to.have.length(1);
    const init = su.initContainers[0];
    expect(init.image).to.equal(IMAGES.singleuser);
    const script = init.command.join(" ");
    for (const flag of ["--require-hashes", "--no-deps", "--only-binary=:all:", `--target ${EXTRAS_DIR}`])
      expect(script).to.contain(flag);
    expect(envValue(init.env, "PIP_INDEX_URL")).to.equal(DEFAULT_PACKAGE_INDEX);
    expect(init.securityContext).to.include({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    // The server mounts the installed folder read-only and finds sitecustomize.py on PYTHONPATH.
    const mounts = su.storage.extraVolumeMounts.map((m: any) => m.mountPath);
    expect(mounts).to.include.members([EXTRAS_DIR, EXTRAS_SITE_DIR]);
    expect(su.extraEnv.PYTHONPATH.split(":")).to.include(EXTRAS_SITE_DIR);
  });

  it("the lock pins every package with hashes, and names what the examples import", () => {
    const lock = fs.readFileSync(LOCK, "utf8");
    const pins = lock.split("\n").filter((l) => /^[A-Za-z]/.test(l));
    expect(pins.length).to.be.greaterThan(10);
    for (const pin of pins) expect(pin, pin).to.match(/^[A-Za-z0-9_.-]+==[^\s]+ \\$/);
    const names = pins.map((p) => p.split("==")[0].toLowerCase());
    expect(names).to.include.members(["papermill", "psycopg", "psycopg-binary", "boto3", "kubernetes"]);
    expect(lock.match(/--hash=sha256:[0-9a-f]{64}/g)!.length).to.be.at.least(pins.length);
  });

  it("scheduled runs and home backups get the same install (they run the same image)", async () => {
    const run = await runStack("edge");
    const runs = releaseValues(run, "scheduled-notebooks");
    expect(runs.initContainers[0].image).to.equal(IMAGES.singleuser);
    expect(envValue(runs.env, "PYTHONPATH")).to.equal(EXTRAS_SITE_DIR);
    const backup = ofType(run, "kubernetes:batch/v1:CronJob").find((c) => c.name === "notebook-backup")!;
    const pod = backup.inputs.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers[0].name).to.equal("python-extras");
    expect(envValue(pod.containers[0].env, "PYTHONPATH")).to.equal(EXTRAS_SITE_DIR);
    // The per-user copier pods the backup starts are built from the same template.
    const template = JSON.parse(envValue(pod.containers[0].env, "BACKUP_POD_TEMPLATE")!);
    expect(template.initContainers[0].name).to.equal("python-extras");
  });

  it("the lock reaches every namespace whose pods run the image: hub, scheduled runs, each tenant", async () => {
    const run = await runStack("dev");
    const namespaces = ofType(run, "kubernetes:core/v1:ConfigMap")
      .filter((c) => c.inputs.metadata.name === PYTHON_EXTRAS_CONFIG_MAP)
      .map((c) => c.inputs.metadata.namespace);
    expect(namespaces).to.include.members(["jupyterhub", "platform-jobs"]);
    expect(namespaces.filter((n: string) => n.startsWith("tenant-")).length).to.be.greaterThan(0);
  });

  it("a site's PyPI mirror is where the servers install from, and their network policy reaches it", async () => {
    const index = "http://pypi.lab.internal:3141/root/pypi/+simple/";
    const su = hub(await runStack("edge", { notebookPackageIndex: index })).singleuser;
    expect(envValue(su.initContainers[0].env, "PIP_INDEX_URL")).to.equal(index);
    const ports = su.networkPolicy.egress[0].ports.map((p: any) => p.port);
    expect(ports).to.include(3141);
  });

  it("a build of images/singleuser (singleUserImage) carries the extras: nothing is installed at start", async () => {
    const run = await runStack("edge", { singleUserImage: "ghcr.io/my-org/singleuser:v2026.12.0" });
    const su = hub(run).singleuser;
    expect(su.initContainers).to.equal(undefined);
    expect(su.extraEnv.PYTHONPATH).to.equal("/opt/datavis/lib");
    expect(releaseValues(run, "scheduled-notebooks").initContainers).to.equal(undefined);
    const maps = ofType(run, "kubernetes:core/v1:ConfigMap").filter(
      (c) => c.inputs.metadata.name === PYTHON_EXTRAS_CONFIG_MAP,
    );
    expect(maps).to.have.length(0);
  });

  it("an air-gapped site with neither the project's image nor a PyPI mirror is refused, naming singleUserImage", async () => {
    const err = await configError("edge", { airGapped: "true", registryMirror: "registry.lab.local:5000" });
    expect(err.key).to.equal("datavis:singleUserImage");
    expect(err.message).to.contain("notebookPackageIndex").and.not.contain("\n");
  });
});
