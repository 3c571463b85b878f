"""Each tenant's data is its own in PostgreSQL: the platform's roles Job (services/database-roles.ts) and the
tenants Job (components/platform/tenancy/tenant-databases.sh with tenant-admin.sql) run here with the real
psql, as the Jobs run them, against the real server; then each role is tried the way a notebook would use it.

Needs an administrator with CREATEDB and CREATEROLE in PG* (the data suite's `datavis` role), like RDS's
master user or CloudNativePG's: not a superuser.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import errors, sql

from datavis_data import upload

REPO = Path(__file__).resolve().parents[2]
TENANCY = REPO / "components" / "platform" / "tenancy"
DB = "datavis_tenancy_test"
PASSWORD = "tenant-test-password"
# Role names of this test (roles are cluster-wide): the platform roles get a suffix; tenants are made-up.
APP, READER, GRAFANA = "datavis_app_tt", "datavis_reader_tt", "datavis_grafana_tt"
TENANTS = ["alpha-101", "beta-202"]


def platform_sql() -> dict:
    """The roles Job's scripts, as the platform registers them (ADMIN_SQL, APP_SQL, BOOTSTRAP_SH)."""
    out = subprocess.run(
        ["node", "-r", "./tools/register.js", str(TENANCY / "database-scripts.ts"), *TENANTS],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def run(script: Path | str, env: dict, cwd: Path) -> None:
    proc = subprocess.run(["/bin/sh", str(script)], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def tenancy(tmp_path_factory):
    """A fresh database with the platform roles and both tenants made by the Jobs' own scripts."""
    if not os.environ.get("PGHOST"):
        pytest.fail("set PGHOST, PGPORT, PGUSER, PGPASSWORD (an administrator with CREATEDB and CREATEROLE)")
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    scripts = platform_sql()
    work = tmp_path_factory.mktemp("tenancy")
    (work / "admin.sql").write_text(scripts["admin"])
    (work / "app.sql").write_text(scripts["app"])
    (work / "bootstrap.sh").write_text(scripts["sh"])
    env = {
        "PGDATABASE": DB,
        "SQL_DIR": str(work),
        "APP_USER": APP,
        "APP_PASSWORD": PASSWORD,
        "READER_USER": READER,
        "READER_PASSWORD": PASSWORD,
        "GRAFANA_USER": GRAFANA,
        "GRAFANA_PASSWORD": PASSWORD,
        # The hub's role and database (the roles Job makes them too); suffixed, as the roles above.
        "HUB_USER": "datavis_hub_tt",
        "HUB_PASSWORD": PASSWORD,
        "HUB_DATABASE": "jupyterhub_tt",
    }
    run(work / "bootstrap.sh", env, work)
    passwords = work / "passwords"
    passwords.mkdir()
    for role in scripts["roles"]:
        (passwords / role).write_text(PASSWORD)
    tenant_env = {**env, "SQL_DIR": str(TENANCY), "PASSWORD_DIR": str(passwords), "TENANTS": scripts["specs"]}
    run(TENANCY / "tenant-databases.sh", tenant_env, work)
    # Twice: the Job runs again on every change, and must leave the same state.
    run(TENANCY / "tenant-databases.sh", tenant_env, work)
    return dict(zip(TENANTS, scripts["roles"]))


def connect(role: str) -> psycopg.Connection:
    return psycopg.connect(dbname=DB, user=role, password=PASSWORD, autocommit=True)


@pytest.fixture(scope="module")
def alpha(tenancy):
    with connect(tenancy["alpha-101"]) as c:
        yield c


@pytest.fixture(scope="module")
def beta(tenancy):
    with connect(tenancy["beta-202"]) as c:
        c.execute("CREATE TABLE IF NOT EXISTS grades (student text, grade int)")
        c.execute("INSERT INTO grades VALUES ('bob', 17)")
        c.execute("CREATE OR REPLACE VIEW tenant_beta_202_published.average AS SELECT avg(grade) AS mean FROM grades")
        c.execute("CREATE TABLE IF NOT EXISTS tenant_beta_202_published.roster AS SELECT student FROM grades")
        yield c


REFUSED = (errors.InsufficientPrivilege,)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM tenant_beta_202.grades",
        "INSERT INTO tenant_beta_202.grades VALUES ('mallory', 20)",
        "UPDATE tenant_beta_202.grades SET grade = 20",
        "DELETE FROM tenant_beta_202.grades",
        "DROP TABLE tenant_beta_202.grades",
        "CREATE TABLE tenant_beta_202.planted (x int)",
        "SELECT * FROM tenant_beta_202_published.average",
        "DROP VIEW tenant_beta_202_published.average",
    ],
)
def test_a_tenant_cannot_read_write_or_drop_in_another_tenants_schemas(alpha, beta, statement):
    with pytest.raises(REFUSED):
        alpha.execute(statement)
    assert beta.execute("SELECT count(*) FROM grades").fetchone()[0] >= 1


