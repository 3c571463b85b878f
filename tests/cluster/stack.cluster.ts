/**
 * A real control plane judges each stack's plan (tools/cluster/): admission of every object, placement of
 * every platform pod and of notebook servers on nodes shaped like the target, and the personas' rights.
 * Stacks: $CLUSTER_STACKS (comma-separated; `npm run test:cluster -- --stack edge`), default dev,prod,edge;
 * `--config key=value` overrides reach the plan through $CLUSTER_CONFIG (JSON list).
 */
import { expect } from "chai";
import { applyRbac, authzTable, expectations, review } from "../../tools/cluster/authz";
import { createNamespaces, dryRunAll, dryRunCreate } from "../../tools/cluster/admission";
import { installCrds } from "../../tools/cluster/crds";
import { ControlPlane } from "../../tools/cluster/harness";
import { simNodes, targetOf, type SimNode } from "../../tools/cluster/nodes";
import {
  createNodes,
  deletePods,
  place,
  placementReport,
  type PodOutcome,
} from "../../tools/cluster/placement";
import { loadPlan, type Plan } from "../../tools/cluster/plan";
import { hubRelease, notebookPod, profiles, serverNamespaces } from "../../tools/cluster/notebook-pods";
import { platformPods } from "../../tools/cluster/workloads";
import { K3S_RESERVE } from "../../tools/plan/estimates/edge-capacity";

const STACKS = (process.env.CLUSTER_STACKS || "dev,prod,edge").split(",").filter(Boolean);
const CONFIG: string[] = JSON.parse(process.env.CLUSTER_CONFIG || "[]");

const notPlaced = (o: PodOutcome[]): string[] =>
  o
    .filter((x) => !x.node)
    .map((x) => `${x.namespace}/${x.name} [${x.component}]: ${x.rejected ?? x.pending}`);

