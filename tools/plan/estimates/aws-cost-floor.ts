/**
 * Cost lines for what runs around the clock outside the node groups and NAT gateways (the NAT instance's
 * Auto Scaling group, the notebook nodes user placeholders keep up), and the idle bill set against the
 * naive floor part by part, so the plan says where every dollar above (or below) the floor comes from.
 */
import { eksAllocatable, instanceShape } from "../../../components/aws/catalogue";
import { groupPodSlots } from "./node-pods";
import { memoryQuantityBytes } from "../../../components/platform/services/sizing";
import type { RecordedResource } from "../offline";

/** One cost line as aws-cost.ts adds it. */
export interface Line {
  item: string;
  resource: string;
  idle: number;
  active: number;
}

/** The parts of the pricing table these lines read. */
export interface Prices {
  hoursPerMonth: number;
  ebs: { gp3PerGbMonth: number };
  spotPriceFraction: number;
  ec2OnDemandPerHour: Record<string, number>;
}

const dig = (o: any, ...keys: string[]): unknown =>
  keys.reduce((x, k) => (x && typeof x === "object" ? x[k] : undefined), o);

/**
 * Instances of Auto Scaling groups the program makes itself (the NAT instance): the launch template's type
 * on demand, times the group's desired capacity, plus its root volume (gp3). A NAT instance has no
 * per-GB processing charge (a NAT gateway's $0.045/GB); internet egress is the same either way and is
 * outside the estimate.
 */
export function autoScalingGroupLines(
  of: (type: string) => RecordedResource[],
  price: Prices,
  unpriced: (what: string) => void,
): Line[] {
  const templates = of("aws:ec2/launchTemplate:LaunchTemplate");
  const lines: Line[] = [];
  for (const g of of("aws:autoscaling/group:Group")) {
    const lt = templates.find((t) => t.name === g.name);
    const type = String(lt?.inputs.instanceType ?? "");
    const hourly = price.ec2OnDemandPerHour[type];
    if (hourly === undefined) {
      unpriced(`EC2 ${type || "(no launch template)"}`);
      continue;
    }
    const count = Number(g.inputs.desiredCapacity ?? g.inputs.minSize ?? 1);
    const rootGb = Number(dig(lt?.inputs, "blockDeviceMappings", "0", "ebs", "volumeSize") ?? 8);
    const nat = dig(lt?.inputs, "tags", "datavis:role") === "nat";
    const month = count * (hourly * price.hoursPerMonth + rootGb * price.ebs.gp3PerGbMonth);
    lines.push({
      item: `${nat ? "NAT instance" : "instances"} (${count} x ${type} on-demand + ${rootGb} GiB gp3, Auto Scaling group)`,
      resource: g.name,
      idle: month,
      active: month,
    });
  }
  return lines;
}

/** Kubernetes memory quantity ("1G", "512Mi") in MiB; 0 when there is none. */
function mebibytes(q: unknown): number {
  return (memoryQuantityBytes(String(q ?? "")) ?? 0) / 2 ** 20;
}

/**
 * z2jh user placeholders are pods the Cluster Autoscaler must keep a notebook node for, so the nodes they
 * fill run around the clock (docs/notebooks-platform.md, "Spawn latency and its cost"): as many nodes of
 * the notebook pool's first type as the placeholders' memory needs, at the spot fraction, with their disk.
 */
