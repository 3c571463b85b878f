#!/usr/bin/env bash
# ansible-pi converge test: builds a Debian bookworm arm64 root filesystem (debootstrap under qemu-user),
# converges site.yml into it through the community.general.chroot connection (air-gap mode, stub k3s
# from a generated bundle, `boot`-tagged tasks skipped: nothing can start in a chroot), checks the files
# and settings it expects, converges again and requires changed=0, then checks that broken inventories
# fail early with their message. Also: ansible-lint (production profile), the pinned collections, and
# the air-gap bundle tool (manifest from the plan).
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

section "tools"
t=$SECONDS
apt_install qemu-user-static binfmt-support debootstrap || { failed=$((failed + 1)); finish; }
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
echo "tools ready in $((SECONDS - t)) s: $(ansible --version | head -1), $(ansible-lint --version 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"

section "pinned collections"
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
collections_match && check "collections installed match requirements.yml" true ||
  check "collections installed match requirements.yml" false

section "ansible-lint (production profile)"
t=$SECONDS
(cd ansible-pi && ansible-lint --profile production --offline) >"$CI_RESULTS/.ansible-lint.log" 2>&1
lint_rc=$?
sed 's/\x1b\[[0-9;]*m//g' "$CI_RESULTS/.ansible-lint.log" | grep -v 'PATH altered' | tail -15
check "ansible-lint production profile is clean" test $lint_rc -eq 0
echo "ansible-lint took $((SECONDS - t)) s"

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

section "HA configuration (three servers, one agent)"
t=$SECONDS
render="$(mktemp -d)"
(cd ansible-pi && $SUDO env "PATH=$PATH" PI_RENDER_DIR="$render" ANSIBLE_CONFIG="$REPO_ROOT/ansible-pi/ansible.cfg" \
  ANSIBLE_NOCOLOR=1 ansible-playbook -i tests/inventories/ha-render.yml tests/render-config.yml --skip-tags boot) \
  >"$render/render.log" 2>&1
check "HA config renders for every node" test $? -eq 0
ha_cfg() { # ha_cfg HOST PYTHON-EXPR over c (the node's config.yaml)
  python3 -c "import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$render/$1/config.yaml"
}
check "HA: the first server starts the cluster (cluster-init, embedded etcd)" \
  ha_cfg pi-1 '"cluster-init" in c and c["cluster-init"] is True and "server" not in c'
for node in pi-2 pi-3; do
  check "HA: server $node joins the first" \
    ha_cfg "$node" 'c["server"]=="https://10.0.0.11:6443" and "cluster-init" not in c'
done
check "HA: the agent joins through the API endpoint with the token" \
  ha_cfg pi-4 'c["server"]=="https://10.0.0.11:6443" and c["token"]=="ci-test-token-0123456789abcdef"'
$SUDO rm -rf "$render"
echo "HA configuration checks took $((SECONDS - t)) s"

section "arm64 root filesystem"
t=$SECONDS
# The mirror comes from this machine's own apt sources, never from the repository.
debian_mirror() {
  local uri=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "$uri"
}
mirror=$(debian_mirror)
# What a Raspberry Pi OS Lite image has that the roles touch; python3 for Ansible's modules.
packages="python3,procps,systemd,systemd-timesyncd,dphys-swapfile,kmod"
cache_dir="${ANSIBLE_PI_CACHE:-$REPO_ROOT/.cache/ansible-pi}"
cache="$cache_dir/rootfs-bookworm-arm64-$(echo "$packages" | sha256sum | cut -c1-12).tar.gz"
work=$(mktemp -d /var/tmp/ansible-pi-test.XXXXXX)
rootfs="$work/rootfs"
# ANSIBLE_PI_KEEP=1 keeps the root filesystem, bundle and logs for a look after the run.
cleanup() { if [ "${ANSIBLE_PI_KEEP:-0}" = 1 ]; then echo "kept $work"; else $SUDO rm -rf "$work"; fi; }
trap cleanup EXIT
if [ -f "$cache" ]; then
  $SUDO mkdir -p "$rootfs" && $SUDO tar -xzf "$cache" -C "$rootfs" --numeric-owner
  echo "root filesystem from cache $cache"
else
  echo "debootstrap bookworm arm64 from $mirror (minbase + $packages)"
  [ -n "$mirror" ] || echo "no bookworm mirror found in /etc/apt/sources.list{,.d}"
  if $SUDO debootstrap --arch=arm64 --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
    mkdir -p "$cache_dir" && $SUDO tar -czf "$cache.tmp" -C "$rootfs" --numeric-owner . && mv "$cache.tmp" "$cache"
  else
    tail -20 "$work/debootstrap.log"
  fi
