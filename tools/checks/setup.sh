# Installs the pinned tools of the artefact checks (source it; needs REPO_ROOT and .ci/lib.sh sourced).
# Exports HELM (a helm binary), ARTEFACTS_PY (the venv's python with the pinned Python tools),
# CRD_DIRS (colon-separated folders of upstream CRD manifests) and K8S_VERSION (from versions.ts).
#
# Everything comes from the registries CI can reach: Helm is built from the Go module proxy, CRD
# manifests are read from upstream module zips on the Go module proxy, Python tools come from PyPI.
# Builds and downloads are cached outside the repository ($ARTEFACTS_CACHE, GOMODCACHE, GOCACHE).

# shellcheck source=tools/checks/pins.sh
source "$REPO_ROOT/tools/checks/pins.sh"
ARTEFACTS_CACHE="${ARTEFACTS_CACHE:-$HOME/.cache/datavis-artefacts}"

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
  else return 1; fi
}

# Helm from the Go module proxy at HELM_VERSION (about 4 minutes on 2 cores when nothing is cached).
ensure_helm() {
  local bin="$ARTEFACTS_CACHE/bin/helm-$HELM_VERSION" go
  if [ ! -x "$bin/helm" ]; then
    go="$(find_go)" || { echo "setup: Go is not installed (need /usr/local/go or go on PATH)"; return 1; }
    echo "setup: building helm $HELM_VERSION with $("$go" version)"
    mkdir -p "$bin"
    (cd "$ARTEFACTS_CACHE" && GOBIN="$bin" GOFLAGS=-mod=mod "$go" install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") ||
      { rm -f "$bin/helm"; return 1; }
  fi
  # `go install` builds without Helm's ldflags, so `helm version` says only the minor: read the module.
  local built
  built="$("$(find_go)" version -m "$bin/helm" | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" { print $3 }')"
  [ "$built" = "$HELM_VERSION" ] || { echo "setup: $bin/helm is helm.sh/helm/v3 $built, want $HELM_VERSION"; return 1; }
  export HELM="$bin/helm"
  echo "setup: helm $HELM_VERSION at $HELM"
}

# kubernetes-validate, yamllint, jsonschema (pinned in requirements.txt) in the project's .venv.
ensure_python_tools() {
  # Debian's python3 makes venvs only with python3-venv (ensurepip) installed.
  if [ ! -x "$REPO_ROOT/.venv/bin/python" ] && ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install python3-venv || return 1
  fi
  ensure_venv || return 1
  local py="$REPO_ROOT/.venv/bin/python"
  if ! "$py" -m pip install -q --disable-pip-version-check -r "$REPO_ROOT/tools/checks/requirements.txt"; then
    echo "setup: pip install -r tools/checks/requirements.txt failed"; return 1
  fi
  export ARTEFACTS_PY="$py"
  echo "setup: $("$py" -m pip freeze 2>/dev/null | grep -Ei '^(kubernetes-validate|yamllint|jsonschema)==' | tr '\n' ' ')"
}

# Upstream CRD manifests, from the module zips of the Go module proxy (upstream chart repos are not
# reachable from CI): one folder per module in CRD_MODULES.
ensure_crds() {
  local go dirs=() entry mod sub dir
  go="$(find_go)" || { echo "setup: Go is not installed"; return 1; }
  mkdir -p "$ARTEFACTS_CACHE"
  for entry in "${CRD_MODULES[@]}"; do
    mod="${entry%% *}"; sub="${entry#* }"
    dir="$(cd "$ARTEFACTS_CACHE" && GOFLAGS=-mod=mod "$go" mod download -json "$mod" |
      "$REPO_ROOT/.venv/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or "ERROR " + d.get("Error", "?"))')"
    case "$dir" in
      ERROR*|"") echo "setup: go mod download $mod: $dir"; return 1 ;;
    esac
    [ -d "$dir/$sub" ] || { echo "setup: $mod has no folder $sub"; return 1; }
    dirs+=("$dir/$sub")
  done
  CRD_DIRS="$(IFS=:; echo "${dirs[*]}")"
  export CRD_DIRS
  echo "setup: CRDs from ${#dirs[@]} modules: ${CRD_MODULES[*]%% *}"
}

# The Kubernetes minor the stacks pin (components/versions/index.ts KUBERNETES_VERSION).
read_k8s_version() {
  K8S_VERSION="$(sed -nE 's/^export const KUBERNETES_VERSION = "([0-9]+\.[0-9]+)";.*/\1/p' \
    "$REPO_ROOT/components/versions/index.ts")"
  [ -n "$K8S_VERSION" ] || { echo "setup: KUBERNETES_VERSION not found in components/versions/index.ts"; return 1; }
  export K8S_VERSION
  echo "setup: Kubernetes $K8S_VERSION (components/versions/index.ts)"
}
