# shellcheck shell=bash
# 65-ansible.sh: the tools the suite runs (qemu for arm64, ansible and ansible-lint in the .venv), the
# pinned collections, ansible-lint and the mocha tests of ansible-pi/tests. Sourced; uses the suite's
# check, finish and counters.

ansible_tools() { # qemu-user, binfmt, debootstrap, openssl; ansible-pi's pip requirements in the .venv
  section "tools"
  t=$SECONDS
  apt_install qemu-user-static binfmt-support debootstrap openssl || { failed=$((failed + 1)); finish; }
  # binfmt_misc lets the kernel run arm64 binaries through qemu (F flag: works inside the chroot too).
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  $SUDO update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  check "binfmt handler for aarch64 is enabled" grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64
  ensure_venv
  "$REPO_ROOT/.venv/bin/pip" install -q --disable-pip-version-check -r ansible-pi/requirements.txt ||
    { failed=$((failed + 1)); finish; }
  export PATH="$REPO_ROOT/.venv/bin:$PATH"
  echo "tools ready in $((SECONDS - t)) s: $(ansible --version | sed -n 1p), $(ansible-lint --version 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"
}

# requirements.yml pins the collections; the pinned ansible pip package must bundle exactly those.
collections_match() {
  local want have
  want=$(python3 -c 'import sys,re; t=open(sys.argv[1]).read(); [print(n, v) for n, v in re.findall(r"name: (\S+)\s+version: \"([^\"]+)\"", t)]' ansible-pi/requirements.yml)
  [ -n "$want" ] || return 1
  have=$(ansible-galaxy collection list --format json 2>/dev/null)
  while read -r name version; do
    python3 -c 'import sys,json; d=json.load(sys.stdin); sys.exit(0 if any(c.get(sys.argv[1],{}).get("version")==sys.argv[2] for c in d.values()) else 1)' \
      "$name" "$version" <<<"$have" || { echo "collection $name $version not installed"; return 1; }
  done <<<"$want"
}

ansible_collections() { # the pinned collections, as requirements.yml names them
  section "pinned collections"
  collections_match && check "collections installed match requirements.yml" true ||
    check "collections installed match requirements.yml" false
}

ansible_lint() { # ansible-lint, production profile
  section "ansible-lint (production profile)"
  t=$SECONDS
  (cd ansible-pi && ansible-lint --profile production --offline) >"$CI_RESULTS/.ansible-lint.log" 2>&1
  lint_rc=$?
  sed 's/\x1b\[[0-9;]*m//g' "$CI_RESULTS/.ansible-lint.log" | grep -v 'PATH altered' | tail -15
  check "ansible-lint production profile is clean" test $lint_rc -eq 0
  echo "ansible-lint took $((SECONDS - t)) s"
}

ansible_bundle_tool_tests() { # the mocha tests of ansible-pi/tests (air-gap bundle tool, version gate, ...)
  section "air-gap bundle tool"
  t=$SECONDS
  log="$CI_RESULTS/.airgap-bundle.log"
  npx mocha --no-config -r ./tools/register.js --extension ts --timeout 120000 --exit 'ansible-pi/tests/*.test.ts' 2>&1 | tee "$log"
  mocha_rc=${PIPESTATUS[0]}
  read -r p f <<<"$(mocha_counts "$log")"
  passed=$((passed + p))
  failed=$((failed + f))
  # mocha failing before it ran any test still counts as a failure.
  [ "$mocha_rc" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
  echo "bundle tool tests took $((SECONDS - t)) s"
}
