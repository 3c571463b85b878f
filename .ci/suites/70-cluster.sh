#!/usr/bin/env bash
# A real Kubernetes control plane judges each stack (tools/cluster/README.md):
#   - builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok from the Go
#     module proxy at the pinned versions (tools/cluster/versions.ts), once: cached in
#     ${DATAVIS_CACHE:-$HOME/.cache/datavis}/k8s/<version>/ (cold about 20 min on 2 cores, warm 0 s);
#   - runs tests/cluster/*.cluster.ts: every object of the dev, prod and edge plans admitted by server-side
#     dry-run (CRDs from the artefact checks' pinned sources, Pod Security admission), KubeSpawner-shaped
#     notebook pods admitted where servers run, platform pods and notebook servers placed by kube-scheduler
#     on kwok nodes shaped like the target (placement report), SubjectAccessReviews for the personas
#     (authorization table), and the harness's own fault tests.
# Records mocha's passed/failed counts (a failed build counts as one failure).
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

start=$SECONDS
section "cluster: build or reuse the control plane"
command -v openssl >/dev/null 2>&1 || apt_install openssl
[ -d node_modules ] || npm ci --no-audit --no-fund
build_start=$SECONDS
if [ -f "$CI_RESULTS/.cluster-build.log" ]; then
  # .ci/run started the build in the background: wait for it, then show what it did.
  while [ ! -f "$CI_RESULTS/.cluster-build.rc" ]; do sleep 5; done
  echo "cluster: background build exited $(cat "$CI_RESULTS/.cluster-build.rc") (waited $((SECONDS - build_start)) s)"
  tail -n 20 "$CI_RESULTS/.cluster-build.log"
fi
if ! bash tools/cluster/build.sh; then
  echo "cluster: control-plane build failed"
  record cluster 0 1
  exit 1
fi
echo "cluster: binaries ready in $((SECONDS - build_start)) s"
[ -f "$(bash tools/cluster/build.sh --print-dir)/build-log.txt" ] && cat "$(bash tools/cluster/build.sh --print-dir)/build-log.txt"

section "cluster: suite"
log="$CI_RESULTS/.cluster.log"
suite_start=$SECONDS
node -r ./tools/register.js tools/cluster/run.ts --no-build 2>&1 | tee "$log"
record_mocha cluster "$log" "${PIPESTATUS[0]}" "suite $((SECONDS - suite_start)) s, total $((SECONDS - start)) s"
