#!/usr/bin/env bash
# npm ci, then the README's test command (`npm test`: type check, lint, mocha) and the version gate.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
npm ci --no-audit --no-fund --loglevel=warn || { record unit 0 1; exit 1; }
log="$CI_RESULTS/.unit.log"
npm test 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
read -r p f <<< "$(mocha_counts "$log")"
# The version gate (UPGRADING.md): chart kubeVersions against EKS and k3s, arm64 on edge, Spark.
if npm run -s versions -- --check; then p=$((p + 1)); else f=$((f + 1)); rc=1; fi
# Type check or lint failing before mocha ran still fails the suite.
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
record unit "$p" "$f"
exit "$rc"
