#!/usr/bin/env bash
# ansible-pi converge test: builds a Debian bookworm arm64 root filesystem (debootstrap under qemu-user),
# converges site.yml into it through the community.general.chroot connection (air-gap mode with an https
# mirror and its CA, stub k3s from a generated bundle, `boot`-tagged tasks skipped: nothing can start in a
# chroot), checks the files and settings it expects, converges again and requires changed=0, then checks
# that broken inventories and nodes (cgroup v1, no memory controller) fail early with their message.
# Also: ansible-lint (production profile), the pinned collections, the mocha tests in ansible-pi/tests
# (air-gap bundle tool, version gate, kubelet reservations), site.yml's k3s plays rendered for a
# three-server HA inventory (one-at-a-time restarts, etcd snapshots), registries.yaml for each mirror form
# against k3s's documented format, and the upgrade drain against a real kube-apiserver on 127.0.0.1.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

passed=0
failed=0
check() { # check NAME COMMAND...: runs the command, counts and prints the outcome
  local name="$1"
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1))
    echo "  ok    $name"
  else
    failed=$((failed + 1))
    echo "  FAIL  $name"
  fi
}
finish() {
  section "ansible summary"
  echo "$passed checks passed, $failed failed (suite took $((SECONDS - suite_start)) s)"
  record ansible "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit $?
}
suite_start=$SECONDS

# Each step's functions, by concern (.ci/suites/lib/ansible-*.sh); they share this file's check, finish,
# counters and the variables each step sets for the next (render, registry_ca, work, rootfs, bundle).
for lib in tools render converge broken-inventories control-plane; do
  # shellcheck source=/dev/null
  source "$REPO_ROOT/.ci/suites/lib/ansible-$lib.sh"
done

ansible_tools
ansible_collections
ansible_lint
ansible_bundle_tool_tests
ansible_ha_render
ansible_registry_forms
ansible_rootfs
ansible_node_fixture
ansible_converge_first
ansible_expected_files
ansible_converge_again
ansible_broken_inventories
ansible_control_plane
finish
