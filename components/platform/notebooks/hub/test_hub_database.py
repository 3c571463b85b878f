"""The hub keeps its state in the platform's PostgreSQL, so the platform's database backups cover it.

A real PostgreSQL (PGHOST, PGPORT, PGUSER, PGPASSWORD: an administrator with CREATEROLE and CREATEDB, as
RDS's master user and CloudNativePG's superuser are; CI: .ci/suites/45-notebook-platform.sh starts one on
loopback) gets the platform's roles from the database-roles Job's own script (BOOTSTRAP_SH, ADMIN_SQL); a
real JupyterHub configured by the edge plan's values (`hub.db.type: postgres`, `hub.db.url`, PGPASSWORD from
the hub-database Secret through hub.extraEnv) connects as the hub's role to the hub's own database, with this
machine's server in place of the cluster's. Then what a site lives through: accounts made before a hub
restart (a new hub pod with no volume of its database) still sign in after it.

Run: python -m pytest components/platform/notebooks/hub/test_hub_database.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
from harness import Browser, Hub, hub_values, plan, plan_config_maps  # noqa: E402

REPO = Path(__file__).resolve().parents[4]
# Roles are cluster-wide: this test's get a suffix, so it never touches another test's.
SUFFIX = "_hdb"
ADMIN, ADMIN_PASSWORD = "platform-admin", "admin-passphrase-of-the-site-42"
STUDENT, STUDENT_PASSWORD = "grace", "grace-long-enough-passphrase-3"
HUB_PASSWORD = "hub-role-password-of-the-test"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


def roles_job():
    """The roles Job's script and SQL exactly as the platform registers them, and the role names."""
    out = subprocess.run(
        ["node", "-r", "./tools/register.js", "-e", (
            "const m = require('./components/platform/services/database-roles');"
            "console.log(JSON.stringify({admin: m.ADMIN_SQL, app: m.APP_SQL, sh: m.BOOTSTRAP_SH,"
            " roles: m.DATABASE_ROLES, hubDatabase: m.HUB_DATABASE}))"
        )],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def admin_sql(statement, *params):
    """One statement as the administrator, outside any transaction (CREATE/DROP DATABASE need that)."""
    conn = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params or None)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


@pytest.fixture(scope="module")
def database():
    """A fresh platform database with the platform's roles and the hub's database, made by the roles Job."""
    if not os.environ.get("PGHOST"):
        pytest.fail("set PGHOST, PGPORT, PGUSER, PGPASSWORD (an administrator with CREATEDB and CREATEROLE)")
    job = roles_job()
    names = {k: v + SUFFIX for k, v in job["roles"].items()}
    platform_db, hub_db = "platform" + SUFFIX, job["hubDatabase"] + SUFFIX
    for db in (platform_db, hub_db):
        admin_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{platform_db}"')
    work = Path(tempfile.mkdtemp(prefix="roles-job-"))
    for key, file in (("admin", "admin.sql"), ("app", "app.sql"), ("sh", "bootstrap.sh")):
        (work / file).write_text(job[key])
    env = {
        **os.environ, "PGDATABASE": platform_db, "SQL_DIR": str(work),
        "APP_USER": names["app"], "APP_PASSWORD": "app-pw", "READER_USER": names["reader"],
        "READER_PASSWORD": "reader-pw", "GRAFANA_USER": names["grafana"], "GRAFANA_PASSWORD": "grafana-pw",
        "HUB_USER": names["hub"], "HUB_PASSWORD": HUB_PASSWORD, "HUB_DATABASE": hub_db,
    }
    for _ in range(2):  # the Job runs again on every change of a password or script: it must be idempotent
        done = subprocess.run(["/bin/sh", str(work / "bootstrap.sh")], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    return {"names": names, "platform": platform_db, "hub": hub_db}


@pytest.fixture(scope="module")
def site(database):
    doc = plan("edge")
    values = hub_values(doc)
    db = values["hub"]["db"]
    url = urlparse(db["url"])
    # The plan's URL names the cluster's server; this machine's server, the test's role and database stand in.
    local = f"postgresql://{database['names']['hub']}@{os.environ['PGHOST']}:{os.environ.get('PGPORT', '5432')}/{database['hub']}"
    secret_ref = values["hub"]["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretKeyRef"]
    hub = Hub(
        values, plan_config_maps(doc), db_url=local,
        # The hub-database Secret's value, and no TLS on the loopback server (the plan says PGSSLMODE=require).
        env={"PGPASSWORD": HUB_PASSWORD, "PGSSLMODE": "disable", "PGUSER": "", "PGDATABASE": ""},
    )
    hub.plan_db = {"type": db["type"], "path": url.path, "user": url.username, "secret": secret_ref, "values": values}
    hub.start()
    yield hub
    hub.stop()


def test_the_plan_keeps_the_hub_database_in_the_platforms_postgresql_with_the_password_from_a_secret(site):
    v = site.plan_db["values"]["hub"]
    assert site.plan_db["type"] == "postgres"
    assert site.plan_db["path"] == "/jupyterhub" and site.plan_db["user"] == "datavis_hub"
    assert site.plan_db["secret"] == {"name": "hub-database", "key": "password"}
    assert not v["db"].get("password"), "the password must not be in the chart values"


def test_accounts_made_before_a_hub_restart_still_sign_in_after_it(site, database):
    admin = Browser(site)
    admin.sign_up(ADMIN, ADMIN_PASSWORD)
    admin.sign_in(ADMIN, ADMIN_PASSWORD)
    assert admin.signed_in_as() == ADMIN, site.tail()
    student = Browser(site)
    student.sign_up(STUDENT, STUDENT_PASSWORD)
    assert admin.get(f"/hub/authorize/{STUDENT}").status_code == 200
    student.sign_in(STUDENT, STUDENT_PASSWORD)
    assert student.signed_in_as() == STUDENT

    # A new hub pod: the process restarts and nothing of the database is on its disk.
    site.upgrade(site.values)
    assert not list(site.state.glob("*.sqlite")), "the hub kept a local database"
    for name, password in ((ADMIN, ADMIN_PASSWORD), (STUDENT, STUDENT_PASSWORD)):
        b = Browser(site)
        b.sign_in(name, password)
        assert b.signed_in_as() == name, site.tail()
    assert Browser(site).api("GET", "/users").status_code in (401, 403)  # not signed in: nothing
    a = Browser(site)
    a.sign_in(ADMIN, ADMIN_PASSWORD)
    assert a.api("GET", f"/users/{ADMIN}").json()["admin"] is True

    # The accounts are rows of the hub's database, where the platform's database backups see them.
    with psycopg2.connect(dbname=database["hub"], user=database["names"]["hub"], password=HUB_PASSWORD) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM users ORDER BY name")
            assert {r[0] for r in cur.fetchall()} >= {ADMIN, STUDENT}
            cur.execute("SELECT username, is_authorized FROM users_info WHERE username = %s", (STUDENT,))
            assert cur.fetchone() == (STUDENT, True)


def test_no_other_platform_role_can_open_the_hubs_database(site, database):
    """It holds the local accounts' password hashes: the app, reader and Grafana roles cannot connect."""
    for role, password in (("app", "app-pw"), ("reader", "reader-pw"), ("grafana", "grafana-pw")):
        with pytest.raises(psycopg2.OperationalError, match="permission denied"):
            psycopg2.connect(dbname=database["hub"], user=database["names"][role], password=password).close()
    owner = admin_sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", database["hub"])
    assert owner == [(database["names"]["hub"],)]
