# shellcheck shell=bash
# 65-ansible.sh: broken inventories and nodes (cgroup v1, no memory controller) fail early, before any
# prereq or upgrade task, with their message. Sourced; runs against the converge's root filesystem.

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

ansible_broken_inventories() { # each broken inventory and node, one check each
  section "broken inventories fail early"
  t=$SECONDS
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
}
