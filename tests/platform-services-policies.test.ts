/**
 * Platform services (issue 5). The policy pack over the services: no mandatory violation on either target.
 * Evaluated under mocks by the test-only composition in tests/lib/services-run.ts.
 */
import { expect } from "chai";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { TARGETS, type Kind, run } from "./lib/services-run";

describe("platform services: the policy pack", () => {
  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`the services raise no mandatory policy violation (${kind})`, async () => {
      const r = await run(kind);
      const violations = await evaluatePolicies({
        project: "datavis",
        stack: r.settings.stack,
        config: r.settings,
        resources: r.resources,
        outputs: {},
      });
      const mandatory = violations.filter((v) => v.level === "mandatory");
      expect(mandatory.map((v) => `${v.policy} ${v.resource}: ${v.message}`)).to.deep.equal([]);
    });
  }
});
