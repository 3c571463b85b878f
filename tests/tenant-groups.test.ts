/**
 * Tenants mapped by identity-provider group (tenants[].groups): the hub settings the program generates so
 * that the provider's groups become JupyterHub groups, and the config errors for groups that could never
 * match. The real sign-in is proven on a real hub: notebooks/hub/test_hub_tenancy_groups.py.
 */
import { expect } from "chai";
import { configError, planCli, releaseValues, runStack } from "./harness";
import { chartValuesErrors } from "./lib/chart-values";

const ENTRA = { authProvider: "entra", authEntraTenantId: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0" };
const GOOGLE = {
  authProvider: "google",
  authAllowedDomains: '["example.edu"]',
  authAllowedOrganizations: "[]",
};
const tenants = (...list: object[]) => ({ tenants: JSON.stringify(list) });
const hubConfig = async (stack: string, overrides: Record<string, string>) =>
  releaseValues(await runStack(stack, overrides), "jupyterhub").hub.config;

describe("tenant groups: the hub turns the identity provider's groups into hub groups", function () {
  this.timeout(120000);
  const TEAM = tenants({ name: "stats-101", groups: ["example-org:stats-101"] });
  const ENTRA_GROUP = tenants({ name: "stats-101", groups: ["7f3c9a52-2d1e-4b8a-9c61-0e5d4f3a2b19"] });

  it("GitHub: a tenant listing teams turns on manage_groups and fetches the user's teams with read:org", async () => {
    const cfg = await hubConfig("dev", TEAM);
    expect(cfg.Authenticator.manage_groups).to.equal(true);
    expect(cfg.GitHubOAuthenticator.populate_teams_in_auth_state).to.equal(true);
    expect(cfg.GitHubOAuthenticator.scope).to.deep.equal(["read:org"]);
  });

  it("GitHub: the sign-in settings stay as they were (organizations, admins, callback)", async () => {
    const [plain, grouped] = [await hubConfig("dev", {}), await hubConfig("dev", TEAM)];
    expect(grouped.GitHubOAuthenticator.allowed_organizations).to.deep.equal(
      plain.GitHubOAuthenticator.allowed_organizations,
    );
    expect(grouped.Authenticator.admin_users).to.deep.equal(plain.Authenticator.admin_users);
    expect(grouped.GitHubOAuthenticator.oauth_callback_url).to.equal(
      plain.GitHubOAuthenticator.oauth_callback_url,
    );
  });

  it("Entra: a tenant listing groups turns on manage_groups and reads the id token's groups claim", async () => {
    const cfg = await hubConfig("dev", { ...ENTRA, ...ENTRA_GROUP });
    expect(cfg.Authenticator.manage_groups).to.equal(true);
    expect(cfg.AzureAdOAuthenticator.auth_state_groups_key).to.equal("user.groups");
  });

  it("no tenant lists groups: group management stays off (JupyterHub's own group APIs stay usable)", async () => {
    const cfg = await hubConfig("dev", tenants({ name: "stats-101", members: ["ada"] }));
    expect(cfg.Authenticator).to.not.have.property("manage_groups");
    expect(cfg.GitHubOAuthenticator).to.not.have.property("populate_teams_in_auth_state");
  });

  it("the values with group settings still pass the z2jh chart's values schema", async () => {
    for (const overrides of [TEAM, { ...ENTRA, ...ENTRA_GROUP }]) {
      const values = releaseValues(await runStack("dev", overrides), "jupyterhub");
      expect(chartValuesErrors("jupyterhub", values)).to.deep.equal([]);
    }
  });

  it("the hub keeps no auth state, so it needs no encryption key of its own", async () => {
    const cfg = await hubConfig("dev", TEAM);
    expect(cfg.Authenticator).to.not.have.property("enable_auth_state");
    expect(cfg).to.not.have.property("CryptKeeper");
  });
});

describe("tenant groups: config refuses groups that could never match", function () {
  this.timeout(120000);

  it("local sign-in has no groups: exit 2 naming tenants[].groups and members as the fix", async () => {
    const e = await configError(
      "edge",
      tenants({ name: "lab", members: ["ada"] }, { name: "b", groups: ["x"] }),
    );
    expect(e.key).to.equal("datavis:tenants");
    expect(e.message)
      .to.contain("tenants[1].groups")
      .and.contain("local sign-in")
      .and.contain("tenants[1].members");
  });

  it("the plan command exits 2 with that one line on stderr, before anything is planned", () => {
    const list = JSON.stringify([{ name: "lab", groups: ["physics"] }]);
    const r = planCli(["--stack", "edge", "--json", "--config", `tenants=${list}`]);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr.trim().split("\n")).to.have.lengthOf(1);
    expect(r.stderr).to.contain("config datavis:tenants: tenants[0].groups");
  });

  it("Google groups are refused: the platform configures no Workspace service account", async () => {
    const e = await configError("dev", {
      ...GOOGLE,
      ...tenants({ name: "b", groups: ["stats@example.edu"] }),
    });
    expect(e.message).to.contain("tenants[0].groups").and.contain("Google").and.contain("tenants[0].members");
  });

  it("GitHub: a group that is not org:team-slug is refused with the form to write", async () => {
    const e = await configError("dev", tenants({ name: "b", groups: ["stats-101"] }));
    expect(e.message)
      .to.contain('tenants[0].groups: "stats-101" is not a GitHub team')
      .and.contain("org:team-slug");
  });

  it("GitHub: a team of another organization than the sign-in ones is accepted (sign-in and class are separate)", async () => {
    const cfg = await hubConfig("dev", tenants({ name: "b", groups: ["Courses-Org:stats-101"] }));
    expect(cfg.Authenticator.manage_groups).to.equal(true);
  });

  it("Entra: any group (object id or name) is accepted as written", async () => {
    const cfg = await hubConfig("dev", {
      ...ENTRA,
      ...tenants({ name: "b", groups: ["Stats 101 students"] }),
    });
    expect(cfg.Authenticator.manage_groups).to.equal(true);
  });
});
