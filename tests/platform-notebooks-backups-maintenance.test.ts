/**
 * The notebook platform (issue 4) under both targets' inputs, read from what the program registers. Daily
 * backups of every home volume, read-only maintenance mode and the activity log.
 */
import { expect } from "chai";
import { releaseValues, runStack, type ProgramRun } from "./harness";
import { IMAGES } from "../components/versions";
import { scheduledRunsValues } from "../components/platform/notebooks/scheduled-runs";
import { HUB, MAINTENANCE, TUNED, byName, envOf, hub } from "./lib/notebooks";

const RUNS_ARGS = {
  namespace: "platform-jobs",
  objectStore: {
    region: "us-east-1",
    forcePathStyle: false,
    buckets: { notebooks: "nb", datasets: "ds", spark: "sp" },
    identity: {
      kind: "workload" as const,
      roleArns: { scheduledRuns: "arn:aws:iam::123456789012:role/runs" },
    },
  },
  image: IMAGES.singleuser,
  env: {},
  suspend: false,
};

describe("notebook platform: backups, maintenance and the activity log", () => {
  const cronJob = (run: ProgramRun) => byName(run, "kubernetes:batch/v1:CronJob", "notebook-backup");
  const containerEnv = (run: ProgramRun) =>
    Object.fromEntries(
      cronJob(run).spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [
        e.name,
        e.value ?? e.valueFrom,
      ]),
    );

  for (const stack of ["dev", "edge"]) {
    it(`${stack}: every home volume is copied daily into the notebooks bucket, kept notebookBackupRetentionDays`, async () => {
      const run = await runStack(stack);
      const cj = cronJob(run);
      expect(cj.metadata.namespace).to.equal("jupyterhub");
      expect(cj.spec.schedule).to.match(/^\d+ \d+ \* \* \*$/);
      expect(cj.spec.concurrencyPolicy).to.equal("Forbid");
      const env = containerEnv(run);
      expect(env.BACKUP_RETENTION_DAYS).to.equal(String(run.config.notebookBackupRetentionDays));
      expect(env.BACKUP_BUCKET).to.equal(envOf(run).NOTEBOOKS_BUCKET);
      expect(env.BACKUP_PREFIX).to.equal("backups");
      // The volumes the job finds are the ones the hub labels.
      expect(hub(run).singleuser.storage.extraLabels).to.deep.equal({ "datavis.io/notebook-home": "true" });
    });
  }

  it("the backup retention follows notebookBackupRetentionDays", async () => {
    expect(containerEnv(await runStack("dev", TUNED)).BACKUP_RETENTION_DAYS).to.equal("14");
  });

  it("the backup copies run read-only, as the notebook user, without Kubernetes API access", async () => {
    const template = JSON.parse(containerEnv(await runStack("edge")).BACKUP_POD_TEMPLATE);
    expect(template.automountServiceAccountToken).to.equal(false);
    expect(template.securityContext).to.include({ runAsUser: 1000, runAsNonRoot: true });
    expect(template.containers[0].securityContext).to.include({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(template.containers[0].resources.limits).to.have.all.keys("cpu", "memory");
  });

  it("the backup job may only list volumes and pods and manage Jobs in the hub's namespace", async () => {
    const role = byName(
      await runStack("dev"),
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "notebook-backup-role",
    );
    expect(role.metadata.namespace).to.equal("jupyterhub");
    expect(role.rules).to.deep.equal([
      { apiGroups: [""], resources: ["persistentvolumeclaims", "pods"], verbs: ["get", "list"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "delete"] },
    ]);
  });

  it("on AWS the backup service account uses the backup IAM role", async () => {
    const sa = byName(await runStack("dev"), "kubernetes:core/v1:ServiceAccount", "notebook-backup-sa");
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).to.match(/role\/.*/);
  });

  // What people see in maintenance is proven on a real hub: notebooks/hub/test_hub_maintenance.py.
  it("maintenance mode: the hub gets the switch and every page shows the message", async () => {
    const v = hub(await runStack("dev", MAINTENANCE));
    expect(v.custom.datavis.maintenance).to.deep.equal({
      enabled: true,
      message: MAINTENANCE.maintenanceMessage,
    });
    expect(v.hub.templateVars.announcement).to.equal(MAINTENANCE.maintenanceMessage);
    expect(v.hub.extraConfig["10-maintenance"]).to.contain('_mount["readOnly"] = True');
    const normal = hub(await runStack("dev"));
    expect(normal.custom.datavis.maintenance.enabled).to.equal(false);
    expect(normal.hub.templateVars).to.deep.equal({});
  });

  it("maintenance mode suspends every scheduled run", async () => {
    expect(releaseValues(await runStack("dev", MAINTENANCE), "scheduled-notebooks").suspend).to.equal(true);
    expect(releaseValues(await runStack("dev"), "scheduled-notebooks").suspend).to.equal(false);
    expect(scheduledRunsValues({ ...RUNS_ARGS, suspend: true }).suspend).to.equal(true);
  });

  it("maintenance mode leaves everything else as it is: dashboards, data and volumes stay", async () => {
    const normal = await runStack("dev");
    const maintenance = await runStack("dev", MAINTENANCE);
    const names = (r: ProgramRun) => r.resources.map((x) => `${x.type}:${x.name}`).sort();
    expect(names(maintenance)).to.deep.equal(names(normal));
    const changed = maintenance.resources
      .filter((r) => {
        const before = normal.resources.find((x) => x.urn === r.urn)!;
        return JSON.stringify(before.inputs) !== JSON.stringify(r.inputs);
      })
      .map((r) => r.name);
    expect(changed.filter((n) => n !== HUB && n !== "scheduled-runs")).to.deep.equal([]);
  });

  it("the activity log is written on the hub's own volume and kept activityLogRetentionDays", async () => {
    const v = hub(await runStack("dev", TUNED));
    expect(v.custom.datavis.activityLog).to.deep.equal({
      directory: "/srv/jupyterhub/activity",
      retentionDays: 400,
    });
    expect(v.hub.extraVolumeMounts.map((m: any) => m.mountPath)).to.include("/srv/jupyterhub/activity");
    expect(v.hub.extraConfig["20-activity-log"]).to.contain("TimedRotatingFileHandler");
    expect(hub(await runStack("edge")).custom.datavis.activityLog.retentionDays).to.equal(90);
  });
});
