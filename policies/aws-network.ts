/**
 * Network rules: security groups (inline rules and the separate `SecurityGroupRule`,
 * `vpc.SecurityGroupIngressRule` resources), the VPC's default security group, flow logs, subnets,
 * network ACLs, transit gateways and VPN logging.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  asArray,
  attachedTo,
  eachKnown,
  fsbp,
  get,
  known,
  resourcePolicy,
  stackPolicy,
  WORLD,
  type Rule,
} from "./lib";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LB_PORTS = new Set([80, 443]);

/** Security groups of load balancers: tagged `datavis:role=load-balancer`. */
function isLoadBalancerGroup(sg: PolicyResource | undefined): boolean {
  if (!sg) return false;
  const tags = known(() => sg.props.tags) ?? {};
  return tags["datavis:role"] === "load-balancer";
}

interface Ingress {
  from: number;
  to: number;
  protocol: string;
  cidrs: string[];
}

function worldOpen(rule: Ingress): boolean {
  return rule.cidrs.some((c) => WORLD.has(c));
}

function allowedForLoadBalancer(rule: Ingress): boolean {
  const tcp = rule.protocol.toLowerCase() === "tcp" || rule.protocol === "6";
  return tcp && rule.from === rule.to && LB_PORTS.has(rule.from);
}

const sgNoWorldIngress = stackPolicy({
  name: "ec2-no-world-ingress",
  description:
    "No security group admits traffic from 0.0.0.0/0 or ::/0, except TCP 80 and 443 on load balancer groups (tagged datavis:role=load-balancer): nodes, databases and the API are reached through the load balancer or private networks only.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.18",
    "Security groups should only allow unrestricted incoming traffic for authorized ports",
  ),
  validateStack: (args, report) => {
    const check = (owner: PolicyResource | undefined, at: PolicyResource, rule: Ingress) => {
      if (!worldOpen(rule)) return;
      if (isLoadBalancerGroup(owner) && allowedForLoadBalancer(rule)) return;
      const ports = rule.from === rule.to ? `${rule.from}` : `${rule.from}-${rule.to}`;
      report(
        `${at.name} admits ${rule.protocol} ${ports} from ${rule.cidrs.filter((c) => WORLD.has(c)).join(", ")}` +
          (isLoadBalancerGroup(owner) ? " (load balancers may only open TCP 80/443)" : ""),
        at.urn,
      );
    };
    eachKnown(args.resources, (r) => {
      if (r.type === SG) {
        eachKnown(asArray(known(() => r.props.ingress) as any[]), (i) => {
          check(r, r, {
            from: Number(i.fromPort),
            to: Number(i.toPort),
            protocol: String(i.protocol),
            cidrs: [...asArray(i.cidrBlocks), ...asArray(i.ipv6CidrBlocks)].map(String),
          });
        });
      } else if ((r.type === SG_RULE && r.props.type === "ingress") || r.type === SG_INGRESS_RULE) {
        const owner = (r.dependencies ?? []).find((d) => d && d.type === SG);
        const rule: Ingress =
          r.type === SG_RULE
            ? {
                from: Number(r.props.fromPort),
                to: Number(r.props.toPort),
                protocol: String(r.props.protocol),
                cidrs: [...asArray(r.props.cidrBlocks), ...asArray(r.props.ipv6CidrBlocks)].map(String),
              }
            : {
                from: Number(r.props.fromPort ?? -1),
                to: Number(r.props.toPort ?? -1),
                protocol: String(r.props.ipProtocol),
                cidrs: [r.props.cidrIpv4, r.props.cidrIpv6].filter(Boolean).map(String),
              };
        check(owner, r, rule);
      }
    });
  },
});

const vpcFlowLogs = stackPolicy({
  name: "vpc-flow-logs-enabled",
  description:
    "Every VPC has a flow log, so traffic to and from the cluster and database can be investigated after an incident.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("EC2.6", "VPC flow logging should be enabled in all VPCs"),
  validateStack: (args, report) => {
    const flowLogs = new Set(["aws:ec2/flowLog:FlowLog"]);
    for (const vpc of args.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc")) {
      if (attachedTo(vpc, args.resources, flowLogs, "vpcId", [known(() => vpc.props.id)]).length === 0) {
        report(`VPC ${vpc.name} has no flow log`, vpc.urn);
      }
    }
  },
});

const subnetNoPublicIp: Rule = {
  name: "ec2-subnet-no-auto-public-ip",
  description:
    "Subnets do not give instances public IPs automatically (mapPublicIpOnLaunch), so a node launched in the wrong subnet is not reachable from the internet.",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp("EC2.15", "EC2 subnets should not automatically assign public IP addresses"),
  validateResource: (args, report) => {
    if (args.type === "aws:ec2/subnet:Subnet" && args.props.mapPublicIpOnLaunch === true) {
      report("mapPublicIpOnLaunch is true");
    }
  },
};

const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

