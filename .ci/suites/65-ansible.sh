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

section "HA configuration (three servers, one agent) from site.yml"
t=$SECONDS
render="$(mktemp -d)"
registry_ca="$render/registry-ca.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$render/ca.key" -out "$registry_ca" -days 2 \
  -subj "/CN=datavis test registry CA" >/dev/null 2>&1 ||
  printf -- '-----BEGIN CERTIFICATE-----\nTUlJQ2Rlc3Q=\n-----END CERTIFICATE-----\n' >"$registry_ca"
# site.yml's k3s plays only (--tags k3s), files only (--skip-tags boot): config.yaml of each node.
(cd ansible-pi && $SUDO env "PATH=$PATH" PI_RENDER_DIR="$render" ANSIBLE_CONFIG="$REPO_ROOT/ansible-pi/ansible.cfg" \
  ANSIBLE_NOCOLOR=1 ansible-playbook -i tests/inventories/ha-render.yml site.yml --tags k3s --skip-tags boot) \
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
# One server at a time: each server's configuration, restart and wait-for-Ready come before the next
# server is touched (ansible prints the handlers even when the boot switch skips them).
check "HA: servers are configured and restarted one at a time, each Ready before the next" \
  python3 - "$render/render.log" <<'PY'
import re, sys
events, task, started = [], None, False
for line in open(sys.argv[1]):
    started = started or line.startswith("PLAY [Install the k3s servers]")
    if not started:
        continue
    m = re.match(r"^(TASK|RUNNING HANDLER) \[(.*?)\]", line)
    if m:
        task = m.group(2)
        continue
    m = re.match(r"^(ok|changed|skipping|fatal): \[(pi-[123])\]", line)
    if m and task:
        events.append((m.group(2), task))
order = [h for h, _ in events]
servers = ["pi-1", "pi-2", "pi-3"]
# each server's events are contiguous, in inventory order, and end with the wait-for-Ready handler
blocks = [h for i, h in enumerate(order) if i == 0 or order[i - 1] != h]
ok = blocks == servers and all(
    [t for h, t in events if h == s][-1].endswith("Wait until the restarted server is Ready") for s in servers)
sys.exit(0 if ok else 1)
PY
check "HA: every server takes scheduled etcd snapshots with the inventory's schedule and retention" \
  bash -c "for n in pi-1 pi-2 pi-3; do python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if c[\"etcd-snapshot-schedule-cron\"]==\"30 */4 * * *\" and c[\"etcd-snapshot-retention\"]==9 else 1)' '$render'/\$n/config.yaml || exit 1; done"
check "HA: snapshots are copied to the SeaweedFS S3 endpoint and bucket from the inventory" \
  ha_cfg pi-2 'c["etcd-s3"] is True and c["etcd-s3-endpoint"]=="seaweedfs.lab.internal:8333" and c["etcd-s3-bucket"]=="datavis-etcd-snapshots" and c["etcd-s3-folder"]=="site-test" and c["etcd-s3-insecure"] is True and c["etcd-s3-access-key"]=="ci-access-key" and c["etcd-s3-secret-key"]=="ci-secret-key"'
check "HA: the agent has no etcd settings" ha_cfg pi-4 'not any(k.startswith("etcd-") for k in c)'
kubelet_args() { # kubelet_args HOST KUBE-RESERVED: the node's kubelet flags, all of them
  ha_cfg "$1" "c[\"kubelet-arg\"][:6]==[\"kube-reserved=$2\",\"system-reserved=cpu=100m,memory=256Mi\",\"eviction-hard=imagefs.available<15%,memory.available<200Mi,nodefs.available<10%,nodefs.inodesFree<5%\",\"eviction-soft=memory.available<400Mi\",\"eviction-soft-grace-period=memory.available=1m30s\",\"eviction-max-pod-grace-period=60\"]"
}
check "HA: servers reserve k3s's share with embedded etcd (1413Mi), the OS's, and evict before OOM" \
  kubelet_args pi-1 "cpu=250m,memory=1413Mi"
