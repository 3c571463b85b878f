/**
 * The notebook platform (issue 4) under both targets' inputs, read from what the program registers. Sign-
 * in and admins: GitHub, Google, Microsoft Entra ID and local accounts, the OAuth client secret from a
 * Secret, who may sign in, and Grafana's sign-in through the hub (issue 12).
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { one, ofType, releaseValues, runStack } from "./harness";
import { ENTRA, GOOGLE, byName, hub } from "./lib/notebooks";

describe("notebook platform: sign-in and admins", () => {
  it("dev signs in with GitHub, limited to the configured organizations", async () => {
    const cfg = hub(await runStack("dev")).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("github");
    expect(cfg.GitHubOAuthenticator.allowed_organizations).to.deep.equal(["example-org"]);
    expect(cfg.GitHubOAuthenticator.oauth_callback_url).to.equal(
      "https://hub.dev.datavis.example.org/hub/oauth_callback",
    );
    expect(cfg.GitHubOAuthenticator.client_id).to.equal("Iv1.0123456789abcdef");
  });

  it("the OAuth client secret reaches the hub from a Kubernetes Secret, never through the chart values", async () => {
    const run = await runStack("dev");
    const values = hub(run);
    expect(JSON.stringify(values)).not.to.contain("offline-placeholder-for-authClientSecret");
    expect(values.hub.extraEnv.OAUTH_CLIENT_SECRET.valueFrom.secretKeyRef).to.deep.equal({
      name: "hub-oauth",
      key: "client-secret",
    });
    const secret = one(run, "kubernetes:core/v1:Secret", "hub-oauth");
    expect(secret.displayInputs.stringData).to.equal("[secret]");
    expect(secret.inputs.metadata.namespace).to.equal("jupyterhub");
  });

  it("Google sign-in is limited to the configured Workspace domains", async () => {
    const cfg = hub(await runStack("dev", GOOGLE)).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("google");
    expect(cfg.GoogleOAuthenticator.hosted_domain).to.deep.equal(["example.edu"]);
  });

  it("Microsoft Entra ID sign-in is bound to the configured directory (tenant) id", async () => {
    const cfg = hub(await runStack("dev", ENTRA)).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("azuread");
    expect(cfg.AzureAdOAuthenticator.tenant_id).to.equal(ENTRA.authEntraTenantId);
  });

  it("edge signs in locally (NativeAuthenticator, no OAuth) and new accounts wait for an admin", async () => {
    const run = await runStack("edge");
    const cfg = hub(run).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("native");
    expect(cfg.NativeAuthenticator.open_signup).to.equal(false);
    expect(cfg.NativeAuthenticator.minimum_password_length).to.be.at.least(12);
    expect(hub(run).hub.extraEnv ?? {}).to.not.have.property("OAUTH_CLIENT_SECRET");
    expect(ofType(run, "kubernetes:core/v1:Secret").map((s) => s.name)).not.to.include("hub-oauth");
  });

  it("the admins from config are JupyterHub admins on both targets", async () => {
    for (const stack of ["dev", "edge"]) {
      expect(hub(await runStack(stack)).hub.config.Authenticator.admin_users).to.deep.equal([
        "platform-admin",
      ]);
    }
  });
});

describe("notebook platform: what every server gets (issue 12)", () => {
  it("edge: local sign-in lets in whoever NativeAuthenticator accepts (admins and authorized users)", async () => {
    // JupyterHub 5.5 refuses everyone with allow_all false and no allowed_users (test_hub_journeys.py).
    const cfg = hub(await runStack("edge")).hub.config;
    expect(cfg.JupyterHub.authenticator_class).to.equal("native");
    expect(cfg.Authenticator.allow_all).to.equal(true);
  });

  it("edge: with authAllowedUsers only those users (and the admins) may sign in", async () => {
    const cfg = hub(await runStack("edge", { authAllowedUsers: '["ada"]' })).hub.config;
    expect(cfg.Authenticator.allow_all).to.equal(false);
    expect(cfg.Authenticator.allowed_users).to.deep.equal(["ada"]);
  });

  it("the example notebooks and the datavis_data library are ConfigMaps mounted into every server", async () => {
    const run = await runStack("edge");
    const examples = byName(run, "kubernetes:core/v1:ConfigMap", "datavis-examples");
    const library = byName(run, "kubernetes:core/v1:ConfigMap", "datavis-library");
    const notebooks = fs
      .readdirSync(path.resolve(__dirname, "..", "notebooks"))
      .filter((f) => f.endsWith(".ipynb"));
    expect(Object.keys(examples.data)).to.include.members(notebooks);
    expect(Object.keys(library.data)).to.include.members(["__init__.py", "upload.py", "db.py", "etl.py"]);
    const su = hub(run).singleuser;
    expect(su.extraEnv.PYTHONPATH.split(":")[0]).to.equal("/opt/datavis/lib");
    expect(su.lifecycleHooks.postStart.exec.command[0]).to.equal("sh");
    const size = JSON.stringify(examples.data).length + JSON.stringify(library.data).length;
    expect(size).to.be.below(1024 * 1024);
  });

  it("edge with local accounts: Grafana signs in through the hub, with the secret the hub service holds", async () => {
    const run = await runStack("edge");
    const grafana = releaseValues(run, "grafana")["grafana.ini"]["auth.generic_oauth"];
    const service = hub(run).hub.services.grafana;
    expect(grafana.client_id).to.equal(service.oauth_client_id);
    expect(service.oauth_redirect_uri).to.equal(
      `https://grafana.${new URL(grafana.auth_url).hostname.slice(4)}/login/generic_oauth`,
    );
    expect(hub(run).hub.loadRoles.user.scopes).to.include("access:services!service=grafana");
  });

  it("with an outside identity provider Grafana keeps that provider and the hub has no Grafana client", async () => {
    const run = await runStack("dev");
    expect(hub(run).hub.services).to.equal(undefined);
    expect(releaseValues(run, "grafana")["grafana.ini"]["auth.generic_oauth"]).to.equal(undefined);
  });
});