for (const stack of STACKS) {
  // The plan is read while the suite is defined: its profiles and namespaces name the tests.
  const plan: Plan = loadPlan(stack, CONFIG);
  const target = targetOf(plan);
  const hub = hubRelease(plan);
  const profs = hub ? profiles(hub.values) : [];
  const serverNs = hub ? serverNamespaces(plan, hub.namespace, hub.values) : [];
  const activeUsers = Number(plan.estimates.activeUsers ?? plan.estimates.headroom?.activeUsers ?? 0);

  describe(`cluster: ${stack} stack (${target}) on Kubernetes ${"1.36"}`, function () {
    let cp: ControlPlane;
    let nodes: SimNode[];
    let platform: PodOutcome[] = [];

    before(async function () {
      cp = await ControlPlane.start();
      const crds = await installCrds(cp);
      console.log(`      ${crds.length} upstream CRDs installed`);
      await createNamespaces(cp, plan);
    });

    after(async function () {
      await cp?.stop();
    });

    it("the API server admits every object the plan registers (server-side dry-run)", function () {
      const verdicts = dryRunAll(cp, plan);
      const refused = verdicts.filter((v) => !v.ok);
      const warned = verdicts.filter((v) => v.ok && /Warning/.test(v.message));
      console.log(`      ${verdicts.length - refused.length}/${verdicts.length} objects admitted`);
      for (const w of warned) console.log(`      warning ${w.object}: ${w.message.replace(/\n/g, " ")}`);
      expect(refused.map((v) => `${v.object} (${v.source}): ${v.message}`)).to.deep.equal([]);
    });

    it("the plan's service accounts, Roles and RoleBindings apply for real", async function () {
      expect(await applyRbac(cp, plan)).to.deep.equal([]);
    });

    for (const ns of serverNs)
      it(`a notebook server of each profile, as KubeSpawner builds it, is admitted in ${ns}`, async function () {
        const refused: string[] = [];
        for (const p of profs) {
          const pod = notebookPod(hub!.values, ns, "probe-user", p, "claim");
          const r = await dryRunCreate(cp, pod);
          if (r.ok) continue;
          // A missing service account stops admission first: ask again without it, so that the answer
          // also shows what Pod Security and validation think of the pod itself.
          let also = "";
          if (/serviceaccount .* not found/.test(r.message)) {
            const bare = await dryRunCreate(cp, {
              ...pod,
              spec: { ...pod.spec, serviceAccountName: undefined },
            });
            also = bare.ok ? "; without it the pod is admitted" : `; without it: ${bare.message}`;
          }
          refused.push(`${p.slug}: ${r.message}${also}`);
        }
        expect(refused).to.deep.equal([]);
      });

    it(`every platform pod is placed on the ${target} nodes`, async function () {
      nodes = simNodes(plan);
      await createNodes(cp, nodes);
      const { pods, unknown } = platformPods(plan, nodes, target, K3S_RESERVE.packagedPods);
      for (const u of unknown) console.log(`      requests unknown (placed without them): ${u}`);
      platform = await place(cp, pods);
      console.log(placementReport(`${stack}: platform`, nodes, platform).replace(/^/gm, "      "));
      const est = plan.estimates.platform as { cpuCores: number; memoryMi: number } | undefined;
      if (est) {
        // The estimate counts the platform's requests without the distribution's own pods (K3S_RESERVE).
        const own = platform.filter((o) => !o.component.startsWith("k3s/"));
        const cpu = own.reduce((t, o) => t + o.cpuMilli, 0);
        const mem = own.reduce((t, o) => t + o.memoryMi, 0);
        console.log(
          `      capacity estimate: platform requests ${Math.round(est.cpuCores * 1000)}m / ${est.memoryMi}Mi; ` +
            `pods created here request ${Math.round(cpu)}m / ${Math.round(mem)}Mi`,
        );
      }
      expect(notPlaced(platform)).to.deep.equal([]);
    });

    for (const p of profs)
      it(`a ${p.slug} notebook server fits next to the platform`, async function () {
        if (!nodes) this.skip();
        const pod = notebookPod(hub!.values, hub!.namespace, "probe", p, "none");
        const got = await place(cp, [{ component: `notebook ${p.slug}`, pod }]);
        await deletePods(cp, got);
        console.log(
          `      ${p.slug}: ${got[0].node ? `placed on ${got[0].node}` : `PENDING: ${got[0].rejected ?? got[0].pending}`}`,
        );
        expect(notPlaced(got)).to.deep.equal([]);
      });

    it(`${activeUsers} active users each get a server of the default profile, as the capacity estimate says`, async function () {
      if (!nodes) this.skip();
      const def = profs.find((p) => p.default) ?? profs[0];
      const users = Array.from({ length: activeUsers }, (_, i) => `user${i + 1}`);
      const got = await place(
        cp,
        users.map((u) => ({
          component: `notebook ${def.slug}`,
          pod: notebookPod(hub!.values, hub!.namespace, u, def, "none"),
        })),
      );
      // One server of every other profile per active user, for the report only: who gets what in a mixed
      // crowd depends on arrival order.
      const others = profs.filter((p) => p !== def);
      const mixed = await place(
        cp,
        users.flatMap((u) =>
          others.map((p) => ({
            component: `notebook ${p.slug}`,
            pod: notebookPod(hub!.values, hub!.namespace, u, p, "none"),
          })),
        ),
      );
      console.log(
        placementReport(
          `${stack}: platform + ${activeUsers} x ${profs.map((p) => p.slug).join(", ")}`,
          nodes,
          [...platform, ...got, ...mixed],
        ).replace(/^/gm, "      "),
      );
      const placed = got.filter((o) => o.node).length;
      const h = plan.estimates.headroom;
      if (h)
        console.log(
          `      capacity estimate: ${h.smallNotebooksFit} small servers fit (activeUsersFit ${h.activeUsersFit}); scheduler placed ${placed}/${activeUsers}`,
        );
      await deletePods(cp, [...got, ...mixed]);
      expect(notPlaced(got)).to.deep.equal([]);
      if (h && typeof h.activeUsersFit === "boolean")
        expect(placed === activeUsers, "estimate and scheduler agree").to.equal(h.activeUsersFit);
    });

    it("each persona is allowed what the platform promises and refused everything else", async function () {
      const checks = await review(cp, expectations(plan));
      console.log(authzTable(checks).replace(/^/gm, "      "));
      expect(
        checks
          .filter((c) => c.allowed !== c.expect)
          .map(
            (c) =>
              `${c.persona.label}: ${c.verb} ${c.resource} in ${c.namespace ?? "cluster"} expected ${c.expect ? "allowed" : "denied"}`,
          ),
      ).to.deep.equal([]);
    });
  });
}
