# shellcheck shell=bash
# 65-ansible.sh: the converge test. A Debian bookworm arm64 root filesystem (debootstrap under qemu-user,
# cached), made to look like a booted Raspberry Pi OS, and a stub air-gap bundle; site.yml converged into
# it through the chroot connection (boot-only tasks skipped), the files and settings checked, then
# converged again with changed=0 required. Sourced; uses the suite's check, finish and registry_ca.

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

# ANSIBLE_PI_KEEP=1 keeps the root filesystem, bundle and logs for a look after the run.
cleanup() { if [ "${ANSIBLE_PI_KEEP:-0}" = 1 ]; then echo "kept $work $render"; else $SUDO rm -rf "$work" "$render"; fi; }

converge() { # converge LOG: site.yml into the chroot, boot-only tasks skipped
  (cd ansible-pi && $SUDO env "PATH=$PATH" PI_ROOTFS="$rootfs" PI_BUNDLE="$bundle" PI_REGISTRY_CA="$registry_ca" \
    ANSIBLE_CONFIG="$ANSIBLE_CONFIG" ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i tests/inventories/chroot.yml site.yml --skip-tags boot) >"$1" 2>&1
}
recap_changed() { awk '/^pi-test / {for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) {sub("changed=", "", $i); print $i}}' "$1"; }

ansible_rootfs() { # the root filesystem, from the cache or debootstrap; ends the suite if there is none
  section "arm64 root filesystem"
  t=$SECONDS
  mirror=$(debian_mirror)
  # What a Raspberry Pi OS Lite image has that the roles touch; python3 for Ansible's modules.
  packages="python3,procps,systemd,systemd-timesyncd,dphys-swapfile,kmod"
  cache_dir="${ANSIBLE_PI_CACHE:-$REPO_ROOT/.cache/ansible-pi}"
  cache="$cache_dir/rootfs-bookworm-arm64-$(echo "$packages" | sha256sum | cut -c1-12).tar.gz"
  work=$(mktemp -d /var/tmp/ansible-pi-test.XXXXXX)
  rootfs="$work/rootfs"
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
}

ansible_node_fixture() { # what a booted Pi has that the roles touch, and the stub bundle
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
}

ansible_converge_first() { # site.yml into the chroot
  section "converge 1"
  t=$SECONDS
  converge "$work/converge1.log"
  rc1=$?
  tail -4 "$work/converge1.log"
  [ $rc1 -eq 0 ] || grep -E "FAILED|fatal|ERROR" "$work/converge1.log" | head -20
  check "first converge succeeds" test $rc1 -eq 0
  echo "first converge took $((SECONDS - t)) s, changed=$(recap_changed "$work/converge1.log")"
}

ansible_expected_files() { # the files and settings the converge leaves
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
}

ansible_converge_again() { # idempotence: a second converge changes nothing
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
}