fi
check "arm64 root filesystem with python3 built" test -x "$rootfs/usr/bin/python3"
check "root filesystem runs arm64 code (uname -m = aarch64)" \
  bash -c "[ \"\$($SUDO chroot '$rootfs' uname -m)\" = aarch64 ]"
echo "root filesystem ready in $((SECONDS - t)) s"
[ -x "$rootfs/usr/bin/python3" ] || finish

# A Raspberry Pi OS boot partition, a swap line and swap file to remove.
$SUDO mkdir -p "$rootfs/boot/firmware"
echo "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait" |
  $SUDO tee "$rootfs/boot/firmware/cmdline.txt" >/dev/null
echo "/swapfile none swap sw 0 0" | $SUDO tee -a "$rootfs/etc/fstab" >/dev/null
$SUDO touch "$rootfs/var/swap"

# The bundle: a stub k3s binary (a shell script), a placeholder images archive, a stub install script.
bundle="$work/bundle"
mkdir -p "$bundle"
printf '#!/bin/sh\necho "k3s version v1.36.5+k3s1 (stub for the converge test)"\n' >"$bundle/k3s-arm64"
chmod 0755 "$bundle/k3s-arm64"
head -c 4096 /dev/urandom >"$bundle/k3s-airgap-images-arm64.tar.zst"
printf '#!/bin/sh\necho "stub install script: must not run in the chroot test" >&2\nexit 1\n' >"$bundle/install.sh"
broken_bundle="$work/broken-bundle"
mkdir -p "$broken_bundle" && cp "$bundle/k3s-arm64" "$bundle/install.sh" "$broken_bundle/"
export PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" PI_BROKEN_BUNDLE="$broken_bundle"
export ANSIBLE_CONFIG="$REPO_ROOT/ansible-pi/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

converge() { # converge LOG: site.yml into the chroot, boot-only tasks skipped
  (cd ansible-pi && $SUDO env "PATH=$PATH" PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" ANSIBLE_CONFIG="$ANSIBLE_CONFIG" \
    ANSIBLE_NOCOLOR=1 ansible-playbook -i tests/inventories/chroot.yml site.yml --skip-tags boot) >"$1" 2>&1
}
recap_changed() { awk '/^pi-test / {for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) {sub("changed=", "", $i); print $i}}' "$1"; }

section "converge 1"
t=$SECONDS
converge "$work/converge1.log"
rc1=$?
tail -4 "$work/converge1.log"
[ $rc1 -eq 0 ] || grep -E "FAILED|fatal|ERROR" "$work/converge1.log" | head -20
check "first converge succeeds" test $rc1 -eq 0
echo "first converge took $((SECONDS - t)) s, changed=$(recap_changed "$work/converge1.log")"

section "expected files and settings"
R="$rootfs"
check "cmdline.txt has cgroup_memory=1" grep -q ' cgroup_memory=1\b' "$R/boot/firmware/cmdline.txt"
check "cmdline.txt has cgroup_enable=memory" grep -q ' cgroup_enable=memory\b' "$R/boot/firmware/cmdline.txt"
check "cmdline.txt is still one line" test "$(wc -l <"$R/boot/firmware/cmdline.txt")" -eq 1
check "cmdline.txt keeps root= and rootwait" grep -q 'root=PARTUUID=4e639091-02 .*rootwait' "$R/boot/firmware/cmdline.txt"
check "dphys-swapfile size is 0" grep -qx 'CONF_SWAPSIZE=0' "$R/etc/dphys-swapfile"
check "dphys-swapfile not enabled at boot" bash -c "! ls '$R'/etc/systemd/system/*.wants/dphys-swapfile.service"
check "swap file removed" test ! -e "$R/var/swap"
check "fstab swap line commented out" grep -qx '# /swapfile none swap sw 0 0' "$R/etc/fstab"
check "modules-load has br_netfilter and overlay" \
  bash -c "grep -qx br_netfilter '$R/etc/modules-load.d/k3s.conf' && grep -qx overlay '$R/etc/modules-load.d/k3s.conf'"
check "sysctl sets bridge-nf-call-iptables=1" grep -Eq '^net.bridge.bridge-nf-call-iptables ?= ?1$' "$R/etc/sysctl.d/90-k3s.conf"
check "sysctl sets ip_forward=1" grep -Eq '^net.ipv4.ip_forward ?= ?1$' "$R/etc/sysctl.d/90-k3s.conf"
check "hostname is pi-test" grep -qx pi-test "$R/etc/hostname"
check "time sync points at the site NTP server" grep -qx 'NTP=ntp.lab.local' "$R/etc/systemd/timesyncd.conf.d/k3s.conf"
check "timesyncd enabled at boot" test -L "$R/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service"
check "k3s binary installed from the bundle" cmp -s "$bundle/k3s-arm64" "$R/usr/local/bin/k3s"
check "k3s binary is executable" test -x "$R/usr/local/bin/k3s"
check "images archive placed for k3s to import" \
  cmp -s "$bundle/k3s-airgap-images-arm64.tar.zst" "$R/var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm64.tar.zst"
check "install script placed from the bundle" cmp -s "$bundle/install.sh" "$R/usr/local/bin/k3s-install.sh"
# registries.yaml and config.yaml are root-only (0600): read copies when the suite is not root.
reg="$work/registries.yaml"
$SUDO cat "$R/etc/rancher/k3s/registries.yaml" >"$reg" 2>/dev/null
check "registries.yaml sends docker.io to the mirror" \
  python3 -c 'import sys,yaml; m=yaml.safe_load(open(sys.argv[1]))["mirrors"]; sys.exit(0 if m["docker.io"]["endpoint"]==["https://registry.lab.local:5000"] else 1)' "$reg"
check "registries.yaml mirrors quay.io, ghcr.io and registry.k8s.io" \
  python3 -c 'import sys,yaml; m=yaml.safe_load(open(sys.argv[1]))["mirrors"]; sys.exit(0 if {"quay.io","ghcr.io","registry.k8s.io"} <= set(m) else 1)' "$reg"
cfg="$work/config.yaml"
$SUDO cat "$R/etc/rancher/k3s/config.yaml" >"$cfg" 2>/dev/null
check "config.yaml has the token and node name" \
  python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if c["token"]=="ci-test-token-0123456789abcdef" and c["node-name"]=="pi-test" else 1)' "$cfg"
