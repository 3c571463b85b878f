import { expect } from "chai";
import { largestEdgeNode } from "../components/edge/nodes";
import { NOTEBOOK_SIZING_DEFAULTS } from "../components/platform/notebooks/hub-values";
import {
  memoryStringMi,
  notebookSizingFor,
  profilesThatFitNoNode,
} from "../components/platform/notebooks/profile-fit";
import { releaseValues, runStack } from "./harness";

/** Every profile of the hub's values: name, guaranteed MiB and cores. */
async function profiles(stack: string, overrides: Record<string, string> = {}) {
  const values = releaseValues(await runStack(stack, overrides), "jupyterhub") as any;
  return (values.singleuser.profileList as any[]).map((p) => ({
    name: p.display_name as string,
    memMi: memoryStringMi(p.kubespawner_override.mem_guarantee),
    cpu: p.kubespawner_override.cpu_guarantee as number,
  }));
}

describe("notebook profiles fit the nodes they must start on", () => {
  it("on 3 x Pi 4 (4 GB) every profile, Large and Spark included, fits on one node", async () => {
    const node = largestEdgeNode({ cpu: 4, memoryGi: 4 }, 3);
    for (const p of await profiles("edge")) {
      expect(
        p.memMi,
        `${p.name} guarantees ${p.memMi} MiB; a Pi 4 node offers ${node.memoryMi}`,
      ).to.be.at.most(node.memoryMi);
      expect(p.cpu, p.name).to.be.at.most(node.cpuCores);
    }
  });

  it("on 8 GB Pis the profiles grow with the node (Large gets more than on a 4 GB Pi)", async () => {
    const small = (await profiles("edge")).find((p) => p.name === "Large")!;
    const big = (await profiles("edge", { edgeNodeModel: "pi5-8gb" })).find((p) => p.name === "Large")!;
    expect(big.memMi).to.be.greaterThan(small.memMi);
  });

  it("nodes of 16 GiB keep the documented default profiles unchanged", () => {
    expect(notebookSizingFor({ cpuCores: 8, memoryMi: 16 * 1024 })).to.deep.equal(NOTEBOOK_SIZING_DEFAULTS);
  });

  it("the default profiles do not fit a 4 GB Pi: Large and Spark are named", () => {
    const pi = largestEdgeNode({ cpu: 4, memoryGi: 4 }, 3);
    expect(profilesThatFitNoNode(NOTEBOOK_SIZING_DEFAULTS, pi).map((p) => p.profile)).to.deep.equal([
      "large",
      "spark",
    ]);
    expect(profilesThatFitNoNode(notebookSizingFor(pi), pi)).to.deep.equal([]);
  });
});

describe("notebook homes are writable by the notebook user", () => {
  for (const stack of ["dev", "edge"]) {
    it(`${stack}: the server pod keeps fsGroup 100, which KubeSpawner's extra_pod_config would otherwise drop`, async () => {
      const values = releaseValues(await runStack(stack), "jupyterhub") as any;
      // extra_pod_config replaces the pod securityContext KubeSpawner built from fs_gid: it must carry fsGroup.
      const sc = values.singleuser.extraPodConfig?.securityContext;
      if (sc) expect(sc.fsGroup, "extraPodConfig.securityContext.fsGroup").to.equal(100);
      else expect(values.singleuser.fsGid ?? 100).to.equal(100);
    });
  }
});
