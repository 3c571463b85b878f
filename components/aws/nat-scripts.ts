/**
 * What the NAT instance runs: its forwarding rules and, when it also carries the cluster's ingress
 * (`ingressMode: natInstance`), the script that keeps the ingress pointed at a system node. Kept apart from
 * the resources (nat-instance.ts) so the network test (tests/network) runs the very same scripts in network
 * namespaces of a real kernel.
 */

/** What the NAT instance forwards from the internet to the cluster's ingress (Traefik's host ports). */
export interface NatIngress {
  /** TCP ports forwarded (80, 443): the same port on the system node, where Traefik listens. */
  ports: number[];
  /**
   * EC2 tags that pick the system nodes (the launch template tags each instance with its pool and name);
   * the oldest running one is the target, so a node being replaced keeps serving until it is gone.
   */
  targetTags: Record<string, string>;
}

/** Chain of the nat table that holds the DNAT rule(s) to the current system node. */
export const INGRESS_CHAIN = "DATAVIS-INGRESS";

/**
 * Forwarding rules, idempotent: forward for the VPC and the replies to it, masquerade what leaves the
 * primary interface; with ingress, send the ingress ports to INGRESS_CHAIN (filled by the target script),
 * masquerade that traffic towards the node (so the node's security group admits the NAT instance's group,
 * not the internet) and forward only those new connections inward. Everything else is dropped.
 */
export function natRulesScript(vpcCidr: string, ingress?: NatIngress): string {
  const ports = ingress?.ports.join(",");
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "iface=$(ip -o route show default | awk '{print $5; exit}')",
    "iptables -t nat -F POSTROUTING",
    `iptables -t nat -A POSTROUTING -o "$iface" -s ${vpcCidr} -j MASQUERADE`,
    "iptables -F FORWARD",
    `iptables -A FORWARD -s ${vpcCidr} -j ACCEPT`,
    `iptables -A FORWARD -d ${vpcCidr} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    ...(ingress
      ? [
          `iptables -t nat -N ${INGRESS_CHAIN} 2>/dev/null || true`,
          `iptables -t nat -D PREROUTING -i "$iface" -p tcp -m multiport --dports ${ports} -j ${INGRESS_CHAIN} 2>/dev/null || true`,
          `iptables -t nat -A PREROUTING -i "$iface" -p tcp -m multiport --dports ${ports} -j ${INGRESS_CHAIN}`,
          `iptables -t nat -A POSTROUTING -o "$iface" -d ${vpcCidr} -m conntrack --ctstate DNAT -j MASQUERADE`,
          `iptables -A FORWARD -d ${vpcCidr} -p tcp -m multiport --dports ${ports} -m conntrack --ctstate DNAT -j ACCEPT`,
        ]
      : []),
    "iptables -A FORWARD -j DROP",
    "",
  ].join("\n");
}

/**
 * Points INGRESS_CHAIN at the oldest running system node (EC2 DescribeInstances through the instance's
 * role; region from IMDSv2 unless AWS_REGION is set). Run every 15 s by a systemd timer: a replaced node is
 * picked up within that. With no running node it leaves the last rule in place. The chain is replaced in
 * one iptables-restore transaction, so no connection sees it empty.
 */
export function ingressTargetScript(ingress: NatIngress): string {
  const filters = [
    ...Object.entries(ingress.targetTags).map(([k, v]) => `Name=tag:${k},Values=${v}`),
    "Name=instance-state-name,Values=running",
  ];
  const rules = ingress.ports
    .map((p) => `-A ${INGRESS_CHAIN} -p tcp --dport ${p} -j DNAT --to-destination $target:${p}`)
    .join("\n");
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    'region="${AWS_REGION:-}"',
    'if [ -z "$region" ]; then',
    "  token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')",
    '  region=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/placement/region)',
    "fi",
    'target=$(aws ec2 describe-instances --region "$region" \\',
    `  --filters ${filters.join(" ")} \\`,
    "  --query 'sort_by(Reservations[].Instances[], &LaunchTime)[0].PrivateIpAddress' --output text)",
    'case "$target" in',
    '  "" | None) echo "no running system node: the ingress keeps its last target"; exit 0 ;;',
    "esac",
    `if iptables -t nat -S ${INGRESS_CHAIN} | grep -q -- "--to-destination $target:"; then exit 0; fi`,
    "iptables-restore --noflush <<EOF",
    "*nat",
    `-F ${INGRESS_CHAIN}`,
    rules,
    "COMMIT",
    "EOF",
    'echo "ingress now goes to $target"',
    // A reboot restores the rules iptables-services saved, the last target included.
    'save="${DATAVIS_IPTABLES_SAVE:-/etc/sysconfig/iptables}"',
    'if [ -d "$(dirname "$save")" ]; then iptables-save > "$save"; fi',
    "",
  ].join("\n");
}

/** systemd units that run the target script at boot and every 15 s. */
function ingressUnits(): { service: string; timer: string } {
  return {
    service: [
      "[Unit]",
      "Description=Point the ingress ports at the oldest running system node",
      "After=network-online.target iptables.service",
      "[Service]",
      "Type=oneshot",
      "ExecStart=/usr/local/sbin/datavis-ingress-target",
      "",
    ].join("\n"),
    timer: [
      "[Unit]",
      "Description=Follow the system node behind the ingress",
      "[Timer]",
      "OnBootSec=10s",
      "OnUnitActiveSec=15s",
      "AccuracySec=1s",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** A here-document that writes `content` to `path` (quoted: nothing in it is expanded at boot). */
function writeFile(path: string, content: string, mode: string): string[] {
  return [
    `cat > ${path} <<'DATAVIS_EOF'`,
    content.replace(/\n$/, ""),
    "DATAVIS_EOF",
    `chmod ${mode} ${path}`,
  ];
}

/**
 * Boot script: forward IPv4, install iptables-services (it keeps the rules across reboots; its default rule
 * set rejects forwarding, so the rules script replaces the FORWARD chain after it starts: the sequence of
 * the VPC user guide's "Create a NAT AMI" for Amazon Linux 2023), apply the rules, save them; with ingress,
 * install and start the target script's timer.
 */
export function natUserData(vpcCidr: string, ingress?: NatIngress): string {
  const units = ingressUnits();
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-datavis-nat.conf",
    "sysctl --system",
    "dnf install -y iptables-services",
    "systemctl enable --now iptables",
    ...writeFile("/usr/local/sbin/datavis-nat-rules", natRulesScript(vpcCidr, ingress), "0755"),
    "/usr/local/sbin/datavis-nat-rules",
    "iptables-save > /etc/sysconfig/iptables",
    ...(ingress
      ? [
          ...writeFile("/usr/local/sbin/datavis-ingress-target", ingressTargetScript(ingress), "0755"),
          ...writeFile("/etc/systemd/system/datavis-ingress-target.service", units.service, "0644"),
          ...writeFile("/etc/systemd/system/datavis-ingress-target.timer", units.timer, "0644"),
          "systemctl daemon-reload",
          "systemctl enable --now datavis-ingress-target.timer",
        ]
      : []),
    "",
  ].join("\n");
}