check "HA: agents reserve the k3s agent's share (268Mi) and the same OS and eviction settings" \
  kubelet_args pi-4 "cpu=100m,memory=268Mi"
echo "HA configuration checks took $((SECONDS - t)) s"

section "registries.yaml for each mirror form (k3s's documented format)"
t=$SECONDS
forms="$render/forms"
(cd ansible-pi && $SUDO env "PATH=$PATH" PI_RENDER_DIR="$forms" PI_REGISTRY_CA="$registry_ca" \
  ANSIBLE_CONFIG="$REPO_ROOT/ansible-pi/ansible.cfg" ANSIBLE_NOCOLOR=1 \
  ansible-playbook -i tests/inventories/registry-forms.yml tests/render-registries.yml --skip-tags boot) \
  >"$render/forms.log" 2>&1
check "registries.yaml renders for https with a CA, http, and https with sign-in" test $? -eq 0
chk_reg() { $SUDO python3 ansible-pi/tests/check_registries.py --disable-default-endpoint "$@"; }
check "http mirror: pulls of the mirror's own images go to http://, not containerd's default https" \
  chk_reg "$forms/http/registries.yaml" --no-configs \
  --pull registry.lab.internal:5000/jetstack/cert-manager-controller:v1.21.1=http://registry.lab.internal:5000 \
  --pull postgres:17.6-alpine=http://registry.lab.internal:5000 \
  --pull quay.io/jetstack/cert-manager-controller:v1.21.1=http://registry.lab.internal:5000
check "https with a private CA: tls.ca_file names the copy on the node, for the mirror host" \
  chk_reg "$forms/https-ca/registries.yaml" --ca-file "registry.lab.internal:5000=$forms/https-ca/registry-ca.crt" \
  --pull registry.lab.internal:5000/cloudnative-pg/postgresql:18.3=https://registry.lab.internal:5000 \
  --pull ghcr.io/cloudnative-pg/postgresql:18.3=https://registry.lab.internal:5000
check "https with a private CA: the CA certificate is copied to the node" \
  $SUDO cmp -s "$registry_ca" "$forms/https-ca/registry-ca.crt"
check "https with sign-in: auth for the mirror host, password kept intact" \
  chk_reg "$forms/https-auth/registries.yaml" --auth "mirror.lab.internal=puller:s3cret: with 'quotes' and # hash" \
  --pull mirror.lab.internal/jupyterhub/k8s-hub:4.4.0=https://mirror.lab.internal
check "the checker refuses a key k3s does not document" bash -c \
  "printf 'mirrors:\n  docker.io:\n    endpoints: [\"http://x:5000\"]\n' >'$render/bad.yaml'; ! python3 ansible-pi/tests/check_registries.py '$render/bad.yaml'"
echo "registries.yaml checks took $((SECONDS - t)) s"

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
cleanup() { if [ "${ANSIBLE_PI_KEEP:-0}" = 1 ]; then echo "kept $work $render"; else $SUDO rm -rf "$work" "$render"; fi; }
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
# What a booted Raspberry Pi OS bookworm shows: cgroup v2 with the memory controller (cmdline flags on).
$SUDO mkdir -p "$rootfs/sys/fs/cgroup"
echo "cpuset cpu io memory hugetlb pids rdma misc" | $SUDO tee "$rootfs/sys/fs/cgroup/cgroup.controllers" >/dev/null

# The bundle: a stub k3s binary (a shell script), a placeholder images archive, a stub install script.
bundle="$work/bundle"
mkdir -p "$bundle"
printf '#!/bin/sh\necho "k3s version v1.36.5+k3s1 (stub for the converge test)"\n' >"$bundle/k3s-arm64"
chmod 0755 "$bundle/k3s-arm64"
head -c 4096 /dev/urandom >"$bundle/k3s-airgap-images-arm64.tar.zst"
printf '#!/bin/sh\necho "stub install script: must not run in the chroot test" >&2\nexit 1\n' >"$bundle/install.sh"
broken_bundle="$work/broken-bundle"
mkdir -p "$broken_bundle" && cp "$bundle/k3s-arm64" "$bundle/install.sh" "$broken_bundle/"
export PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" PI_BROKEN_BUNDLE="$broken_bundle" PI_REGISTRY_CA="$registry_ca"
export ANSIBLE_CONFIG="$REPO_ROOT/ansible-pi/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