export function placeholderNodeLines(
  of: (type: string) => RecordedResource[],
  price: Prices,
  prefixDelegation: boolean,
): Line[] {
  const hub = of("kubernetes:helm.sh/v3:Release").find((r) => String(r.inputs.chart).includes("jupyterhub"));
  const ph = dig(hub?.inputs.values, "scheduling", "userPlaceholder") as any;
  const replicas = ph?.enabled ? Number(ph.replicas ?? 0) : 0;
  const group = of("aws:eks/nodeGroup:NodeGroup").find(
    (g) => g.inputs.labels?.["datavis.io/pool"] === "notebooks",
  );
  if (!replicas || !group) return [];
  const type = String(group.inputs.instanceTypes?.[0] ?? "");
  const shape = instanceShape(type);
  const pods = groupPodSlots(of("aws:ec2/launchTemplate:LaunchTemplate"), group, prefixDelegation);
  const od = price.ec2OnDemandPerHour[type];
  if (!shape || !pods || od === undefined) return [];
  const perNode = Math.max(
    1,
    Math.floor(eksAllocatable(shape, pods).memoryMi / Math.max(1, mebibytes(ph.resources?.requests?.memory))),
  );
  const nodes = Math.ceil(replicas / perNode);
  const spot = group.inputs.capacityType === "SPOT";
  const hourly = spot ? od * price.spotPriceFraction : od;
  const diskGb = 50;
  const month = nodes * (hourly * price.hoursPerMonth + diskGb * price.ebs.gp3PerGbMonth);
  return [
    {
      item: `notebook nodes kept up by ${replicas} user placeholder(s) (${nodes} x ${type}, ${spot ? "spot" : "on-demand"}, ${diskGb} GiB gp3)`,
      resource: "jupyterhub scheduling.userPlaceholder",
      idle: month,
      active: month,
    },
  ];
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** Which part of the naive floor a cost line stands against (undefined: the floor has no such part). */
function floorPart(l: Line): string | undefined {
  if (l.item === "EKS control plane") return "eksControlPlane";
  if (/^NAT /.test(l.item) || /(^|-)nat(-|$)/.test(l.resource)) return "nat";
  if (/^RDS /.test(l.item)) return "database";
  if (/^system nodes/.test(l.item)) return "systemNodes";
  return undefined;
}

/**
 * What the stack cannot idle below without giving up a capability, priced from its own lines: the control
 * plane, the ingress load balancer with one public address (the least a public endpoint needs), the system
 * nodes the platform's requests need (estimates/system-pool.ts sizes them) and the database instance
 * (storage aside). When that alone is above the floor, no setting of the rest brings the stack under it.
 */
function requiredPart(lines: Line[], floor: number, oneAddress: number): Record<string, unknown> {
  const idleOf = (test: (l: Line) => boolean): number => lines.filter(test).reduce((t, l) => t + l.idle, 0);
  const internetFacing = lines.some((l) => /^ingress load balancer's public IPv4 addresses/.test(l.item));
  const parts = {
    eksControlPlane: round(idleOf((l) => l.item === "EKS control plane")),
    ingressWithOneAddress: round(
      idleOf((l) => /^ingress (Network|Classic) Load Balancer/.test(l.item)) +
        (internetFacing ? oneAddress : 0),
    ),
    systemNodes: round(idleOf((l) => /^system nodes/.test(l.item))),
    databaseInstance: round(idleOf((l) => /^RDS PostgreSQL/.test(l.item))),
  };
  const total = round(Object.values(parts).reduce((t, x) => t + x, 0));
  // ingressMode natInstance: no load balancer; the NAT instance's address (in the NAT part) takes it.
  const ingress = lines.some((l) => /^ingress (Network|Classic) Load Balancer/.test(l.item))
    ? "a public load balancer with one address"
    : "the ingress (the NAT instance forwards it: no load balancer)";
  const what = `the control plane, ${ingress}, the system nodes and the database instance cost ${total.toFixed(2)}`;
  return {
    parts,
    total,
    verdict:
      total > floor
        ? `${what}, already above the floor ${floor.toFixed(2)}`
        : `${what}, ${(floor - total).toFixed(2)} below the floor ${floor.toFixed(2)}`,
  };
}

/**
 * The idle bill against the floor, part by part: what the stack pays for the floor's control plane, NAT,
 * database and system node, and what it pays for that the floor leaves out (the ingress load balancer and
 * its addresses, keys, logs, volumes, placeholder nodes). The verdict names the biggest differences.
 */
export function compareWithFloor(
  lines: Line[],
  floorParts: Record<string, number>,
  idle: number,
  floor: number,
  /** Month of one public IPv4 address (the least a public load balancer has). */
  oneAddress: number,
): Record<string, unknown> {
  const parts: Record<string, { floor: number; stack: number }> = {
    eksControlPlane: { floor: floorParts.eksControlPlane ?? 0, stack: 0 },
    nat: { floor: floorParts.natGateway ?? 0, stack: 0 },
    database: { floor: floorParts.rdsDbT4gMicro ?? 0, stack: 0 },
    systemNodes: {
      floor: Object.entries(floorParts).find(([k]) => k.startsWith("systemNode_"))?.[1] ?? 0,
      stack: 0,
    },
    notInTheFloor: { floor: 0, stack: 0 },
  };
  const outside: Record<string, number> = {};
  for (const l of lines) {
    if (l.idle === 0) continue;
    const part = floorPart(l);
    parts[part ?? "notInTheFloor"].stack += l.idle;
    if (!part) outside[`${l.item} [${l.resource}]`] = round(l.idle);
  }
  const difference = Object.fromEntries(
    Object.entries(parts).map(([k, v]) => [
      k,
      { floor: round(v.floor), stack: round(v.stack), difference: round(v.stack - v.floor) },
    ]),
  );
  const gap = round(idle - floor);
  const ranked = Object.entries(difference)
    .filter(([, v]) => v.difference !== 0)
    .sort((a, b) => b[1].difference - a[1].difference)
    .map(([k, v]) => `${k} ${v.difference > 0 ? "+" : ""}${v.difference.toFixed(2)}`);
  return {
    ratio: round(idle / floor),
    required: requiredPart(lines, floor, oneAddress),
    assumptions: {
      floor: "EKS control plane + one NAT gateway + db.t4g.micro single-AZ + one on-demand t3.medium, 730 h",
      natInstance: "on-demand instance + its root gp3 volume + its Elastic IP; no per-GB processing charge",
      placeholderNodes: "nodes of the notebook pool's first type that the placeholders' memory fills, spot",
    },
    verdict:
      gap <= 0
        ? `idle ${idle.toFixed(2)} is ${(-gap).toFixed(2)} below the floor ${floor.toFixed(2)} (${ranked.join(", ")})`
        : `idle ${idle.toFixed(2)} is ${gap.toFixed(2)} above the floor ${floor.toFixed(2)} (${ranked.join(", ")})`,
    parts: difference,
    notInTheFloor: outside,
  };
}
