/**
 * The hub's state in the platform's PostgreSQL on both targets (issue 12, item 10), as registered. The
 * outcome (a real JupyterHub on a real PostgreSQL keeps its accounts across a restart) is proved by
 * components/platform/notebooks/hub/test_hub_database.py; the roles SQL by suite 55 and the data suite.
 */
import { expect } from "chai";
import { one, ofType, releaseValues, runStack, type ProgramRun } from "./harness";
import {
  ADMIN_SQL,
  BOOTSTRAP_SH,
  DATABASE_ROLES,
  HUB_DATABASE,
} from "../components/platform/services/database-roles";
import { ACTIVITY_LOG_DIR } from "../components/platform/notebooks/hub-values";

const hubOf = (run: ProgramRun) => releaseValues(run, "jupyterhub").hub;

describe("hub database in the platform's PostgreSQL", () => {
  for (const stack of ["dev", "edge"]) {
    it(`${stack}: the hub connects as its own role to its own database on the platform's server`, async () => {
      const run = await runStack(stack);
      const hub = hubOf(run);
      expect(hub.db.type).to.equal("postgres");
      const url = new URL(hub.db.url);
      const pgHost = releaseValues(run, "jupyterhub").singleuser.extraEnv.PGHOST;
      expect(url.protocol).to.equal("postgresql:");
      expect(url.hostname).to.equal(pgHost);
      expect(url.username).to.equal(DATABASE_ROLES.hub);
      expect(url.pathname).to.equal(`/${HUB_DATABASE}`);
      expect(url.password, "no password in the URL").to.equal("");
    });
  }

  it("the password reaches the hub from a Secret, never through the chart values", async () => {
    const run = await runStack("edge");
    const hub = hubOf(run);
    expect(hub.db).to.not.have.property("password");
    expect(hub.extraEnv.PGPASSWORD).to.deep.equal({
      valueFrom: { secretKeyRef: { name: "hub-database", key: "password" } },
    });
    const secret = ofType(run, "kubernetes:core/v1:Secret").find((s) => s.name === "hub-database")!;
    expect(secret.inputs.metadata.namespace).to.equal("jupyterhub");
    // The hub role's generated password: the one the roles Job sets, and in no chart value.
    const creds = one(run, "kubernetes:core/v1:Secret", "db-bootstrap-credentials").inputs.stringData;
    expect(secret.inputs.stringData.password).to.equal(creds.HUB_PASSWORD).and.not.equal(creds.APP_PASSWORD);
    expect(JSON.stringify(releaseValues(run, "jupyterhub"))).to.not.contain(creds.HUB_PASSWORD);
  });

  it("on AWS the hub verifies RDS's certificate with the CA the notebooks use", async () => {
    const hub = hubOf(await runStack("dev"));
    expect(hub.extraEnv.PGSSLMODE).to.equal("verify-full");
    expect(hub.extraEnv.PGSSLROOTCERT).to.equal("/etc/datavis/db-ca/ca.crt");
    expect(hub.extraVolumeMounts.map((m: any) => m.mountPath)).to.include("/etc/datavis");
  });

  it("the activity log keeps a volume of its own (the chart mounts none without sqlite-pvc)", async () => {
    const run = await runStack("edge");
    const hub = hubOf(run);
    const mount = hub.extraVolumeMounts.find((m: any) => m.mountPath === ACTIVITY_LOG_DIR);
    const volume = hub.extraVolumes.find((v: any) => v.name === mount.name);
    const claim = one(run, "kubernetes:core/v1:PersistentVolumeClaim", "hub-activity-log").inputs;
    expect(volume.persistentVolumeClaim.claimName).to.equal(claim.metadata.name);
    expect(claim.metadata.namespace).to.equal("jupyterhub");
  });

  it("the roles Job makes the hub's role and its database, which no other role may connect to", async () => {
    expect(ADMIN_SQL).to.include(":'hub_user'");
    expect(ADMIN_SQL).to.match(/CREATE DATABASE %I OWNER %I', :'hub_db', :'hub_user'\)/);
    expect(ADMIN_SQL).to.include(`REVOKE ALL ON DATABASE :"hub_db" FROM PUBLIC;`);
    expect(BOOTSTRAP_SH).to.include(`-v hub_db="$HUB_DATABASE"`);
    const run = await runStack("edge");
    const creds = one(run, "kubernetes:core/v1:Secret", "db-bootstrap-credentials").inputs.stringData;
    expect(creds).to.include({ HUB_USER: DATABASE_ROLES.hub, HUB_DATABASE: HUB_DATABASE });
    expect(creds.HUB_PASSWORD).to.be.a("string").and.not.equal(creds.GRAFANA_PASSWORD);
  });
});
