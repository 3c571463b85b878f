#!/usr/bin/env bash
# Builds SeaweedFS's `weed` binary from its Go module (the Go module proxy) once and prints its path.
# Cached under ${DATAVIS_CACHE:-$HOME/.cache/datavis}/seaweedfs/<version>/weed; a warm run only prints it.
#
# Version: the edge chart runs SeaweedFS 4.44 (components versions: seaweedfs chart appVersion). The module
# has no semver tags (its releases are tagged "4.44", which Go cannot use), so the proxy serves it only by
# pseudo-version, and it serves no pseudo-version for the 4.44 tag's commit (3563738699f2, 2026-08-22):
# `go list -m github.com/seaweedfs/seaweedfs@v0.0.0-20260822074101-3563738699f2` answers 403 "not
# available". The pin is therefore the newest commit the proxy serves, from the 4.x line after 4.44;
# the S3 API the tests use (SigV4, buckets, objects, multipart, -s3.config identities) is the same.
# `weed version` of this build: "version 30GB 4.53 linux amd64".
# Its go.mod carries a `replace`, so `go install pkg@version` refuses it: it is built from a throwaway
# module in the cache that requires it, with the same replace.
set -euo pipefail
SEAWEEDFS_MODULE_VERSION="${SEAWEEDFS_MODULE_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
cache="${DATAVIS_CACHE:-$HOME/.cache/datavis}/seaweedfs/$SEAWEEDFS_MODULE_VERSION"
bin="$cache/weed"
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-seaweedfs: go is not installed" >&2; exit 1; }
mkdir -p "$cache/build"
cd "$cache/build"
cat > go.mod <<MOD
module datavis.invalid/seaweedfs-build

go 1.26

require github.com/seaweedfs/seaweedfs $SEAWEEDFS_MODULE_VERSION

replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0
MOD
export GOFLAGS="${GOFLAGS:--buildvcs=false}" GOTOOLCHAIN=local CGO_ENABLED=0
# `go mod download` then `go get` fills go.sum from the module's own requirements (checksum database).
nice -n 10 go get "github.com/seaweedfs/seaweedfs/weed@$SEAWEEDFS_MODULE_VERSION" >&2
nice -n 10 go build -trimpath -ldflags "-s -w" -o "$bin.tmp" github.com/seaweedfs/seaweedfs/weed >&2
mv "$bin.tmp" "$bin"
echo "$bin"
