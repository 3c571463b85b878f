#!/usr/bin/env bash
# The GitHub Actions workflows (.github/): actionlint over every workflow, with shellcheck over their
# run: blocks, and the broken fixture (tests/workflows/broken-workflow.yml) shown to be rejected by it.
# Installs what it needs (pinned): shellcheck from Debian, actionlint built from the Go module proxy
# into ${DATAVIS_CACHE:-$HOME/.cache/datavis}/actionlint/<version>/ (reused on warm runs).
# (That every `npm run X` of a workflow exists is a unit test: tests/workflows.test.ts, in `npm test`.)
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

ACTIONLINT_VERSION=v1.7.12
ACTIONLINT_DIR="${DATAVIS_CACHE:-$HOME/.cache/datavis}/actionlint/$ACTIONLINT_VERSION"
passed=0
failed=0

check() {
  local name="$1" start=$SECONDS
  shift
  section "workflows: $name"
  if "$@"; then
    passed=$((passed + 1)); echo "PASS  $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); echo "FAIL  $name ($((SECONDS - start)) s)"
    return 1
  fi
}

finish() {
  echo "workflows: $passed passed, $failed failed"
  record workflows "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit $?
}

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
  else return 1; fi
}

install_tools() {
  apt_install shellcheck || return 1
  if [ ! -x "$ACTIONLINT_DIR/actionlint" ]; then
    local go
    go="$(find_go)" || { echo "workflows: Go is not installed (need go on PATH or /usr/local/go)"; return 1; }
    echo "workflows: building actionlint $ACTIONLINT_VERSION with $("$go" version)"
    mkdir -p "$ACTIONLINT_DIR"
    (cd "$ACTIONLINT_DIR" && GOBIN="$ACTIONLINT_DIR" GOFLAGS=-mod=mod nice -n 10 "$go" install \
      "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION") || { rm -f "$ACTIONLINT_DIR/actionlint"; return 1; }
  fi
  echo "workflows: actionlint $("$ACTIONLINT_DIR/actionlint" -version | head -1), $(shellcheck --version | sed -n 2p)"
}

actionlint_repo() {
  "$ACTIONLINT_DIR/actionlint" -shellcheck "$(command -v shellcheck)"
}

# The same command over a copy of the repository's .github with the broken workflow added: it must fail
# and name both mistakes.
actionlint_rejects_broken() {
  local tmp out rc
  tmp="$(mktemp -d)"
  cp -r .github "$tmp/.github"
  cp tests/workflows/broken-workflow.yml "$tmp/.github/workflows/broken.yml"
  out="$(cd "$tmp" && git init -q && "$ACTIONLINT_DIR/actionlint" -shellcheck "$(command -v shellcheck)" 2>&1)"
  rc=$?
  rm -rf "$tmp"
  echo "$out"
  [ "$rc" -eq 1 ] && grep -q 'broken.yml.*SC2086' <<< "$out" && grep -q 'broken.yml.*label "ubuntu-2404" is unknown' <<< "$out"
}

start=$SECONDS
check "install shellcheck and actionlint $ACTIONLINT_VERSION" install_tools || finish
check "actionlint .github/workflows (with shellcheck)" actionlint_repo
check "actionlint rejects tests/workflows/broken-workflow.yml" actionlint_rejects_broken
echo "workflows: $((SECONDS - start)) s"
finish
