/**
 * Tenants' home backups on the plan's Kubernetes objects: the backup controller's rights decided as the API
 * server decides them (tests/lib/rbac.ts; the same table runs against a real API server in
 * .ci/suites/70-cluster.sh), and what each tenant namespace holds for its copier Jobs. The object-store
 * identities themselves are proven on a real SeaweedFS and under moto's IAM in tests/tenancy/.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ofType, runStack, type ProgramRun } from "./harness";
import { mountConfigMap } from "./lib/configmap-volume";
import { type Authorizer, serviceAccount } from "./lib/rbac";
import { authorizer } from "./lib/plan-rbac";

const TENANTS = {
  tenants: JSON.stringify(
    ["physics-101", "stats-101"].map((name) => ({ name, cpu: 1, memoryGi: 1, storageGi: 5 })),
  ),
};

for (const stack of ["dev", "edge"] as const) {
  describe(`tenant backups: the ${stack} plan`, function () {
    this.timeout(120000);
    let run: ProgramRun;
    let rbac: Authorizer;
    const mine = "tenant-physics-101";
    const other = "tenant-stats-101";
    const controller = serviceAccount("jupyterhub", "notebook-backup");
    const can = (
      who: ReturnType<typeof serviceAccount>,
      verb: string,
      group: string,
      resource: string,
      ns: string,
    ) => rbac.authorize(who, { verb, group, resource, namespace: ns }).allowed;

    before(async () => {
      run = await runStack(stack, TENANTS);
      rbac = authorizer(run);
    });

    it("the backup controller lists home volumes and servers and starts Jobs in every tenant namespace", () => {
      for (const ns of [mine, other, "jupyterhub"]) {
        expect(can(controller, "list", "", "persistentvolumeclaims", ns), `claims in ${ns}`).to.equal(true);
        expect(can(controller, "list", "", "pods", ns), `pods in ${ns}`).to.equal(true);
        expect(can(controller, "create", "batch", "jobs", ns), `jobs in ${ns}`).to.equal(true);
      }
    });

    it("the backup controller reads no Secret in a tenant namespace, and reaches no other namespace", () => {
      for (const ns of [mine, other, "jupyterhub"]) {
        expect(can(controller, "get", "", "secrets", ns), `secrets in ${ns}`).to.equal(false);
        expect(can(controller, "delete", "", "persistentvolumeclaims", ns)).to.equal(false);
      }
      expect(can(controller, "list", "", "persistentvolumeclaims", "kube-system")).to.equal(false);
      expect(can(controller, "create", "batch", "jobs", "platform-jobs")).to.equal(false);
    });

    it("a tenant's student and the copier account it can borrow start no Job, in their tenant or another", () => {
      for (const who of [
        serviceAccount(mine, "notebook"),
        serviceAccount(mine, "notebook-backup"),
        serviceAccount(mine, "spark"),
      ])
        for (const ns of [mine, other, "jupyterhub"])
          expect(can(who, "create", "batch", "jobs", ns), `${who.user} jobs in ${ns}`).to.equal(false);
    });

    it("no ClusterRole gives the backup controller anything: its rights are a Role per namespace", () => {
      const clusterBindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
      expect(
        clusterBindings.filter((b) =>
          (b.inputs.subjects ?? []).some((s: { name: string }) => s.name === "notebook-backup"),
        ),
      ).to.deep.equal([]);
    });

    it("each tenant namespace has the copier's account without a token, and the script", () => {
      for (const ns of [mine, other]) {
        const sa = ofType(run, "kubernetes:core/v1:ServiceAccount").find(
          (r) => r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === "notebook-backup",
        );
        expect(sa?.inputs.automountServiceAccountToken, ns).to.equal(false);
        const script = ofType(run, "kubernetes:core/v1:ConfigMap").find(
          (r) => r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === "notebook-backup-script",
        );
        expect(script?.inputs.data?.["notebook_backup.py"], ns).to.contain("def put_back_urls");
      }
    });

    it("every backup pod runs the script from its namespace's ConfigMap, with the module it imports beside it", () => {
      const cron = ofType(run, "kubernetes:batch/v1:CronJob").find((c) => c.name === "notebook-backup")!;
      const controller = cron.inputs.spec.jobTemplate.spec.template.spec;
      const env = Object.fromEntries(
        controller.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]),
      );
      const pods = [
        { ns: "jupyterhub", what: "controller", spec: controller },
        { ns: "jupyterhub", what: "copier", spec: JSON.parse(env.BACKUP_POD_TEMPLATE) },
        ...[mine, other].map((ns) => ({
          ns,
          what: "copier",
          spec: JSON.parse(env.BACKUP_TENANT_POD_TEMPLATE),
        })),
      ];
      for (const { ns, what, spec } of pods) {
        const [python, script] = spec.containers[0].command;
        const mount = spec.containers[0].volumeMounts.find((m: { mountPath: string }) =>
          script.startsWith(`${m.mountPath}/`),
        );
        // A subPath mount would bring the one file and never the module next to it.
        expect(mount?.subPath, `${ns} ${what}`).to.equal(undefined);
        const volume = spec.volumes.find((v: { name: string }) => v.name === mount.name).configMap;
        const configMap = ofType(run, "kubernetes:core/v1:ConfigMap").find(
          (r) => r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === volume.name,
        );
        const dir = mountConfigMap(configMap!.inputs.data, volume.items);
        // No arguments: the script prints its usage, which it reaches only once its imports have loaded.
        const r = spawnSync(python, [path.join(dir, path.relative(mount.mountPath, script))], {
          encoding: "utf8",
          env: { PATH: process.env.PATH },
        });
        fs.rmSync(dir, { recursive: true, force: true });
        expect(r.stderr, `${ns} ${what}`).to.contain("notebook_backup.py put-back-urls USER DATE");
        expect(r.stderr, `${ns} ${what}`).to.not.contain("Traceback");
      }
    });

    if (stack === "edge") {
      it("each tenant namespace holds its own backup writer keys, and no tenant holds the platform's", () => {
        const secrets = ofType(run, "kubernetes:core/v1:Secret");
        const writer = (ns: string) =>
          secrets.find(
            (r) =>
              r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === "notebook-backup-writer",
          );
        const platformKey = secrets.find(
          (r) =>
            r.inputs.metadata?.namespace === "jupyterhub" &&
            r.inputs.metadata?.name === "notebook-object-store",
        )?.inputs.stringData["access-key-id"];
        const a = writer(mine)?.inputs.stringData["access-key-id"];
        const b = writer(other)?.inputs.stringData["access-key-id"];
        expect(a).to.be.a("string");
        expect(b).to.be.a("string");
        expect(new Set([a, b, platformKey]).size).to.equal(3);
        const inTenants = secrets
          .filter((r) => [mine, other].includes(r.inputs.metadata?.namespace))
          .flatMap((r) => Object.values(r.inputs.stringData ?? {}));
        expect(inTenants).to.not.include(platformKey);
      });
    } else {
      it("each tenant namespace's copier account is associated with the write-only backup role", () => {
        const assoc = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((r) =>
          r.name.startsWith("tenant-backup-writer-"),
        );
        expect(assoc.map((r) => [r.inputs.namespace, r.inputs.serviceAccount]).sort()).to.deep.equal([
          [mine, "notebook-backup"],
          [other, "notebook-backup"],
        ]);
      });
    }
  });
}