converge() { # converge LOG: site.yml into the chroot, boot-only tasks skipped
  (cd ansible-pi && $SUDO env "PATH=$PATH" PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" PI_REGISTRY_CA="$registry_ca" \
    ANSIBLE_CONFIG="$ANSIBLE_CONFIG" ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i tests/inventories/chroot.yml site.yml --skip-tags boot) >"$1" 2>&1
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
check "registries.yaml: the mirror host is a mirror of itself, with the CA copied to the node" \
  python3 ansible-pi/tests/check_registries.py "$reg" --disable-default-endpoint \
  --pull registry.lab.local:5000/jetstack/cert-manager-controller:v1.21.1=https://registry.lab.local:5000 \
  --ca-file registry.lab.local:5000=/etc/rancher/k3s/registry-ca.crt
check "the registry CA is on the node before k3s is installed" cmp -s "$registry_ca" "$R/etc/rancher/k3s/registry-ca.crt"
check "registries.yaml mirrors quay.io, ghcr.io and registry.k8s.io" \
  python3 -c 'import sys,yaml; m=yaml.safe_load(open(sys.argv[1]))["mirrors"]; sys.exit(0 if {"quay.io","ghcr.io","registry.k8s.io"} <= set(m) else 1)' "$reg"
cfg="$work/config.yaml"
$SUDO cat "$R/etc/rancher/k3s/config.yaml" >"$cfg" 2>/dev/null
check "config.yaml has the token and node name" \
  python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if c["token"]=="ci-test-token-0123456789abcdef" and c["node-name"]=="pi-test" else 1)' "$cfg"
check "config.yaml: kubeconfig mode 0600, API address in tls-san, no default registry" \
  python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if c["write-kubeconfig-mode"]=="0600" and c["tls-san"]==["10.0.0.11"] and c["disable-default-registry-endpoint"] is True else 1)' "$cfg"
check "config.yaml: one server with embedded etcd starts it and takes scheduled snapshots to S3" \
  python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if c["cluster-init"] is True and c["etcd-snapshot-retention"]==9 and c["etcd-s3-bucket"]=="datavis-etcd-snapshots" else 1)' "$cfg"
