import { expect } from "chai";
import { IMAGES } from "../components/versions";
import { archiveName, buildManifest, type Plan } from "../tools/airgap/bundle";
import { runStack } from "./harness";

const MIRROR = "registry.preload.test:5000";
// An air-gapped site running the default notebook image installs its extras from the site's PyPI mirror.
const PYPI = "http://pypi.preload.test:3141/simple/";

async function manifest(extra: Record<string, string> = {}) {
  const airgapped = (await runStack("edge", {
    airGapped: "true",
    registryMirror: MIRROR,
    notebookPackageIndex: PYPI,
    ...extra,
  })) as unknown as Plan;
  const online = (await runStack("edge", extra)) as unknown as Plan;
  return buildManifest({ airgapped, online, mirror: MIRROR, k3sVersion: "v1.36.5+k3s1" });
}

describe("air-gap bundle: images preloaded into k3s (edge runs no pre-puller)", () => {
  it("preloads the notebook image and the Spark image under the mirror names the pods ask for", async () => {
    const m = await manifest();
    expect(m.preload).to.deep.equal(
      [IMAGES.singleuser, IMAGES.sparkJobs]
        .map((source) => m.images.find((i) => i.source === source)!)
        .sort((a, b) => a.source.localeCompare(b.source)),
    );
    for (const p of m.preload) expect(p.target.startsWith(`${MIRROR}/`), p.target).to.equal(true);
    // The air-gapped hub asks for exactly the preloaded notebook image.
    const hub = (
      await runStack("edge", { airGapped: "true", registryMirror: MIRROR, notebookPackageIndex: PYPI })
    ).resources.find((r) => r.name === "jupyterhub" && r.type === "kubernetes:helm.sh/v3:Release")!;
    const su = hub.inputs.values.singleuser.image;
    expect(m.preload.map((p) => p.target)).to.include(`${su.name}:${su.tag}`);
  });

  it("preloads a stack's own singleUserImage instead of the pinned one", async () => {
    const own = "ghcr.io/my-org/singleuser:2026.11.01";
    const m = await manifest({ singleUserImage: own });
    expect(m.preload.map((p) => p.source))
      .to.include(own)
      .and.not.include(IMAGES.singleuser);
  });

  it("names each archive after its mirror path, one file per image", () => {
    expect(archiveName(`${MIRROR}/datavis-platform/singleuser:1.0`, MIRROR)).to.equal(
      "datavis-platform_singleuser_1.0.tar",
    );
  });
});
