/**
 * Home backups in a tenant namespace, asked of a real API server holding the edge plan's namespaces,
 * service accounts, Roles and the tenant admission policies: the backup controller (the hub namespace's
 * `notebook-backup`) may start the copier and put-back Jobs notebook_backup.py builds, their pods are
 * admitted there (Pod Security `restricted`, the home guard's policies), and a student may start neither.
 * The Jobs are what the script makes from the plan's CronJob environment (python3 runs its job_manifest).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { expect } from "chai";
import { applyRbac } from "../../tools/cluster/authz";
import { createNamespaces } from "../../tools/cluster/admission";
import { installCrds } from "../../tools/cluster/crds";
import { ControlPlane } from "../../tools/cluster/harness";
import { loadPlan, manifests, type Plan } from "../../tools/cluster/plan";

const plan: Plan = loadPlan("edge", []);
const objects = manifests(plan).map((m) => m.object);
const ns = objects.find((o) => o.kind === "Namespace" && o.metadata?.labels?.["datavis.io/tenant"])!.metadata
  .name as string;
const cron = objects.find((o) => o.kind === "CronJob" && o.metadata?.name === "notebook-backup")!;
const hubNs = cron.metadata.namespace as string;
const cronEnv: Record<string, string> = Object.fromEntries(
  cron.spec.jobTemplate.spec.template.spec.containers[0].env
    .filter((e: any) => typeof e.value === "string")
    .map((e: any) => [e.name, e.value]),
);
const SCRIPT_DIR = path.join(__dirname, "..", "..", "components", "platform", "notebooks", "backup");

/** The Job notebook_backup.py starts for a volume of the tenant namespace (kind copy or put-back). */
function scriptJob(kind: "copy" | "put-back"): any {
  const prefix = JSON.parse(cronEnv.BACKUP_TENANTS)[ns];
  const code = `import json, datetime, notebook_backup as nb
print(json.dumps(nb.job_manifest(${JSON.stringify(kind)}, "student-a", "claim-student-a", datetime.date(2026, 11, 30), None, ${JSON.stringify(prefix)}, "https://presigned.example/manifest")))`;
  const r = spawnSync("python3", ["-c", code], {
    cwd: SCRIPT_DIR,
    env: { ...process.env, ...cronEnv },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`notebook_backup.py job_manifest: ${r.stderr}`);
  const job = JSON.parse(r.stdout);
  job.metadata.name = `${kind}-student-a`;
  delete job.metadata.generateName;
  job.metadata.namespace = ns;
  return job;
}

const as = (user: string) => {
  const sa = user.split(":");
  return [`--as=${user}`, "--as-group=system:serviceaccounts", `--as-group=system:serviceaccounts:${sa[2]}`];
};
const controller = as(`system:serviceaccount:${hubNs}:notebook-backup`);
const jobController = as("system:serviceaccount:kube-system:job-controller");

describe(`cluster: home backups in a tenant namespace (${ns})`, function () {
  let cp: ControlPlane;
  const create = (who: string[], obj: object) =>
    cp.kubectl(["create", "--dry-run=server", ...who, "-f", "-"], JSON.stringify(obj));
  /** The pod the Job controller makes from a Job (it creates pods as its own account). */
  const podOf = (job: any) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${job.metadata.name}-pod`, namespace: ns },
    spec: job.spec.template.spec,
  });
  /** The copier's pod without the home volume: what a student's Spark code would start to borrow its account. */
  const copierPodWithoutClaim = () => {
    const pod = podOf(scriptJob("copy"));
    pod.spec.volumes = pod.spec.volumes.filter((v: any) => !v.persistentVolumeClaim);
    pod.spec.containers[0].volumeMounts = pod.spec.containers[0].volumeMounts.filter(
      (m: any) => m.name !== "home",
    );
    return pod;
  };

  before(async function () {
    cp = await ControlPlane.start();
    await installCrds(cp);
    await createNamespaces(cp, plan);
    expect(await applyRbac(cp, plan)).to.deep.equal([]);
    for (const o of objects.filter((x) => x.kind.startsWith("ValidatingAdmissionPolicy")))
      cp.kubectlOk(["apply", "-f", "-"], JSON.stringify(o));
    // The admission policies take effect within moments: wait until the home guard refuses its probe.
    for (let i = 0; i < 120; i++) {
      if (/runs as/.test(create(as(`system:serviceaccount:${ns}:spark`), copierPodWithoutClaim()).stderr))
        return;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new Error("the tenant admission policies never took effect");
  });

  after(async function () {
    await cp?.stop();
  });

  for (const kind of ["copy", "put-back"] as const) {
    it(`the backup controller may start a ${kind} Job there`, function () {
      const r = create(controller, scriptJob(kind));
      expect(r.stderr).to.equal("");
      expect(r.code).to.equal(0);
    });

    it(`the ${kind} Job's pod is admitted there (Pod Security restricted, the home guard)`, function () {
      const r = create(jobController, podOf(scriptJob(kind)));
      expect(r.stderr).to.equal("");
      expect(r.code).to.equal(0);
    });

    it(`a student's server, the tenant's Spark account and the copier's own account may not start a ${kind} Job`, function () {
      for (const who of ["notebook", "spark", "notebook-backup"]) {
        const r = create(as(`system:serviceaccount:${ns}:${who}`), scriptJob(kind));
        expect(r.code, who).to.not.equal(0);
        expect(r.stderr, who).to.include("forbidden");
      }
    });
  }

  it("a Spark driver's code may not start a pod as the copier's account", function () {
    const pod = podOf(scriptJob("copy"));
    pod.spec.volumes = pod.spec.volumes.filter((v: any) => !v.persistentVolumeClaim);
    pod.spec.containers[0].volumeMounts = pod.spec.containers[0].volumeMounts.filter(
      (m: any) => m.name !== "home",
    );
    const r = create(as(`system:serviceaccount:${ns}:spark`), pod);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("runs as 'spark' or 'default' only");
  });

  it("the backup controller may start no Job outside the hub's and the tenants' namespaces", function () {
    const job = { ...scriptJob("copy"), metadata: { name: "elsewhere", namespace: "kube-system" } };
    const r = create(controller, job);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("forbidden");
  });
});
