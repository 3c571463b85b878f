#!/usr/bin/env bash
# The NAT instance's scripts on a real kernel (tests/network): network namespaces for the internet, the VPC
# router and internet gateway, the NAT instance and two system nodes; the forwarding rules and the ingress
# target script of components/aws/nat-scripts.ts run in them as dev's boot script installs them. Needs root
# (network namespaces, iptables): run as root or with sudo. Installs iproute2, iptables and curl (Debian).
# Records mocha's passed/failed counts.
set -uo pipefail
source "$REPO_ROOT/.ci/lib.sh"
cd "$REPO_ROOT" || exit 1

start=$SECONDS
section "network: tools"
apt_install iproute2 iptables curl || { echo "network: could not install iproute2 iptables curl"; record network 0 1; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund

section "network: NAT instance datapath"
log="$CI_RESULTS/.network.log"
$SUDO env "PATH=$PATH" node node_modules/.bin/mocha --no-config -r ./tools/register.js --extension ts \
  --timeout 60000 --exit 'tests/network/*.net.ts' 2>&1 | tee "$log"
record_mocha network "$log" "${PIPESTATUS[0]}" "$((SECONDS - start)) s"