check "config.yaml: kubelet reserves k3s's and the OS's memory and evicts before OOM" \
  python3 -c 'import sys,yaml; a=yaml.safe_load(open(sys.argv[1]))["kubelet-arg"]; sys.exit(0 if "kube-reserved=cpu=250m,memory=1413Mi" in a and "system-reserved=cpu=100m,memory=256Mi" in a and any(x.startswith("eviction-hard=") and "memory.available<200Mi" in x for x in a) else 1)' "$cfg"
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
expect_failure() { # expect_failure NAME INVENTORY MESSAGE-REGEX [PLAYBOOK]
  local log="$work/broken-$2-$RANDOM.log"
  (cd ansible-pi && $SUDO env "PATH=$PATH" PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" PI_BROKEN_BUNDLE="$broken_bundle" \
    PI_REGISTRY_CA="$registry_ca" ANSIBLE_CONFIG="$ANSIBLE_CONFIG" ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i "tests/inventories/$2.yml" "${4:-site.yml}" --skip-tags boot) >"$log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ] && grep -Eq "$3" "$log" && ! grep -Eq 'TASK \[(prereq|upgrade)' "$log"; then
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
# Nodes whose cgroups k3s cannot use: the preflight names the fix for the OS it finds.
cg="$rootfs/sys/fs/cgroup/cgroup.controllers"
$SUDO mv "$cg" "$cg.booted"
expect_failure "cgroup v1 on Raspberry Pi OS bookworm: fails naming /boot/firmware/cmdline.txt" chroot \
  "pi-test runs cgroup v1.*Raspberry Pi OS bookworm or later: the kernel command line is /boot/firmware/cmdline.txt"
echo "cpuset cpu io pids" | $SUDO tee "$cg" >/dev/null
$SUDO mv "$rootfs/boot/firmware/cmdline.txt" "$rootfs/boot/cmdline.txt"
expect_failure "upgrade.yml: no memory controller on Raspberry Pi OS bullseye: fails naming /boot/cmdline.txt" chroot \
  "without the memory controller.*Raspberry Pi OS bullseye or older: the kernel command line is /boot/cmdline.txt" upgrade.yml
$SUDO mv "$rootfs/boot/cmdline.txt" "$rootfs/boot/cmdline.txt.away"
$SUDO mv "$rootfs/etc/os-release" "$rootfs/etc/os-release.debian"
printf 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n' | $SUDO tee "$rootfs/etc/os-release" >/dev/null
expect_failure "upgrade.yml: no memory controller on Ubuntu (GRUB): fails naming /etc/default/grub" chroot \
  "without the memory controller.*Ubuntu: the kernel command line is GRUB_CMDLINE_LINUX in /etc/default/grub" upgrade.yml
$SUDO rm -f "$rootfs/etc/os-release" "$cg"
$SUDO mv "$rootfs/etc/os-release.debian" "$rootfs/etc/os-release"
$SUDO mv "$rootfs/boot/cmdline.txt.away" "$rootfs/boot/firmware/cmdline.txt"
$SUDO mv "$cg.booted" "$cg"
echo "broken inventory checks took $((SECONDS - t)) s"


section "upgrade drain and etcd snapshot settings against a real kube-apiserver"
t=$SECONDS
# kube-apiserver, kubectl and etcd at the pinned Kubernetes version, built once into the cache by the
# cluster suite's tools/cluster/build.sh (K8S_BIN overrides: a folder with kube-apiserver, kubectl, etcd*/etcd).
k8s_bin="${K8S_BIN:-}"
# Last in this suite: .ci/run starts that build in the background at the beginning (cold, about 20 minutes),
# so it has the converges' time to finish; wait for it rather than build the same cache twice at once.
if [ -z "$k8s_bin" ] && [ -f "$REPO_ROOT/tools/cluster/build.sh" ]; then
  if [ -f "$CI_RESULTS/.cluster-build.log" ]; then
    while [ ! -f "$CI_RESULTS/.cluster-build.rc" ]; do sleep 5; done
    echo "waited $((SECONDS - t)) s for the background control-plane build"
  fi
  k8s_bin="$(bash "$REPO_ROOT/tools/cluster/build.sh" 2>"$CI_RESULTS/.k8s-build.log" | tail -1)"
fi
# control_plane_checks LOG SCRIPT: runs an ansible-pi/tests script against the control plane in $k8s_bin,
# prints its log and counts its "  ok " and "  FAIL " lines; a log without one ok line counts as a failure
# (the script did not get as far as its checks).
control_plane_checks() {
  $SUDO env "PATH=$PATH" python3 "$2" "$k8s_bin" >"$1" 2>&1
  cat "$1"
  passed=$((passed + $(grep -c '^  ok ' "$1")))
  failed=$((failed + $(grep -c '^  FAIL ' "$1")))
  grep -q '^  ok ' "$1" || failed=$((failed + 1))
}
if [ -n "$k8s_bin" ] && [ -x "$k8s_bin/kube-apiserver" ] && [ -x "$k8s_bin/kubectl" ]; then
  control_plane_checks "$CI_RESULTS/.drain.log" ansible-pi/tests/drain_test.py
  # The k3s servers take the etcd snapshot settings the platform states (Secret kube-system/datavis-etcd-snapshots).
  t=$SECONDS
  control_plane_checks "$CI_RESULTS/.etcd-settings.log" ansible-pi/tests/etcd_settings_test.py
  echo "etcd settings checks took $((SECONDS - t)) s"
else
  check "drain test: kube-apiserver/kubectl/etcd from tools/cluster/build.sh (or K8S_BIN)" false
fi
echo "control-plane checks took $((SECONDS - t)) s"

finish
