/**
 * The notebook platform (issue 4) under both targets' inputs, read from what the program registers.
 * Tenants: a namespace per tenant with Pod Security restricted, quotas and limit ranges, default-deny
 * network policies, owners' rights, and a class list of 50.
 */
import { expect } from "chai";
import { ofType, runStack, type ProgramRun } from "./harness";
import { byName } from "./lib/notebooks";

describe("notebook platform: tenants", () => {
  const tenantsOf = (run: ProgramRun) => run.config.tenants.map((t) => t.name);

  for (const stack of ["dev", "edge"]) {
    it(`${stack}: every tenant has its namespace tenant-<name> with Pod Security restricted enforced`, async () => {
      const run = await runStack(stack);
      for (const t of tenantsOf(run)) {
        const ns = byName(run, "kubernetes:core/v1:Namespace", `tenant-${t}`);
        expect(ns.metadata.name).to.equal(`tenant-${t}`);
        expect(ns.metadata.labels).to.include({
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        });
      }
    });

    it(`${stack}: every tenant has one quota from its config and a LimitRange with defaults`, async () => {
      const run = await runStack(stack);
      for (const t of run.config.tenants) {
        const quotas = ofType(run, "kubernetes:core/v1:ResourceQuota").filter(
          (q) => q.inputs.metadata.namespace === `tenant-${t.name}`,
        );
        expect(quotas).to.have.lengthOf(1);
        expect(quotas[0].inputs.spec.hard).to.include({
          "requests.cpu": String(t.cpu),
          "requests.memory": `${t.memoryGi}Gi`,
          "requests.storage": `${t.storageGi}Gi`,
        });
        const lr = byName(run, "kubernetes:core/v1:LimitRange", `tenant-${t.name}-limits`);
        expect(lr.spec.limits[0]).to.have.all.keys("type", "default", "defaultRequest", "max");
      }
    });
  }

  it("each tenant denies all traffic by default, in both directions", async () => {
    const run = await runStack("dev");
    for (const t of tenantsOf(run)) {
      const deny = byName(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `tenant-${t}-default-deny`);
      expect(deny.metadata.namespace).to.equal(`tenant-${t}`);
      expect(deny.spec).to.deep.equal({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
  });

  it("a tenant's pods accept traffic only from their own namespace, the Spark operator and monitoring", async () => {
    const run = await runStack("dev");
    const allow = byName(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-data-science-allow");
    const from = allow.spec.ingress.flatMap((r: any) => r.from);
    expect(from).to.deep.include({ podSelector: {} });
    const namespaces = from
      .filter((f: any) => f.namespaceSelector)
      .map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
    expect(namespaces).to.have.members(["spark-operator", "monitoring"]);
    // No rule names another tenant, nor the hub's user servers.
    expect(JSON.stringify(allow)).not.to.contain("tenant-stats-101").and.not.to.contain("jupyterhub");
  });

  it("a tenant's pods may leave only for DNS, their own namespace, the database, object storage and the API", async () => {
    const run = await runStack("edge");
    const allow = byName(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-lab-allow");
    const egress = allow.spec.egress as any[];
    expect(egress).to.have.lengthOf(3);
    expect(egress[0]).to.deep.equal({ to: [{ podSelector: {} }] });
    expect(egress[1].ports.map((p: any) => p.port)).to.deep.equal([53, 53]);
    expect(egress[2].ports.map((p: any) => p.port)).to.have.members([5432, 8333, 443, 6443]);
  });

  it("tenant owners get edit in their own namespace only, and nothing cluster-wide", async () => {
    const run = await runStack("dev");
    const rb = byName(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "tenant-stats-101-owners");
    expect(rb.metadata.namespace).to.equal("tenant-stats-101");
    expect(rb.roleRef).to.deep.equal({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "edit",
    });
    expect(rb.subjects).to.deep.equal([
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "course-instructor" },
    ]);
    const clusterBindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    expect(JSON.stringify(clusterBindings.map((b) => b.inputs.subjects))).not.to.contain("course-instructor");
  });

  it("a class list of 50 tenants registers the same six resources for each, no more", async () => {
    const tenants = Array.from({ length: 50 }, (_, i) => ({ name: `class-${i}`, owners: ["t"] }));
    const run = await runStack("edge", { tenants: JSON.stringify(tenants) });
    const base = await runStack("edge");
    const perTenant = (r: ProgramRun) =>
      r.resources.filter((x) => x.parent === "tenants").length / r.config.tenants.length;
    expect(perTenant(run)).to.equal(6);
    expect(perTenant(base)).to.equal(6);
    expect(ofType(run, "kubernetes:core/v1:ResourceQuota")).to.have.lengthOf(50);
  });
});