check "config.yaml: kubeconfig mode 0600, API address in tls-san, no default registry" \
  python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if c["write-kubeconfig-mode"]=="0600" and c["tls-san"]==["10.0.0.11"] and c["disable-default-registry-endpoint"] is True else 1)' "$cfg"
check "config.yaml and registries.yaml are readable by root only" \
  test "$($SUDO stat -c %a "$R/etc/rancher/k3s/config.yaml" "$R/etc/rancher/k3s/registries.yaml" | sort -u)" = 600
check "boot-only tasks did not run (no k3s unit installed)" test ! -e "$R/etc/systemd/system/k3s.service"
echo "--- /etc/rancher/k3s/config.yaml"; cat "$cfg"
echo "--- /etc/rancher/k3s/registries.yaml (head)"; head -12 "$reg"
echo "--- /boot/firmware/cmdline.txt"; cat "$R/boot/firmware/cmdline.txt"

section "converge 2 (idempotence)"
t=$SECONDS
converge "$work/converge2.log"
rc2=$?
tail -4 "$work/converge2.log"
changed2=$(recap_changed "$work/converge2.log")
check "second converge succeeds" test $rc2 -eq 0
check "second converge changed=0" test "${changed2:-x}" = 0
[ "${changed2:-x}" = 0 ] || grep -B2 -E '^changed:' "$work/converge2.log" | head -30
echo "second converge took $((SECONDS - t)) s, changed=${changed2:-?}"

section "broken inventories fail early"
t=$SECONDS
expect_failure() { # expect_failure NAME INVENTORY MESSAGE-REGEX
  local log="$work/broken-$2.log"
  (cd ansible-pi && $SUDO env "PATH=$PATH" PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" PI_BROKEN_BUNDLE="$broken_bundle" \
    ANSIBLE_CONFIG="$ANSIBLE_CONFIG" ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i "tests/inventories/$2.yml" site.yml --skip-tags boot) >"$log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ] && grep -Eq "$3" "$log" && ! grep -q 'TASK \[prereq' "$log"; then
    check "$1" true
  else
    check "$1" false
    grep -E "fatal|msg" "$log" | head -5
  fi
}
expect_failure "no server group: fails with its message" no-server "needs a 'k3s_cluster' group whose children are 'server'"
expect_failure "two servers without HA: fails with its message" two-servers "2 servers with k3s_ha=False.*two servers cannot keep quorum"
expect_failure "non-arm64 host: fails with its message" amd64 "amd64-host is x86_64, not aarch64"
expect_failure "air-gap bundle missing a file: fails with its message" missing-bundle \
  "air-gap bundle incomplete, missing in .*: k3s-airgap-images-arm64.tar.zst"
echo "broken inventory checks took $((SECONDS - t)) s"

finish
