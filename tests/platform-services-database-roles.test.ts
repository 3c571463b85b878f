/**
 * Platform services (issue 5). Database roles: the app and read-only roles' generated passwords in
 * Secrets, the Job that creates them (re-run on a change), and the idempotent role script with its grants.
 * Evaluated under mocks by the test-only composition in tests/lib/services-run.ts.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { IMAGES } from "../components/versions";
import { ADMIN_SQL, APP_SQL, DATABASE_ROLES } from "../components/platform/services/database-roles";
import { TARGETS, ofType, run } from "./lib/services-run";

describe("platform services: database roles", () => {
  for (const kind of TARGETS) {
    it(`the app and read-only roles get generated passwords kept in Kubernetes Secrets (${kind})`, async () => {
      const r = await run(kind);
      const s = r.services!;
      expect(s.appDatabase.username).to.equal(DATABASE_ROLES.app);
      expect(s.readerDatabase.username).to.equal(DATABASE_ROLES.reader);
      const passwords = ofType(r, "random:index/randomPassword:RandomPassword").map((p) => p.name);
      expect(passwords).to.include.members(["db-app-password", "db-reader-password"]);
      for (const p of ofType(r, "random:index/randomPassword:RandomPassword")) {
        expect(p.inputs.length).to.be.at.least(24);
      }
      const reader = await new Promise<string>((res) => s.readerDatabase.password.apply(res));
      const app = await new Promise<string>((res) => s.appDatabase.password.apply(res));
      expect(pulumi.Output.isInstance(s.readerDatabase.password)).to.be.true;
      const secrets = ofType(r, "kubernetes:core/v1:Secret");
      expect(secrets.some((x) => x.inputs.stringData?.PGPASSWORD === app)).to.be.true;
      expect(secrets.some((x) => x.inputs.stringData?.["reader-password"] === reader)).to.be.true;
    });
  }

  for (const kind of TARGETS) {
    it(`the roles Job runs psql non-root with resources set and connects as the database admin (${kind})`, async () => {
      const r = await run(kind);
      const job = ofType(r, "kubernetes:batch/v1:Job").find((j) => j.name === "db-roles")!;
      const pod = job.inputs.spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).to.equal(IMAGES.postgres);
      expect(pod.securityContext.runAsNonRoot).to.be.true;
      expect(pod.securityContext.runAsUser).to.be.greaterThan(0);
      expect(c.securityContext.allowPrivilegeEscalation).to.be.false;
      expect(c.resources.requests).to.have.keys("cpu", "memory");
      expect(c.resources.limits).to.have.keys("cpu", "memory");
      const secret = ofType(r, "kubernetes:core/v1:Secret").find(
        (x) => x.inputs.metadata.name === c.envFrom[0].secretRef.name,
      )!;
      expect(secret.inputs.stringData.PGUSER).to.equal(kind === "edge" ? "datavis_owner" : "datavis_admin");
      expect(secret.inputs.stringData.PGSSLMODE).to.equal(kind === "edge" ? "require" : "verify-full");
      expect(secret.inputs.metadata.namespace).to.equal("platform-db-bootstrap");
    });
  }

  it("a password or script change replaces the roles Job, so it runs again", async () => {
    const job = ofType(await run("edge"), "kubernetes:batch/v1:Job").find((j) => j.name === "db-roles")!;
    // Pod templates are immutable: a changed annotation there makes Pulumi replace the Job.
    expect(job.inputs.spec.template.metadata.annotations["datavis.io/revision"]).to.match(/^[0-9a-f]{16}$/);
  });

  it("the role script is idempotent: roles are created only when missing, then altered", () => {
    expect(ADMIN_SQL).to.match(/WHERE NOT EXISTS \(SELECT 1 FROM pg_roles WHERE rolname = r\) \\gexec/);
    expect(ADMIN_SQL).to.include(`ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_password';`);
    expect(ADMIN_SQL).to.include(`ALTER ROLE :"reader_user" WITH LOGIN PASSWORD :'reader_password';`);
    expect(ADMIN_SQL).to.include("CREATE SCHEMA IF NOT EXISTS");
  });

  it("the read-only role gets CONNECT, USAGE and SELECT on current and future tables, and nothing more", () => {
    const reader = [...ADMIN_SQL.split("\n"), ...APP_SQL.split("\n")].filter((l) =>
      l.includes(':"reader_user"'),
    );
    expect(reader).to.include.members([
      'GRANT USAGE ON SCHEMA public TO :"reader_user";',
      'GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader_user";',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";',
    ]);
    expect(ADMIN_SQL).to.match(/GRANT CONNECT ON DATABASE :"dbname" TO .*:"reader_user"/);
    // Tables the app role creates later are readable too (default privileges of the app role itself).
    expect(APP_SQL).to.include(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :"reader_user";',
    );
    for (const l of reader.filter((x) => x.startsWith("GRANT") || x.includes("DEFAULT PRIVILEGES"))) {
      expect(l, l).to.not.match(/INSERT|UPDATE|DELETE|TRUNCATE|CREATE|ALL ON/);
    }
  });
});
