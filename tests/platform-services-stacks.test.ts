/**
 * Platform services (issue 5). Platform services in the stacks (npm run plan): the dev and edge plans run
 * the services with pinned releases and output the Grafana and Headlamp endpoints. Evaluated under mocks
 * by the test-only composition in tests/lib/services-run.ts.
 */
import { expect } from "chai";
import { ofType as harnessOfType, releases as harnessReleases, runStack } from "./harness";

describe("platform services in the stacks (npm run plan)", () => {
  for (const stack of ["dev", "edge"]) {
    it(`the ${stack} plan runs the services with every Helm release pinned and nothing retired`, async () => {
      const r = await runStack(stack);
      expect(harnessOfType(r, "datavis:platform:PlatformServices")).to.have.lengthOf(1);
      const names = [...harnessReleases(r).keys()];
      expect(names).to.include.members([
        "cert-manager",
        "kube-prometheus-stack",
        "grafana",
        "headlamp",
        "spark-operator",
      ]);
      for (const rel of harnessReleases(r).values()) {
        expect(rel.inputs.version, String(rel.inputs.name)).to.be.a("string").and.not.be.empty;
      }
      expect(JSON.stringify(r.resources).toLowerCase()).to.not.match(/ingress-nginx|kubernetes-dashboard/);
    });

    it(`the ${stack} stack outputs the Grafana and Headlamp endpoints`, async () => {
      const r = await runStack(stack);
      const text = JSON.stringify(r.outputs);
      expect(text).to.include(`https://grafana.${r.config.domain}`);
      expect(text).to.include(`https://headlamp.${r.config.domain}`);
    });
  }
});
