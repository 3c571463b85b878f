import { expect } from "chai";
import { configError, planCli, releaseValues, runStack } from "./harness";
import { chartValuesErrors } from "./lib/chart-values";
import { planToday, spawnLatencySummary, versionGateForPlan } from "../tools/versions/plan-gate";

describe("spawn latency: image pre-puller and user placeholders", () => {
  it("AWS (notebook nodes scale from 0): continuous pre-puller on, a small placeholder that users preempt", async () => {
    const v = releaseValues(await runStack("dev", { notebookPlaceholders: "1" }), "jupyterhub");
    expect(v.prePuller.continuous.enabled).to.equal(true);
    expect(v.prePuller.hook.enabled).to.equal(false);
    expect(v.scheduling.userPlaceholder).to.deep.include({ enabled: true, replicas: 1 });
    expect(v.scheduling.userPlaceholder.resources.requests).to.deep.equal({ cpu: "0.25", memory: "1G" });
    expect(v.scheduling.podPriority.enabled).to.equal(true);
  });

  it("dev keeps no notebook node warm by default: its first server of the day waits for a node to boot", async () => {
    const run = await runStack("dev");
    const v = releaseValues(run, "jupyterhub");
    expect(v.scheduling.userPlaceholder.enabled).to.equal(false);
    expect(v.prePuller.continuous.enabled).to.equal(true);
  });

  it("placeholders follow the notebook pool: same node selector and tolerations as user servers", async () => {
    const v = releaseValues(await runStack("dev"), "jupyterhub");
    // z2jh schedules placeholders and the pre-puller with singleuser.nodeSelector / extraTolerations.
    expect(v.singleuser.nodeSelector).to.be.an("object").that.is.not.empty;
  });

  it("prod keeps two placeholders; the count and the profile they reserve come from config", async () => {
    expect(releaseValues(await runStack("prod"), "jupyterhub").scheduling.userPlaceholder.replicas).to.equal(
      2,
    );
    const v = releaseValues(
      await runStack("dev", { notebookPlaceholders: "3", notebookPlaceholderProfile: "large" }),
      "jupyterhub",
    );
    expect(v.scheduling.userPlaceholder.replicas).to.equal(3);
    expect(v.scheduling.userPlaceholder.resources.requests).to.deep.equal({ cpu: "1", memory: "4G" });
  });

  it("notebookPlaceholders=0 and notebookPrePuller=false turn both off (no always-on node)", async () => {
    const v = releaseValues(
      await runStack("dev", { notebookPlaceholders: "0", notebookPrePuller: "false" }),
      "jupyterhub",
    );
    expect(v.scheduling.userPlaceholder.enabled).to.equal(false);
    expect(v.scheduling.podPriority.enabled).to.equal(false);
    expect(v.prePuller.continuous.enabled).to.equal(false);
  });

  it("edge (fixed nodes, images preloaded): pre-puller and placeholders off", async () => {
    const v = releaseValues(await runStack("edge"), "jupyterhub");
    expect(v.prePuller.continuous.enabled).to.equal(false);
    expect(v.scheduling.userPlaceholder.enabled).to.equal(false);
  });

  for (const [stack, overrides] of [
    ["dev", {}],
    ["prod", {}],
    ["edge", {}],
    ["dev", { notebookPlaceholders: "4", notebookPlaceholderProfile: "spark" }],
  ] as [string, Record<string, string>][]) {
    it(`the hub values validate against the z2jh 4.4.0 schema (${stack} ${JSON.stringify(overrides)})`, async () => {
      expect(
        chartValuesErrors("jupyterhub", releaseValues(await runStack(stack, overrides), "jupyterhub")),
      ).to.deep.equal([]);
    });
  }

  it("a bad placeholder count or profile is a config error naming the key", async () => {
    expect((await configError("dev", { notebookPlaceholders: "-1" })).message).to.match(
      /^config datavis:notebookPlaceholders: -1 is out of range/,
    );
    expect((await configError("dev", { notebookPlaceholderProfile: "huge" })).message).to.match(
      /^config datavis:notebookPlaceholderProfile: "huge" is not allowed/,
    );
  });

  it("the plan shows the settings for dev and for edge", async () => {
    expect(spawnLatencySummary(await runStack("dev"))).to.deep.equal({
      imagePrePuller: "continuous (daemonset on every notebook node)",
      userPlaceholders: "off",
      podPriority: "off",
    });
    expect(spawnLatencySummary(await runStack("dev", { notebookPlaceholders: "1" }))).to.deep.equal({
      imagePrePuller: "continuous (daemonset on every notebook node)",
      userPlaceholders: "1 x 0.25 CPU, 1G (evicted by real users, keep nodes warm)",
      podPriority: "on",
    });
    const edge = versionGateForPlan(await runStack("edge"), new Date("2026-11-30T00:00:00Z"));
    expect(edge.estimates.spawnLatency).to.deep.equal({
      imagePrePuller: "off",
      userPlaceholders: "off",
      podPriority: "off",
    });
  });
});

describe("plan: version gate and EKS support window", () => {
  it("the pinned matrix adds no violation and names the cluster version", async () => {
    const g = versionGateForPlan(await runStack("dev"), new Date("2026-11-30T00:00:00Z"));
    expect(g.violations).to.deep.equal([]);
    expect(g.estimates.versions).to.deep.include({ cluster: "EKS 1.36", gate: "no conflicts" });
  });

  it("warns (advisory), naming the date, within 90 days of the end of standard support", async () => {
    const g = versionGateForPlan(await runStack("dev"), new Date("2027-06-01T00:00:00Z"));
    expect(g.violations).to.deep.equal([
      {
        policy: "eks-standard-support",
        level: "advisory",
        message:
          "EKS 1.36 leaves standard support on 2027-08-02 (in 62 days): plan the upgrade (UPGRADING.md)",
      },
    ]);
  });

  it("fails (mandatory) once past it", async () => {
    const g = versionGateForPlan(await runStack("prod"), new Date("2027-08-03T00:00:00Z"));
    expect(g.violations.map((v) => [v.policy, v.level])).to.deep.equal([
      ["eks-standard-support", "mandatory"],
    ]);
  });

  it("edge has no EKS window", async () => {
    expect(
      versionGateForPlan(await runStack("edge"), new Date("2030-01-01T00:00:00Z")).violations,
    ).to.deep.equal([]);
  });

  it("takes today from DATAVIS_TODAY and refuses a malformed one", () => {
    expect(planToday({ DATAVIS_TODAY: "2027-05-04" }).toISOString()).to.equal("2027-05-04T00:00:00.000Z");
    expect(() => planToday({ DATAVIS_TODAY: "May 4" })).to.throw(/DATAVIS_TODAY "May 4" is not a date/);
  });

  it("npm run plan exits 1 with the mandatory violation once EKS support has ended", function () {
    this.timeout(180000);
    const saved = process.env.DATAVIS_TODAY;
    process.env.DATAVIS_TODAY = "2027-08-03";
    try {
      const r = planCli(["--stack", "dev"]);
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stdout).to.include(
        "[mandatory] eks-standard-support: EKS 1.36 left standard support on 2027-08-02",
      );
    } finally {
      if (saved === undefined) delete process.env.DATAVIS_TODAY;
      else process.env.DATAVIS_TODAY = saved;
    }
  });
});
