/**
 * The system pool's zonal volumes, asked of a real scheduler: Prometheus and the hub (its activity log) keep
 * EBS volumes, which exist in one zone. When the Auto Scaling group replaces a system node (a managed node
 * group upgrade launches the new node first, a failed host is replaced), the pods must find a node in the
 * zone of their volumes again, or they stay Pending and the hub is down. Stacks: the AWS ones of
 * $CLUSTER_STACKS (default dev, prod).
 */
import { expect } from "chai";
import { ControlPlane } from "../../tools/cluster/harness";
import { afterReplacement, simNodes, targetOf, ZONE_LABEL } from "../../tools/cluster/nodes";
import { createNodes, deletePods, place, type PodOutcome } from "../../tools/cluster/placement";
import { loadPlan } from "../../tools/cluster/plan";
import { volumeComponents, withClaim, zonalVolume } from "../../tools/cluster/volumes";
import { platformPods } from "../../tools/cluster/workloads";

const STACKS = (process.env.CLUSTER_STACKS || "dev,prod").split(",").filter(Boolean);
const CONFIG: string[] = JSON.parse(process.env.CLUSTER_CONFIG || "[]");

const notPlaced = (o: PodOutcome[]): string[] =>
  o.filter((x) => !x.node).map((x) => `${x.namespace}/${x.name}: ${x.rejected ?? x.pending}`);

for (const stack of STACKS) {
  const plan = loadPlan(stack, CONFIG);
  if (targetOf(plan) !== "aws") continue;

  describe(`cluster: ${stack}: system nodes replaced by their Auto Scaling groups`, function () {
    let cp: ControlPlane;
    before(async function () {
      cp = await ControlPlane.start();
    });
    after(async function () {
      await cp?.stop();
    });

    it("Prometheus and the hub find a node in their volumes' zone after every system node is replaced", async function () {
      const nodes = simNodes(plan).filter((n) => n.labels["datavis.io/pool"] === "system");
      await createNodes(cp, nodes);
      const wanted = volumeComponents(plan);
      expect(wanted).to.include.members(["kube-prometheus-stack/prometheus", "jupyterhub/hub"]);
      const pods = platformPods(plan, nodes, "aws").pods.filter((p) => wanted.includes(p.component));
      expect([...new Set(pods.map((p) => p.component))]).to.have.members(wanted);

      // First start: each claim is provisioned in the zone of the node its pod lands on.
      const first = await place(cp, pods);
      expect(notPlaced(first)).to.deep.equal([]);
      const zoneOf = new Map(nodes.map((n) => [n.name, n.labels[ZONE_LABEL]]));
      await deletePods(cp, first);
      for (const [i, p] of pods.entries()) await zonalVolume(cp, p, zoneOf.get(first[i].node!)!);

      // Every system node replaced by its group, one at a time (tools/cluster/nodes.ts afterReplacement).
      const replacements = afterReplacement(nodes);
      for (const n of nodes) await cp.request("DELETE", `/api/v1/nodes/${n.name}`);
      await createNodes(cp, replacements);
      console.log(
        `      ${stack}: system nodes in ${nodes.map((n) => n.labels[ZONE_LABEL]).join(", ")}; ` +
          `after replacement in ${replacements.map((n) => n.labels[ZONE_LABEL]).join(", ")}`,
      );

      // The pods come back with their volumes.
      const again = await place(cp, pods.map(withClaim));
      expect(notPlaced(again)).to.deep.equal([]);
    });
  });
}
