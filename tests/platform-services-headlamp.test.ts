/**
 * Platform services (issue 5). Headlamp, the deployment UI: no cluster rights of its own, engineers deploy
 * into the tenants they own, OIDC sign-in where the identity provider speaks it, the client secret from a
 * Secret. Evaluated under mocks by the test-only composition in tests/lib/services-run.ts.
 */
import { expect } from "chai";
import { DEPLOYER_ROLE, engineerAccountName } from "../components/platform/services/headlamp";
import { TARGETS, ofType, run, values } from "./lib/services-run";

describe("platform services: Headlamp deployment UI", () => {
  it("Headlamp gets no cluster rights of its own", async () => {
    for (const kind of TARGETS) {
      const r = await run(kind);
      expect(values(r, "headlamp").clusterRoleBinding.create).to.be.false;
      expect(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).to.be.empty;
      expect(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).to.be.empty;
    }
  });

  it("an engineer may deploy into the tenants they own and nothing else", async () => {
    const r = await run("aws-dev");
    const bindings = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter(
      (b) => b.inputs.roleRef.name === DEPLOYER_ROLE,
    );
    for (const t of r.settings.tenants) {
      for (const owner of r.settings.tenants.flatMap((x) => x.owners)) {
        const sa = engineerAccountName(owner);
        const has = bindings.some(
          (b) =>
            b.inputs.metadata.namespace === `tenant-${t.name}` &&
            b.inputs.subjects.some((s: any) => s.kind === "ServiceAccount" && s.name === sa) &&
            b.inputs.subjects.some((s: any) => s.kind === "User" && s.name === owner),
        );
        expect(has, `${owner} in ${t.name}`).to.equal(t.owners.includes(owner));
      }
    }
    // The deployer role edits workloads; never RBAC, quotas or network policy.
    const role = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:Role").find(
      (x) => x.inputs.metadata.name === DEPLOYER_ROLE,
    )!;
    const writes = role.inputs.rules.filter((x: any) =>
      x.verbs.some((v: string) => ["create", "update", "patch", "delete"].includes(v)),
    );
    const written = writes.flatMap((x: any) => x.resources);
    expect(written).to.include.members(["deployments", "jobs", "services", "sparkapplications"]);
    expect(written).to.not.include.members(["roles"]);
    for (const forbidden of [
      "roles",
      "rolebindings",
      "resourcequotas",
      "limitranges",
      "networkpolicies",
      "namespaces",
    ]) {
      expect(written).to.not.include(forbidden);
    }
    expect(role.inputs.rules.flatMap((x: any) => x.apiGroups)).to.not.include("rbac.authorization.k8s.io");
  });

  it("Headlamp signs in with OIDC where the identity provider speaks it (Google), with tokens otherwise", async () => {
    const googleRun = await run("google");
    const google = values(googleRun, "headlamp").config.oidc;
    const secret = googleRun.resources.find(
      (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "headlamp-oidc",
    );
    expect(secret?.inputs.stringData.OIDC_ISSUER_URL).to.equal("https://accounts.google.com");
    expect(google.callbackURL).to.equal("https://headlamp.dev.datavis.example.org/oidc-callback");
    expect(google.externalSecret).to.deep.equal({ enabled: true, name: "headlamp-oidc", hasScopes: true });
    expect(values(await run("aws-dev"), "headlamp").config.oidc).to.be.undefined; // GitHub OAuth is not OIDC
    expect(values(await run("edge"), "headlamp").config.oidc).to.be.undefined;
  });

  it("Headlamp's OIDC client secret is read from a Kubernetes Secret, never written into the chart values", async () => {
    const r = await run("google");
    const release = r.resources.find(
      (x) => x.type === "kubernetes:helm.sh/v3:Release" && x.name === "headlamp",
    )!;
    const secret = r.resources.find(
      (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "headlamp-oidc",
    )!;
    const clientSecret: string = secret.inputs.stringData.OIDC_CLIENT_SECRET;
    expect(clientSecret).to.be.a("string").and.not.be.empty;
    // The Helm release's values land in Pulumi state and in Helm's release Secret in plain text.
    expect(JSON.stringify(release.inputs.values)).to.not.include(clientSecret);
    expect(JSON.stringify(release.inputs.values)).to.not.match(/clientSecret/);
    expect(Object.keys(secret.inputs.stringData).sort()).to.deep.equal([
      "OIDC_CALLBACK_URL",
      "OIDC_CLIENT_ID",
      "OIDC_CLIENT_SECRET",
      "OIDC_ISSUER_URL",
      "OIDC_SCOPES",
      "OIDC_USE_PKCE",
    ]);
  });
});
