/**
 * Students without interference, on the plan's Kubernetes objects: RBAC decided as the API server decides
 * it (tests/lib/rbac.ts), the hub's settings, the namespaces' annotations and the config keys.
 */
import { expect } from "chai";
import { configError, ofType, releaseValues, runStack, type ProgramRun } from "./harness";
import { type Authorizer, serviceAccount } from "./lib/rbac";
import { authorizer } from "./lib/plan-rbac";
import { tenantOf } from "../components/platform/tenancy";

const SPARK = "sparkoperator.k8s.io";

describe("tenancy: a student's notebook in the dev plan (RBAC as the API server decides)", function () {
  this.timeout(120000);
  let run: ProgramRun;
  let rbac: Authorizer;
  const mine = "tenant-stats-101";
  const other = "tenant-data-science";
  const student = serviceAccount(mine, "notebook");
  const can = (verb: string, group: string, resource: string, namespace: string, who = student) =>
    rbac.authorize(who, { verb, group, resource, namespace }).allowed;

  before(async () => {
    run = await runStack("dev");
    rbac = authorizer(run);
  });

  it("may create, watch and delete SparkApplications in its own tenant", () => {
    for (const verb of ["create", "get", "list", "watch", "delete"])
      expect(can(verb, SPARK, "sparkapplications", mine), verb).to.equal(true);
  });

  it("may read its own driver's log but not list pods, even in its own tenant", () => {
    expect(can("get", "", "pods/log", mine)).to.equal(true);
    expect(can("list", "", "pods", mine)).to.equal(false);
  });

  for (const ns of [other, "jupyterhub"]) {
    it(`may not list pods, secrets or SparkApplications in ${ns}`, () => {
      expect(can("list", "", "pods", ns)).to.equal(false);
      expect(can("list", "", "secrets", ns)).to.equal(false);
      expect(can("list", SPARK, "sparkapplications", ns)).to.equal(false);
      expect(can("create", SPARK, "sparkapplications", ns)).to.equal(false);
    });
  }

  it("may not read Secrets in its own tenant (classmates' credentials are the tenant's, not the student's to list)", () => {
    expect(can("list", "", "secrets", mine)).to.equal(false);
    expect(can("get", "", "secrets", mine)).to.equal(false);
  });

  it("the tenant's Spark drivers may submit SparkApplications in their tenant and nowhere else", () => {
    const spark = serviceAccount(mine, "spark");
    expect(can("create", SPARK, "sparkapplications", mine, spark)).to.equal(true);
    expect(can("create", SPARK, "sparkapplications", other, spark)).to.equal(false);
    expect(can("list", "", "secrets", "jupyterhub", spark)).to.equal(false);
  });

  it("the hub may start and stop servers (pods, volume claims) in each tenant namespace, and read no Secret there", () => {
    const hub = serviceAccount("jupyterhub", "hub");
    for (const ns of [mine, other]) {
      for (const [verb, res] of [
        ["create", "pods"],
        ["delete", "pods"],
        ["watch", "pods"],
        ["create", "persistentvolumeclaims"],
        ["list", "events"],
      ])
        expect(can(verb, "", res, ns, hub), `${verb} ${res} in ${ns}`).to.equal(true);
      expect(can("get", "", "secrets", ns, hub)).to.equal(false);
    }
  });

  it("each tenant namespace has the notebook service account, with its token mounted", () => {
    for (const ns of [mine, other]) {
      const sa = ofType(run, "kubernetes:core/v1:ServiceAccount").find(
        (r) => r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === "notebook",
      );
      expect(sa, ns).to.exist;
      expect(sa!.inputs.automountServiceAccountToken).to.equal(true);
    }
  });

  it("each tenant namespace has every ConfigMap a server mounts (examples, library, config files)", () => {
    const volumes = releaseValues(run, "jupyterhub").singleuser.storage.extraVolumes ?? [];
    const wanted = volumes.filter((v: any) => v.configMap).map((v: any) => v.configMap.name);
    expect(wanted).to.include("datavis-examples");
    for (const ns of [mine, other]) {
      const have = ofType(run, "kubernetes:core/v1:ConfigMap")
        .filter((r) => r.inputs.metadata?.namespace === ns)
        .map((r) => r.inputs.metadata.name);
      expect(have, ns).to.include.members(wanted);
    }
  });

  it("each tenant namespace admits the hub and proxy to its servers and lets servers reach the hub", () => {
    const policies = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    for (const ns of [mine, other]) {
      const p = policies.find(
        (r) => r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === "singleuser",
      );
      expect(p, ns).to.exist;
      expect(p!.inputs.spec.podSelector.matchLabels.component).to.equal("singleuser-server");
      expect(p!.inputs.spec.ingress[0].ports[0].port).to.equal(8888);
      expect(p!.inputs.spec.egress[0].ports[0].port).to.equal(8081);
    }
    const hubSide = policies.find((r) => r.inputs.metadata?.name === "hub-from-tenants");
    expect(hubSide?.inputs.metadata.namespace).to.equal("jupyterhub");
  });

  it("each tenant namespace holds its own database Secret, not the platform's app password", () => {
    const secrets = ofType(run, "kubernetes:core/v1:Secret").filter(
      (r) => r.inputs.metadata?.name === "notebook-database",
    );
    const byNs = new Map(secrets.map((s) => [s.inputs.metadata.namespace, s.inputs.stringData.password]));
    expect(byNs.get(mine)).to.be.a("string");
    expect(byNs.get(mine)).to.not.equal(byNs.get(other));
    expect(byNs.get(mine)).to.not.equal(byNs.get("jupyterhub"));
  });

  it("a tenant namespace holds no credential but the tenant's: its Spark jobs connect as the tenant", () => {
    // Whoever may submit a SparkApplication can read every Secret of its namespace through the driver.
    const sparkDb = ofType(run, "kubernetes:core/v1:Secret").find(
      (r) => r.inputs.metadata?.namespace === mine && r.inputs.metadata?.name === "spark-db",
    );
    expect(sparkDb?.inputs.stringData.PGUSER).to.equal("tenant_stats_101");
  });

  it("the hub knows who belongs where, and whom to ask", () => {
    const t = releaseValues(run, "jupyterhub").custom.datavis.tenancy;
    const stats = t.tenants.find((x: any) => x.name === "stats-101");
    expect(stats).to.include({ namespace: mine, databaseRole: "tenant_stats_101" });
    expect(stats.groups).to.deep.equal(["example-org:stats-101"]);
    expect(t.contact).to.contain("platform-admin");
    expect(releaseValues(run, "jupyterhub").hub.extraConfig).to.have.property("30-tenancy");
  });

  it("each tenant namespace says where its users' servers run and as whom (plan and kubectl describe)", () => {
    const ns = ofType(run, "kubernetes:core/v1:Namespace").find((r) => r.inputs.metadata?.name === mine)!;
    expect(ns.inputs.metadata.annotations).to.include({
      "datavis.io/database-role": "tenant_stats_101",
      "datavis.io/database-schema": "tenant_stats_101",
      "datavis.io/database-published-schema": "tenant_stats_101_published",
    });
    expect(ns.inputs.metadata.annotations["datavis.io/object-store-identity"]).to.contain(
      "kubernetes-namespace=tenant-stats-101",
    );
    expect(ns.inputs.metadata.annotations["datavis.io/notebook-servers"]).to.contain(
      "servers in tenant-stats-101",
    );
  });
});