const defaultSgClosed = stackPolicy({
  name: "ec2-default-security-group-closed",
  description:
    "The VPC's default security group has no rules (adopted with DefaultSecurityGroup and no ingress or egress, and no separate rule added to it), so a resource launched without a security group of its own can neither reach nor be reached.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("EC2.2", "VPC default security groups should not allow inbound or outbound traffic"),
  validateStack: (args, report) => {
    for (const sg of args.resources.filter((r) => r.type === DEFAULT_SG)) {
      const n =
        asArray(known(() => sg.props.ingress) as any[]).length +
        asArray(known(() => sg.props.egress) as any[]).length;
      if (n > 0) report(`default security group ${sg.name} has ${n} rule(s)`, sg.urn);
    }
    const separate = new Set([SG_RULE, SG_INGRESS_RULE, SG_EGRESS_RULE]);
    for (const r of args.resources.filter((x) => separate.has(x.type))) {
      if ((r.dependencies ?? []).some((d) => d && d.type === DEFAULT_SG))
        report(`${r.name} adds a rule to the default security group`, r.urn);
    }
  },
});

const ADMIN_PORTS = [22, 3389];

interface AclEntry {
  allow: boolean;
  cidrs: string[];
  protocol: string;
  from: number;
  to: number;
}

/** Admin ports (SSH, RDP) an allowing ingress entry opens to the internet. */
function openAdminPorts(e: AclEntry): number[] {
  if (!e.allow || !e.cidrs.some((c) => WORLD.has(c))) return [];
  const p = e.protocol.toLowerCase();
  if (p === "-1" || p === "all") return ADMIN_PORTS;
  if (p !== "tcp" && p !== "6") return [];
  return ADMIN_PORTS.filter((port) => e.from <= port && port <= e.to);
}

const naclNoAdminPorts = resourcePolicy({
  name: "ec2-nacl-no-admin-port-ingress",
  description:
    "No network ACL allows ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389): nodes are reached through SSM or the cluster API, never by an administration port open to the internet.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("EC2.21", "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389"),
  validateResource: (args, report) => {
    const p = args.props;
    let entries: AclEntry[] = [];
    if (
      args.type === "aws:ec2/networkAcl:NetworkAcl" ||
      args.type === "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
    ) {
      entries = asArray(p.ingress as any[]).map((i) => ({
        allow: String(i.action).toLowerCase() === "allow",
        cidrs: [i.cidrBlock, i.ipv6CidrBlock].filter(Boolean).map(String),
        protocol: String(i.protocol),
        from: Number(i.fromPort),
        to: Number(i.toPort),
      }));
    } else if (args.type === "aws:ec2/networkAclRule:NetworkAclRule" && p.egress !== true) {
      entries = [
        {
          allow: String(p.ruleAction).toLowerCase() === "allow",
          cidrs: [p.cidrBlock, p.ipv6CidrBlock].filter(Boolean).map(String),
          protocol: String(p.protocol),
          from: Number(p.fromPort ?? 0),
          to: Number(p.toPort ?? 65535),
        },
      ];
    } else return;
    const open = [...new Set(entries.flatMap(openAdminPorts))];
    if (open.length) report(`allows ingress from the internet to port ${open.join(" and ")}`);
  },
});

const tgwNoAutoAccept = resourcePolicy({
  name: "ec2-transit-gateway-no-auto-accept",
  description:
    "A transit gateway does not accept shared VPC attachments automatically, so no other account can join its network to the platform's without someone approving it.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.23",
    "Amazon EC2 Transit Gateways should not automatically accept VPC attachment requests",
  ),
  validateResource: (args, report) => {
    if (
      args.type === "aws:ec2transitgateway/transitGateway:TransitGateway" &&
      args.props.autoAcceptSharedAttachments === "enable"
    )
      report("autoAcceptSharedAttachments is enable");
  },
});

const vpnLogging = resourcePolicy({
  name: "ec2-vpn-logging",
  description:
    "VPN access to the private network is logged: a Client VPN endpoint logs connections (a fork reaching a private-only API endpoint often adds one), and both tunnels of a Site-to-Site VPN log to CloudWatch.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp(
    "EC2.171",
    "EC2 VPN connections should have logging enabled (and EC2.51 for Client VPN endpoints)",
  ),
  validateResource: (args, report) => {
    if (args.type === "aws:ec2clientvpn/endpoint:Endpoint") {
      if (get(args.props.connectionLogOptions, "enabled") !== true)
        report("connectionLogOptions.enabled is not true");
    } else if (args.type === "aws:ec2/vpnConnection:VpnConnection") {
      const off = ["tunnel1LogOptions", "tunnel2LogOptions"].filter(
        (t) => get(args.props[t], "cloudwatchLogOptions", "logEnabled") !== true,
      );
      if (off.length) report(`${off.join(", ")} do not log to CloudWatch`);
    }
  },
});

export const networkRules: Rule[] = [
  sgNoWorldIngress,
  defaultSgClosed,
  vpcFlowLogs,
  subnetNoPublicIp,
  naclNoAdminPorts,
  tgwNoAutoAccept,
  vpnLogging,
];