def test_a_tenant_works_freely_in_its_own_schema(alpha):
    alpha.execute("CREATE TABLE notes (body text)")
    alpha.execute("INSERT INTO notes VALUES ('mine')")
    assert alpha.execute("SELECT to_regclass('tenant_alpha_101.notes') IS NOT NULL").fetchone()[0]
    alpha.execute("DROP TABLE notes")


def test_the_dashboard_role_reads_what_a_tenant_publishes(tenancy, beta):
    with connect(READER) as reader:
        assert reader.execute("SELECT mean FROM tenant_beta_202_published.average").fetchone()[0] == 17
        assert reader.execute("SELECT student FROM tenant_beta_202_published.roster").fetchall() == [("bob",)]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM tenant_beta_202.grades",
        "DELETE FROM tenant_beta_202_published.roster",
        "CREATE TABLE tenant_beta_202_published.planted (x int)",
    ],
)
def test_the_dashboard_role_reads_nothing_unpublished_and_writes_nothing(tenancy, beta, statement):
    with connect(READER) as reader:
        with pytest.raises((errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)):
            reader.execute(statement)


def test_the_platform_app_role_has_no_way_into_a_tenant(tenancy, beta):
    with connect(APP) as app:
        with pytest.raises(REFUSED):
            app.execute("SELECT * FROM tenant_beta_202.grades")


def test_the_upload_library_loads_into_the_tenants_own_schema(tenancy, alpha, data_dir):
    with connect(tenancy["alpha-101"]) as conn:
        conn.autocommit = False
        report = upload.upload(conn, str(data_dir / "sp500.csv"), "sp500", uploaded_by="alice")
        conn.commit()
    assert report.rows_loaded == 123
    where = alpha.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name IN ('sp500', 'dataset_catalogue')"
        " ORDER BY table_name"
    ).fetchall()
    assert where == [("tenant_alpha_101",), ("tenant_alpha_101",)]
    with connect(tenancy["beta-202"]) as beta_conn:
        with pytest.raises(REFUSED):
            beta_conn.execute("SELECT * FROM tenant_alpha_101.sp500")
        # Beta's own catalogue (its search_path) does not list alpha's upload.
        assert beta_conn.execute("SELECT to_regclass('dataset_catalogue')").fetchone()[0] is None


def test_publishing_a_view_makes_it_readable_to_dashboards_without_a_grant(tenancy, alpha):
    alpha.execute("CREATE OR REPLACE VIEW tenant_alpha_101_published.sp500_yearly AS"
                  " SELECT date_trunc('year', date) AS year, avg(price) AS price FROM sp500 GROUP BY 1")
    with connect(READER) as reader:
        assert reader.execute("SELECT count(*) FROM tenant_alpha_101_published.sp500_yearly").fetchone()[0] > 5
        with pytest.raises(REFUSED):
            reader.execute("SELECT * FROM tenant_alpha_101.sp500")
