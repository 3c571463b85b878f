/**
 * The notebook platform (issue 4) under both targets' inputs, read from what the program registers. The
 * JupyterHub release (zero-to-jupyterhub, pinned, in its namespace), its values against the chart's schema
 * on every stack and setting, and the hub URL output.
 */
import { expect } from "chai";
import { releases, runStack } from "./harness";
import { chartValuesErrors } from "./lib/chart-values";
import { AIR_GAPPED, ENTRA, GOOGLE, HUB, MAINTENANCE, TUNED, hub } from "./lib/notebooks";

describe("notebook platform: JupyterHub release", () => {
  for (const stack of ["dev", "prod", "edge"]) {
    it(`${stack}: JupyterHub is the zero-to-jupyterhub chart pinned at 4.4.0, in namespace jupyterhub`, async () => {
      const r = releases(await runStack(stack)).get(HUB)!;
      expect(r.inputs.chart).to.equal("jupyterhub");
      expect(r.inputs.version).to.equal("4.4.0");
      expect(r.inputs.repositoryOpts.repo).to.equal("https://hub.jupyter.org/helm-chart/");
      expect(r.inputs.namespace).to.equal("jupyterhub");
    });

    it(`${stack}: the z2jh values merged onto the chart's defaults pass the chart's values schema`, async () => {
      expect(chartValuesErrors("jupyterhub", hub(await runStack(stack)))).to.deep.equal([]);
    });
  }

  for (const [label, overrides] of Object.entries({ GOOGLE, ENTRA, MAINTENANCE, TUNED })) {
    it(`dev with ${label} settings: the z2jh values still pass the chart's values schema`, async () => {
      expect(chartValuesErrors("jupyterhub", hub(await runStack("dev", overrides)))).to.deep.equal([]);
    });
  }

  it("edge air-gapped: the z2jh values pass the schema and the chart comes from the local folder", async () => {
    const run = await runStack("edge", AIR_GAPPED);
    expect(chartValuesErrors("jupyterhub", hub(run))).to.deep.equal([]);
    expect(releases(run).get(HUB)!.inputs.chart).to.equal("bundle/charts/jupyterhub-4.4.0.tgz");
  });

  it("a misspelled key in the z2jh values is rejected by the chart's schema", async () => {
    const values = hub(await runStack("dev"));
    const wrong = { ...values, hub: { ...values.hub, extraConfigs: { x: "pass" } } };
    expect(chartValuesErrors("jupyterhub", wrong)).to.include(
      "/hub must NOT have additional properties (extraConfigs)",
    );
  });

  it("a value of the wrong type in the z2jh values is rejected by the chart's schema", async () => {
    const values = hub(await runStack("dev"));
    const wrong = { ...values, cull: { ...values.cull, timeout: "one hour" } };
    expect(chartValuesErrors("jupyterhub", wrong).join("\n")).to.contain("/cull/timeout");
  });
});

describe("notebook platform: outputs", () => {
  it("the hub URL is a stack output on both targets", async () => {
    expect((await runStack("dev")).outputs.hubUrl).to.equal("https://hub.dev.datavis.example.org");
    expect(((await runStack("edge")).outputs.urls as any).hub).to.equal("https://hub.datavis.internal");
  });
});
