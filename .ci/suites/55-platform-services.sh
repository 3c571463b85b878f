#!/usr/bin/env bash
# Platform services checked by the real tools that consume them (docs/platform-services.md):
#   - the database roles Job's script (components/platform/services/database-roles.ts) run for real, twice,
#     against PostgreSQL from Debian's packages, as a non-superuser admin like RDS's master user or
#     CloudNativePG's owner; then each role is tried: the app role writes, the read-only role reads current
#     and future tables and nothing else, Grafana's role keeps its tables in its own schema, and a rotated
#     password replaces the old one;
#   - the alert rules and every dashboard query parsed by promtool (Prometheus v3, cmd/promtool from the Go
#     module proxy at a pinned version).
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

PROMETHEUS_MODULE_VERSION="v0.316.0" # Prometheus 3.x's Go module version of cmd/promtool
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  PASS  $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }

work="$(mktemp -d)"
chmod 755 "$work"
trap 'stop_pg; rm -rf "$work"' EXIT

section "platform services: database roles against PostgreSQL"
if ! command -v pg_config >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql postgresql-client
fi
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bindir/initdb" ] || bindir="$(pg_config --bindir)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() { [ -f "$work/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1; }

# The Job's own script and SQL, exactly as the program ships them.
mkdir -p "$work/sql"
node -r ./tools/register.js -e '
  const fs = require("fs");
  const m = require("./components/platform/services/database-roles");
  const dir = process.argv[1];
  fs.writeFileSync(dir + "/admin.sql", m.ADMIN_SQL);
  fs.writeFileSync(dir + "/app.sql", m.APP_SQL);
  fs.writeFileSync(dir + "/bootstrap.sh", m.BOOTSTRAP_SH);
  fs.writeFileSync(dir + "/roles.env", Object.entries(m.DATABASE_ROLES).map(([k, v]) => k + "=" + v).join("\n") + "\n");
' "$work/sql" || { bad "dump the roles script"; record platform-services "$passed" "$failed"; exit 1; }
# shellcheck disable=SC1091
source "$work/sql/roles.env"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"
echo "superpw" > "$work/pw"
as_pg "$bindir/initdb" -D "$work/data" -U postgres --pwfile="$work/pw" -A scram-sha-256 >/dev/null
as_pg "$bindir/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -l "$work/pg.log" -w start >/dev/null ||
  { cat "$work/pg.log"; bad "start PostgreSQL"; record platform-services "$passed" "$failed"; exit 1; }

export PGHOST=127.0.0.1 PGPORT=$port PGSSLMODE=disable
sql() { # sql USER PASSWORD STATEMENT...
  PGUSER="$1" PGPASSWORD="$2" PGDATABASE=datavis psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$3" 2>&1
}
# The administrator as RDS's master user is: CREATEROLE and CREATEDB (the Job creates the hub's database).
PGUSER=postgres PGPASSWORD=superpw PGDATABASE=postgres psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE dv_admin LOGIN CREATEROLE CREATEDB PASSWORD 'adminpw';
CREATE DATABASE datavis OWNER dv_admin;
SQL
sql dv_admin adminpw "CREATE TABLE before_roles (x int); INSERT INTO before_roles VALUES (1);" >/dev/null

run_job() { # run_job APP_PW READER_PW GRAFANA_PW [HUB_PW]
  env PGUSER=dv_admin PGPASSWORD=adminpw PGDATABASE=datavis SQL_DIR="$work/sql" \
    APP_USER="$app" APP_PASSWORD="$1" READER_USER="$reader" READER_PASSWORD="$2" \
    GRAFANA_USER="$grafana" GRAFANA_PASSWORD="$3" HUB_USER="$hub" HUB_PASSWORD="${4:-hubpw}" \
    HUB_DATABASE=jupyterhub sh "$work/sql/bootstrap.sh"
}
if run_job apppw1 readpw1 grafpw1; then ok "the roles Job creates the roles"; else bad "the roles Job creates the roles"; fi
if run_job apppw2 readpw2 grafpw2; then ok "a second run succeeds (idempotent) and rotates the passwords"; else bad "second run"; fi

expect_ok() { local out; if out="$(sql "$@")"; then ok "$1: $3"; else bad "$1: $3 -> $out"; fi; }
expect_denied() {
  local out
  if out="$(sql "$@")"; then bad "$1 must be refused: $3"; else
    if grep -qE "${4:-permission denied|read-only transaction}" <<<"$out"; then
      ok "$1 refused: $3"
    else bad "$1: $3 failed for another reason: $out"; fi
  fi
}
expect_denied "$app" apppw1 "SELECT 1" "password authentication failed" # the old password no longer works
expect_ok "$app" apppw2 "CREATE TABLE app_t (x int); INSERT INTO app_t VALUES (1); UPDATE app_t SET x = 2;"
expect_ok "$app" apppw2 "INSERT INTO before_roles VALUES (2)"
expect_ok "$reader" readpw2 "SELECT count(*) FROM before_roles"
expect_ok "$reader" readpw2 "SELECT count(*) FROM app_t" # a table created after the grants
expect_denied "$reader" readpw2 "INSERT INTO app_t VALUES (3)"
expect_denied "$reader" readpw2 "CREATE TABLE r_t (x int)"
expect_denied "$reader" readpw2 "DELETE FROM before_roles"
expect_ok "$grafana" grafpw2 "CREATE TABLE dashboard_state (x int)"
where="$(sql dv_admin adminpw "SELECT schemaname FROM pg_tables WHERE tablename = 'dashboard_state'")"
if [ "$where" = "grafana" ]; then ok "Grafana's tables land in schema grafana"; else bad "Grafana's table is in schema '$where'"; fi
expect_denied "$reader" readpw2 "SELECT * FROM grafana.dashboard_state"
expect_denied "$grafana" grafpw2 "SELECT * FROM public.app_t"
# JupyterHub's own database: the hub's role owns it and works there; no other platform role may connect.
hub_sql() { PGUSER="$1" PGPASSWORD="$2" PGDATABASE=jupyterhub psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$3" 2>&1; }
if out="$(hub_sql "$hub" hubpw "CREATE TABLE users (id int); INSERT INTO users VALUES (1)")"; then ok "$hub: creates its tables in database jupyterhub"; else bad "$hub in jupyterhub: $out"; fi
for r in "$app:apppw2" "$reader:readpw2" "$grafana:grafpw2"; do
  if out="$(hub_sql "${r%%:*}" "${r#*:}" "SELECT 1")"; then bad "${r%%:*} must not connect to jupyterhub"
  elif grep -q "permission denied" <<<"$out"; then ok "${r%%:*} refused: connect to the hub's database"
  else bad "${r%%:*} to jupyterhub failed for another reason: $out"; fi
done
# A table the admin creates after the Job (e.g. a migration) is readable by the reader too.
sql dv_admin adminpw "CREATE TABLE later_admin (x int)" >/dev/null
expect_ok "$reader" readpw2 "SELECT count(*) FROM later_admin"
stop_pg

section "platform services: alert rules and dashboard queries through promtool"
GOBIN="${GOBIN:-$HOME/go/bin}"
# go install leaves promtool's version string empty: read the pinned module version from the binary.
if ! go version -m "$GOBIN/promtool" 2>/dev/null | grep -q "github.com/prometheus/prometheus[[:space:]]*$PROMETHEUS_MODULE_VERSION"; then
  GOBIN="$GOBIN" go install "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION" 2>&1 | tail -3
fi
if [ -x "$GOBIN/promtool" ]; then
  node -r ./tools/register.js -e '
    const fs = require("fs");
    const yaml = require("js-yaml");
    const { platformAlertRules } = require("./components/platform/services/monitoring");
    const dir = process.argv[1];
    fs.writeFileSync(dir + "/alerts.yaml", yaml.dump({ groups: platformAlertRules("jupyterhub") }));
    // Every dashboard query as a recording rule, so that promtool parses it ($__range as Grafana fills it).
    const dash = "charts/dashboards/dashboards";
    const rules = [];
    for (const f of fs.readdirSync(dash).filter((x) => x.endsWith(".json"))) {
      const d = JSON.parse(fs.readFileSync(dash + "/" + f, "utf8"));
      for (const p of d.panels ?? []) for (const t of p.targets ?? []) {
        if (t.expr) rules.push({ record: "dashboard:" + f.replace(/\W/g, "_") + ":" + p.id + t.refId, expr: t.expr.replace(/\$__range/g, "1h").replace(/\$__rate_interval/g, "5m") });
      }
    }
    fs.writeFileSync(dir + "/dashboards.yaml", yaml.dump({ groups: [{ name: "dashboards", rules }] }));
  ' "$work" || bad "dump the rules"
  if "$GOBIN/promtool" check rules "$work/alerts.yaml"; then ok "promtool accepts the alert rules"; else bad "promtool rejects the alert rules"; fi
  if "$GOBIN/promtool" check rules "$work/dashboards.yaml"; then ok "promtool parses every dashboard query"; else bad "a dashboard query does not parse"; fi
else
  bad "promtool could not be installed"
fi

section "platform services: summary"
echo "$passed passed, $failed failed"
record platform-services "$passed" "$failed"
[ "$failed" -eq 0 ]
