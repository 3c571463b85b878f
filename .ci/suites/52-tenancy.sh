#!/usr/bin/env bash
# Students without interference, on real servers (docs/notebooks-platform.md, "Setting up a class"):
#   - edge: a real SeaweedFS (built from its Go module, cached; tools/checks/s3/) serving the S3 identities
#     the edge program registers; each tenant namespace's keys tried on its own and others' prefixes, home
#     backups and the database backups;
#   - AWS: the dev plan's IAM role policy for tenants' notebooks evaluated by moto's server mode with IAM
#     enforcement on (what moto does not model: tests/tenancy/test_aws_notebook_policy.py);
#   - home backups of tenants: each tenant's write-only backup keys on the real SeaweedFS, the AWS writer
#     policy under moto's IAM, and notebook_backup.py's run and restore end to end (a fake Kubernetes API,
#     the real SeaweedFS with the edge plan's identities and CronJob environment).
# The PostgreSQL proofs run in the data suite (notebooks/tests/test_tenant_database.py), the hub's in the
# notebook platform suite (components/platform/notebooks/hub/test_tenancy.py), RBAC in the unit suite
# (tests/tenancy.test.ts). Records pytest's passed/failed counts.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1
start=$SECONDS
NAME=52-tenancy
fail() { echo "tenancy: $*"; record "$NAME" 0 1; exit 1; }

section "tenancy: Python tools (tests/tenancy/requirements.txt)"
apt_install python3-venv >/dev/null 2>&1 || true
venv="${DATAVIS_CACHE:-$HOME/.cache/datavis}/tenancy-venv/$(sha256sum tests/tenancy/requirements.txt | cut -c1-12)"
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv" || fail "cannot create a virtualenv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/tenancy/requirements.txt || fail "pip install failed"
fi

section "tenancy: SeaweedFS (the edge's S3 server, from its Go module)"
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || fail "Go (1.26 or newer) is needed to build SeaweedFS"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
t=$SECONDS
SEAWEEDFS_BIN="$(bash tools/checks/s3/build-seaweedfs.sh)" || fail "building SeaweedFS failed"
export SEAWEEDFS_BIN
echo "SeaweedFS: $("$SEAWEEDFS_BIN" version 2>&1 | head -1) ($((SECONDS - t)) s)"

section "tenancy: pytest tests/tenancy"
log="$CI_RESULTS/.tenancy.log"
"$venv/bin/python" -m pytest tests/tenancy -p no:cacheprovider -q -rfE 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^=*\s*[0-9]+ (passed|failed|error|errors|skipped)' "$log" | tail -1)
passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || true)
failed=$(echo "$summary" | grep -Eo '[0-9]+ (failed|errors?)' | awk '{ s += $1 } END { print s + 0 }')
passed=${passed:-0}
failed=${failed:-0}
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tenancy: $passed passed, $failed failed ($((SECONDS - start)) s)"
record "$NAME" "$passed" "$failed"
exit "$rc"
