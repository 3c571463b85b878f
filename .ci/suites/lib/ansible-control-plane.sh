# shellcheck shell=bash
# 65-ansible.sh: the upgrade drain and the etcd snapshot settings against a real kube-apiserver on
# 127.0.0.1 (ansible-pi/tests/drain_test.py, etcd_settings_test.py). Sourced; last in the suite.

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

ansible_control_plane() { # the control plane from tools/cluster/build.sh (or K8S_BIN), then both scripts
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
}
