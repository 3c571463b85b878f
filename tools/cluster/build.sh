#!/usr/bin/env bash
# Builds the pinned Kubernetes control plane for the cluster suite (tests/cluster/) from the Go module proxy,
# once, into ${DATAVIS_CACHE:-$HOME/.cache/datavis}/k8s/<KUBERNETES_PATCH_VERSION>/ (outside the repository):
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  k8s.io/kubernetes v<patch>
#   etcd-<ETCD_VERSION>/etcd                                           go.etcd.io/etcd/server/v3
#   kwok-<KWOK_VERSION>/kwok                                           sigs.k8s.io/kwok/cmd/kwok
# A binary already in the cache is not rebuilt (a warm run costs nothing). Prints the cache folder last.
#
# k8s.io/kubernetes is not meant to be a dependency: its go.mod requires every staging module
# (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with ./staging/src/... folders, and a
# dependency's replace directives are ignored. A generated go.mod in a scratch folder requires
# k8s.io/kubernetes at the tag and replaces each staging module by its published v0.<minor>.<patch> tag,
# which is the same source (the staging folders are published as those modules at each release).
#
# Cold cost measured on this project's 2-core CI machine: see tools/cluster/README.md.
set -euo pipefail
REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Every pin lives in the versions module.
K8S_VERSIONS_TS="$REPO_ROOT/components/versions/index.ts"
PINS_TS="$K8S_VERSIONS_TS"

pin() { sed -nE "s/^export const $1 = \"([^\"]+)\";.*/\1/p" "$2"; }
MINOR="$(pin KUBERNETES_VERSION "$K8S_VERSIONS_TS")"
K8S="$(pin KUBERNETES_PATCH_VERSION "$PINS_TS")"
ETCD="$(pin ETCD_VERSION "$PINS_TS")"
KWOK="$(pin KWOK_VERSION "$PINS_TS")"
for v in MINOR K8S ETCD KWOK; do
  [ -n "${!v}" ] || { echo "cluster build: $v not found (tools/cluster/versions.ts, $K8S_VERSIONS_TS)" >&2; exit 2; }
done
case "$K8S" in
  "$MINOR".*) ;;
  *) echo "cluster build: KUBERNETES_PATCH_VERSION $K8S is not a $MINOR.x release: set it in tools/cluster/versions.ts" >&2; exit 2 ;;
esac
STAGING_TAG="v0.${K8S#*.}" # 1.36.3 -> v0.36.3

CACHE="${DATAVIS_CACHE:-$HOME/.cache/datavis}/k8s"
OUT="$CACHE/$K8S"
SCRATCH="$CACHE/.build"
mkdir -p "$OUT" "$SCRATCH"

if [ "${1:-}" = "--print-dir" ]; then echo "$OUT"; exit 0; fi

GO="$(command -v go || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; } || true)"
[ -n "$GO" ] || { echo "cluster build: Go is not installed (need go >= 1.26 on PATH or in /usr/local/go)" >&2; exit 1; }
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# module_dir NAME GO_MOD_BODY: a scratch module whose go.mod is exactly the given text.
module_dir() {
  local dir="$SCRATCH/$1"
  mkdir -p "$dir"
  if [ ! -f "$dir/go.mod" ] || [ "$(cat "$dir/go.mod.src" 2>/dev/null)" != "$2" ]; then
    printf '%s\n' "$2" > "$dir/go.mod"
    printf '%s' "$2" > "$dir/go.mod.src"
    rm -f "$dir/go.sum"
  fi
  echo "$dir"
}

# build BINARY_PATH MODULE_DIR PACKAGE [LDFLAGS]: builds one binary unless cached; logs time and peak memory.
build() {
  local bin="$1" dir="$2" pkg="$3" ldflags="${4:-}" stats
  if [ -x "$bin" ]; then echo "cluster build: cached $bin"; return 0; fi
  mkdir -p "$(dirname "$bin")"
  stats="$(mktemp)"
  echo "cluster build: building $pkg ($("$GO" version | awk '{print $3}'), nice -n 10) ..."
  if ! (cd "$dir" && /usr/bin/time -f '%e %M' -o "$stats" nice -n 10 "$GO" build -trimpath \
      -ldflags "-s -w $ldflags" -o "$bin.partial" "$pkg"); then
    rm -f "$bin.partial" "$stats"; echo "cluster build: FAILED $pkg" >&2; return 1
  fi
  mv "$bin.partial" "$bin"
  read -r secs kb < "$stats"; rm -f "$stats"
  printf '%s %s s, peak RSS %s MB\n' "$(basename "$bin")" "$secs" "$((kb / 1024))" | tee -a "$OUT/build-log.txt"
}

# ---- k8s.io/kubernetes -----------------------------------------------------------------------------
kube_mod="$("$GO" mod download -json "k8s.io/kubernetes@v$K8S" | sed -nE 's/^\s*"GoMod": "(.*)",?$/\1/p')"
[ -f "$kube_mod" ] || { echo "cluster build: go mod download k8s.io/kubernetes@v$K8S failed" >&2; exit 1; }
replaces="$(sed -nE 's#^\s*(k8s\.io/[a-z0-9./-]+) => \./staging/src/.*#\t\1 => \1 '"$STAGING_TAG"'#p' "$kube_mod")"
[ -n "$replaces" ] || { echo "cluster build: no staging replaces found in $kube_mod" >&2; exit 1; }
kube_dir="$(module_dir "kubernetes-$K8S" "module datavis.local/cluster-build

go 1.26.0

require k8s.io/kubernetes v$K8S

replace (
$replaces
)")"
# The version the binaries report (hack/lib/version.sh sets the same variables in upstream builds).
kv=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kv+=" -X $p.gitVersion=v$K8S -X $p.gitMajor=${K8S%%.*} -X $p.gitMinor=$(echo "$K8S" | cut -d. -f2)"
  kv+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
# kube-apiserver first: the longest build (about 11 min and 2 GB on 2 cores); the others reuse its packages.
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build "$OUT/$cmd" "$kube_dir" "k8s.io/kubernetes/cmd/$cmd" "$kv"
done

# ---- etcd ------------------------------------------------------------------------------------------
etcd_dir="$(module_dir "etcd-$ETCD" "module datavis.local/cluster-build-etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 v$ETCD")"
build "$OUT/etcd-$ETCD/etcd" "$etcd_dir" go.etcd.io/etcd/server/v3

# ---- kwok ------------------------------------------------------------------------------------------
kwok_dir="$(module_dir "kwok-$KWOK" "module datavis.local/cluster-build-kwok

go 1.26.0

require sigs.k8s.io/kwok v$KWOK")"
build "$OUT/kwok-$KWOK/kwok" "$kwok_dir" sigs.k8s.io/kwok/cmd/kwok
# kwok runs no stage unless given some: its own "fast" set (kustomize/stage/fast: nodes Ready at once,
# heartbeats through leases, pods Running at once), read from the same module at the same version.
stages="$OUT/kwok-$KWOK/stages.yaml"
if [ ! -s "$stages" ]; then
  kwok_src="$(cd "$kwok_dir" && "$GO" mod download -json "sigs.k8s.io/kwok@v$KWOK" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')"
  [ -d "$kwok_src/kustomize/stage" ] || { echo "cluster build: kwok module has no kustomize/stage" >&2; exit 1; }
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n'; cat "$kwok_src/kustomize/stage/$f"
  done > "$stages.partial" && mv "$stages.partial" "$stages"
fi

echo "$OUT"
