# shellcheck shell=bash
# 65-ansible.sh: what site.yml renders without a node, checked file by file: each node's config.yaml for a
# three-server HA inventory, and registries.yaml for each mirror form against k3s's documented format.
# Sourced; uses the suite's check. Sets render (the output folder) and registry_ca for the converge.

ha_cfg() { # ha_cfg HOST PYTHON-EXPR over c (the node's config.yaml)
  python3 -c "import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$render/$1/config.yaml"
}

kubelet_args() { # kubelet_args HOST KUBE-RESERVED: the node's kubelet flags, all of them
  ha_cfg "$1" "c[\"kubelet-arg\"][:6]==[\"kube-reserved=$2\",\"system-reserved=cpu=100m,memory=256Mi\",\"eviction-hard=imagefs.available<15%,memory.available<200Mi,nodefs.available<10%,nodefs.inodesFree<5%\",\"eviction-soft=memory.available<400Mi\",\"eviction-soft-grace-period=memory.available=1m30s\",\"eviction-max-pod-grace-period=60\"]"
}

chk_reg() { $SUDO python3 ansible-pi/tests/check_registries.py --disable-default-endpoint "$@"; }

ansible_ha_render() { # site.yml's k3s plays for three servers and an agent, files only
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
  check "HA: servers reserve k3s's share with embedded etcd (1413Mi), the OS's, and evict before OOM" \
    kubelet_args pi-1 "cpu=250m,memory=1413Mi"
  check "HA: agents reserve the k3s agent's share (268Mi) and the same OS and eviction settings" \
    kubelet_args pi-4 "cpu=100m,memory=268Mi"
  echo "HA configuration checks took $((SECONDS - t)) s"
}

ansible_registry_forms() { # registries.yaml for an http mirror, https with a CA, https with sign-in
  section "registries.yaml for each mirror form (k3s's documented format)"
  t=$SECONDS
  forms="$render/forms"
  (cd ansible-pi && $SUDO env "PATH=$PATH" PI_RENDER_DIR="$forms" PI_REGISTRY_CA="$registry_ca" \
    ANSIBLE_CONFIG="$REPO_ROOT/ansible-pi/ansible.cfg" ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i tests/inventories/registry-forms.yml tests/render-registries.yml --skip-tags boot) \
    >"$render/forms.log" 2>&1
  check "registries.yaml renders for https with a CA, http, and https with sign-in" test $? -eq 0
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
}
