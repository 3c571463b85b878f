#!/usr/bin/env bash
# Every artefact checked by the real tool that consumes it (docs/artefacts.md):
#   - helm lint --strict + helm template of the project's charts (default values and the program's values),
#   - strict Kubernetes schema validation (KUBERNETES_VERSION of versions.ts) of the raw objects each stack
#     registers and of the rendered charts; custom resources against the pinned upstream CRDs,
#   - the values passed to upstream charts against the charts' own schemas (tests/lib/chart-values.ts),
#   - yamllint over every YAML file of the repository,
#   - the broken fixtures of tests/artefacts, each shown to be rejected by the same checkers.
# Installs what it needs (pinned): helm from the Go module proxy, Python tools from PyPI, CRDs from the Go
# module proxy. Counts one pass/fail per check, plus the fixture tests.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

passed=0
failed=0
summary=()
out="$CI_RESULTS/.artefacts"
rm -rf "$out"
mkdir -p "$out"

# check NAME CMD...: runs one check (in this shell: setup's exports stay), prints and logs its output,
# counts it, keeps a summary line with its time.
check() {
  local name="$1" start=$SECONDS rc
  shift
  section "artefacts: $name"
  "$@" > >(tee "$out/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').log") 2>&1
  rc=$?
  wait "$!" 2>/dev/null || true # let tee finish before the next section prints
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); summary+=("  PASS  $name ($((SECONDS - start)) s)")
  else
    failed=$((failed + 1)); summary+=("  FAIL  $name ($((SECONDS - start)) s)")
  fi
  return "$rc"
}

finish() {
  section "artefacts: summary"
  printf '%s\n' "${summary[@]}"
  echo "artefacts: $passed passed, $failed failed"
  record artefacts "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# ---- tools ---------------------------------------------------------------------------------------
source tools/checks/setup.sh
setup() {
  read_k8s_version && ensure_python_tools && ensure_crds && ensure_helm &&
    { [ -d node_modules ] || npm ci --no-audit --no-fund; }
}
check "install tools" setup || finish
IFS=: read -r -a crd_dirs <<< "$CRD_DIRS"
crd_args=()
for d in "${crd_dirs[@]}"; do crd_args+=(--crd-dir "$d"); done
py="$ARTEFACTS_PY"

# ---- what the program would apply ---------------------------------------------------------------
plans="$out/plans"
check "export plans (all stacks)" node -r ./tools/register.js tools/checks/export-plan.ts --out "$plans"
releases=()
for f in "$plans"/*/releases.json; do [ -f "$f" ] && releases+=("$f"); done

for dir in "$plans"/*/; do
  stack="$(basename "$dir")"
  [ -f "$dir/resources.yaml" ] || continue
  check "kubernetes schema: $stack objects" \
    "$py" tools/checks/k8s_validate.py --kubernetes-version "$K8S_VERSION" "${crd_args[@]}" "$dir/resources.yaml"
  if [ -s "$dir/patches.yaml" ]; then
    check "kubernetes schema: $stack patches" "$py" tools/checks/k8s_validate.py --partial \
      --kubernetes-version "$K8S_VERSION" "${crd_args[@]}" "$dir/patches.yaml"
  fi
done

if [ ${#releases[@]} -gt 0 ]; then
  check "upstream chart values vs chart schemas" \
    node -r ./tools/register.js tools/checks/chart-values.ts "${releases[@]}"
fi

# ---- the project's own charts ---------------------------------------------------------------------
rendered="$out/rendered"
rel_args=()
for f in "${releases[@]}"; do rel_args+=(--releases "$f"); done
check "helm lint --strict + template (charts/)" "$py" tools/checks/check_charts.py --helm "$HELM" \
  --kubernetes-version "$K8S_VERSION" --out "$rendered" --repo "$REPO_ROOT" "${crd_args[@]}" "${rel_args[@]}"
shopt -s nullglob
rendered_files=("$rendered"/*.yaml)
shopt -u nullglob
if [ ${#rendered_files[@]} -gt 0 ]; then
  check "kubernetes schema: rendered charts" \
    "$py" tools/checks/k8s_validate.py --kubernetes-version "$K8S_VERSION" "${crd_args[@]}" "${rendered_files[@]}"
fi

# ---- every YAML file ------------------------------------------------------------------------------
check "yamllint (.yamllint)" "$REPO_ROOT/.venv/bin/yamllint" --strict -f parsable -c .yamllint .

# ---- the broken fixtures are rejected by the same checkers -----------------------------------------
section "artefacts: fixture tests"
start=$SECONDS
log="$out/fixtures.log"
HELM="$HELM" ARTEFACTS_PY="$py" CRD_DIRS="$CRD_DIRS" K8S_VERSION="$K8S_VERSION" \
  npx mocha --config tests/artefacts/.mocharc.json 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
read -r p f <<< "$(mocha_counts "$log")"
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
passed=$((passed + p)); failed=$((failed + f))
summary+=("  $([ "$rc" -eq 0 ] && echo PASS || echo FAIL)  fixture tests: $p passed, $f failed ($((SECONDS - start)) s)")

finish