describe("tenancy: who belongs where", () => {
  const tenants = [
    { name: "a", members: ["Alice"], groups: ["org:team-a"] },
    { name: "b", owners: ["prof"], groups: ["org:team-b"] },
  ];
  it("a member is found by name without regard to case, before any group", () => {
    expect(tenantOf(tenants, "alice", ["org:team-b"])).to.equal("a");
  });
  it("an owner belongs to the tenant they own", () => {
    expect(tenantOf(tenants, "prof")).to.equal("b");
  });
  it("a user in no list is found by group, or belongs nowhere", () => {
    expect(tenantOf(tenants, "carol", ["org:team-b"])).to.equal("b");
    expect(tenantOf(tenants, "dave", ["org:other"])).to.equal(undefined);
  });
  it("config refuses a student listed in two tenants, naming both", async () => {
    const e = await configError("dev", {
      tenants: JSON.stringify([
        { name: "x", members: ["sam"] },
        { name: "y", members: ["Sam"] },
      ]),
    });
    expect(e.message).to.contain("tenants").and.contain('"x"').and.contain('"y"');
  });
  it("config refuses members that are not a list of names", async () => {
    const e = await configError("dev", { tenants: JSON.stringify([{ name: "x", members: "sam" }]) });
    expect(e.message).to.contain("tenants[0].members");
  });
});
