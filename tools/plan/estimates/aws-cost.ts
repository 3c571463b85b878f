/**
 * Monthly USD cost of an AWS stack at idle and at `activeUsers`, from the pricing table in
 * pricing/aws-<region>.json, computed from what the program registered (run.resources) and its config.
 *
 * Idle: everything that runs around the clock (control plane, NAT, system nodes, database, keys, logs,
 * the ingress load balancer) plus storage that persists for every user; the spot groups are at 0.
 * Active: idle plus notebook and Spark nodes, NAT traffic and logs for `activeUsers` working
 * `activeHoursPerMonth`. The extra idle cost of one more user is storage only.
 */
import type { ProgramRun, RecordedResource } from "../offline";
import { dig, ingressLoadBalancer, loadPricing, platformVolumesGi } from "./aws-cost-inputs";
import { autoScalingGroupLines, compareWithFloor, placeholderNodeLines } from "./aws-cost-floor";
import { groupLaunchTemplate } from "./node-pods";

export { loadPricing, type Pricing } from "./aws-cost-inputs";

export interface CostLine {
  item: string;
  resource: string;
  idle: number;
  active: number;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** The one system node of the naive floor. */
export const NAIVE_FLOOR_SYSTEM_NODE = "t3.medium";

export function awsCostEstimate(run: ProgramRun): Record<string, unknown> {
  const cfg = run.config;
  const a = cfg.aws;
  if (!a) return {};
  const price = loadPricing(a.region);
  if (!price)
    return {
      note: `no pricing table for region ${a.region} (tools/plan/estimates/pricing/aws-${a.region}.json)`,
    };
  const H = price.hoursPerMonth;
  const as = price.assumptions;
  const users = cfg.activeUsers;
  const activeHours = as.activeHoursPerMonth;
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const add = (item: string, resource: string, idle: number, active = idle): void => {
    lines.push({ item, resource, idle: round(idle), active: round(active) });
  };
  const of = (type: string): RecordedResource[] => run.resources.filter((r) => r.type === type);
  const ec2 = (t: string): number | undefined => {
    const p = price.ec2OnDemandPerHour[t];
    if (p === undefined) unpriced.push(`EC2 ${t}`);
    return p;
  };

  // Control plane.
  for (const c of of("eks:index:Cluster"))
    add("EKS control plane", c.name, price.eks.controlPlanePerHour * H);

  // NAT gateways and their public IPv4 addresses; NAT data grows with active users.
  const nats = of("aws:ec2/natGateway:NatGateway");
  nats.forEach((n, i) => {
    const data = i === 0 ? users * as.natGbPerActiveUserMonth * price.natGateway.perGbProcessed : 0;
    add("NAT gateway", n.name, price.natGateway.perHour * H, price.natGateway.perHour * H + data);
  });
  for (const e of of("aws:ec2/eip:Eip")) add("public IPv4 address", e.name, price.publicIpv4PerHour * H);
  // The NAT instance (natMode: instance) and any other Auto Scaling group the program makes.
  for (const l of autoScalingGroupLines(of, price, (u) => unpriced.push(u)))
    add(l.item, l.resource, l.idle, l.active);

  // Node groups: the system group runs around the clock; spot groups only for active users.
  const launchTemplates = of("aws:ec2/launchTemplate:LaunchTemplate");
  const rootGb = (group: RecordedResource): number => {
    const lt = groupLaunchTemplate(launchTemplates, group);
    return Number(dig(lt?.inputs, "blockDeviceMappings", "0", "ebs", "volumeSize") ?? 20);
  };
  const nodeGroups = of("aws:eks/nodeGroup:NodeGroup");
  const nodeMonth = (g: RecordedResource): { type: string; hourly: number; disk: number } | undefined => {
    const type = String(g.inputs.instanceTypes?.[0] ?? "");
    const od = ec2(type);
    if (od === undefined) return undefined;
    const hourly = g.inputs.capacityType === "SPOT" ? od * price.spotPriceFraction : od;
    return { type, hourly, disk: rootGb(g) * price.ebs.gp3PerGbMonth };
  };
  const memoryOf = (t: string): number => price.ec2MemoryGi[t] ?? 8;
  const poolOf = (g: RecordedResource): string => String(g.inputs.labels?.["datavis.io/pool"] ?? g.name);
  // A pool split by zone is several groups: its active users' node hours are shared among them, not
  // counted once per zone.
  const groupsInPool = (pool: string): number => nodeGroups.filter((x) => poolOf(x) === pool).length;
  for (const g of nodeGroups) {
    const n = nodeMonth(g);
    if (!n) continue;
    const pool = poolOf(g);
    const idleCount = Number(g.inputs.scalingConfig?.desiredSize ?? 0);
    let activeNodeHours = idleCount * H;
    if (pool === "notebooks") {
      const perNode = Math.max(
        1,
        Math.floor((memoryOf(n.type) * as.allocatableMemoryFraction) / as.notebookMemoryGiPerUser),
      );
      activeNodeHours += (Math.ceil(users / perNode) * activeHours) / groupsInPool(pool);
    } else if (pool === "spark") {
      activeNodeHours += (users * as.sparkNodeHoursPerActiveUserMonth) / groupsInPool(pool);
    }
    const label = `${pool} nodes (${n.type}, ${g.inputs.capacityType === "SPOT" ? "spot" : "on-demand"})`;
    add(
      label,
      g.name,
      idleCount * (n.hourly * H + n.disk),
      activeNodeHours * n.hourly + (activeNodeHours / H) * n.disk,
    );
  }

  // Notebook nodes that z2jh's user placeholders keep up around the clock.
  const prefixDelegation = of("eks:index:Cluster")[0]?.inputs?.vpcCniOptions?.enablePrefixDelegation === true;
  for (const l of placeholderNodeLines(of, price, prefixDelegation))
    add(l.item, l.resource, l.idle, l.active);

  // Database.
  for (const db of of("aws:rds/instance:Instance")) {
    const cls = String(db.inputs.instanceClass);
    const hourly = price.rdsPostgresSingleAzPerHour[cls];
    const copies = db.inputs.multiAz ? 2 : 1;
    if (hourly === undefined) unpriced.push(`RDS ${cls}`);
    else add(`RDS PostgreSQL ${cls}${copies === 2 ? " Multi-AZ" : ""}`, db.name, hourly * copies * H);
    add(
      "RDS storage (gp3)",
      db.name,
      Number(db.inputs.allocatedStorage ?? 20) * copies * price.rdsStorage.gp3PerGbMonth,
    );
  }

  // KMS keys.
  const keys = of("aws:kms/key:Key");
  if (keys.length)
    add(`KMS keys (${keys.length})`, keys.map((k) => k.name).join(", "), keys.length * price.kms.perKeyMonth);

  // CloudWatch Logs: control-plane logs and flow logs (ingest + storage over the retention).
  const logCost = (gb: number, retentionDays: number): number =>
    gb * price.cloudwatchLogs.ingestPerGb +
    gb * (retentionDays / 30) * price.cloudwatchLogs.storagePerGbMonth;
  for (const c of of("eks:index:Cluster")) {
    const types: string[] = c.inputs.enabledClusterLogTypes ?? [];
    const gb = types.reduce((s, t) => s + (as.controlPlaneLogGbPerMonth[t] ?? 1), 0);
    add(`EKS control-plane logs (${types.join(", ")})`, c.name, logCost(gb, a.auditLogRetentionDays));
  }
  if (of("aws:ec2/flowLog:FlowLog").length) {
    add(
      "VPC flow logs",
      "flow-logs",
      logCost(as.flowLogGbPerMonthIdle, a.flowLogRetentionDays),
      logCost(as.flowLogGbPerMonthIdle + users * as.flowLogGbPerActiveUserMonth, a.flowLogRetentionDays),
    );
  }

  // The platform's ingress: Traefik's Service of type LoadBalancer. With the AWS Load Balancer Controller
  // installed and the Service annotated for it (components/aws/load-balancer-controller.ts) it is one
  // Network Load Balancer; otherwise the cloud provider's Classic Load Balancer.
  // No load balancer with ingressMode natInstance: the NAT instance (counted above) carries the ingress.
  const lb = ingressLoadBalancer(run.resources);
  if (lb?.kind === "nlb") {
    // LCUs: an NLB bills the largest of new flows, active flows and bytes per hour; for people using
    // notebooks and dashboards bytes dominate (1 LCU = 1 GB/hour for TCP). Idle: no client traffic, and
    // the NLB's health checks are not billed.
    const lcuHours = users * activeHours * as.nlbGbPerActiveUserHour;
    add(
      "ingress Network Load Balancer (Traefik, AWS Load Balancer Controller)",
      "platform ingress",
      price.networkLoadBalancer.perHour * H,
      price.networkLoadBalancer.perHour * H + lcuHours * price.networkLoadBalancer.perLcuHour,
    );
  } else if (lb)
    add(
      "ingress Classic Load Balancer (Traefik, in-tree controller)",
      "platform ingress",
      price.classicLoadBalancer.perHour * H,
    );
  // Internet-facing: one node (and one billed public IPv4 address) in each zone's public subnet it names,
  // or in every public subnet when it names none.
  const publicSubnets =
    lb?.subnets ?? of("aws:ec2/subnet:Subnet").filter((s) => /-public-/.test(s.name)).length;
  if (lb?.internetFacing && publicSubnets > 0)
    add(
      `ingress load balancer's public IPv4 addresses (${publicSubnets}, one per zone it serves)`,
      "platform ingress",
      publicSubnets * price.publicIpv4PerHour * H,
    );

  // Storage that persists per user: the notebook volume and their objects in S3.
  const perUserStorage =
    cfg.notebookStorageGi * price.ebs.gp3PerGbMonth + as.s3GbPerUser * price.s3.standardPerGbMonth;
  add(
    `user storage (${users} x ${cfg.notebookStorageGi} GiB gp3 + ${as.s3GbPerUser} GB S3)`,
    "notebook volumes, buckets",
    users * perUserStorage,
  );
  const volumes = platformVolumesGi(run.resources);
  if (volumes > 0)
    add(`platform volumes (${round(volumes)} GiB gp3)`, "Helm releases", volumes * price.ebs.gp3PerGbMonth);

  const sum = (k: "idle" | "active"): number => round(lines.reduce((s, l) => s + l[k], 0));
  const idle = sum("idle");

  // The naive floor (issue: EKS control plane + one NAT gateway + the smallest RDS + one on-demand system
  // node, $147.90/month in us-east-1): with the smallest system node a platform could be imagined on. The
  // system pool the platform really needs (estimates/system-pool.ts) is priced above, not here.
  const systemType = NAIVE_FLOOR_SYSTEM_NODE;
  const floorParts = {
    eksControlPlane: round(price.eks.controlPlanePerHour * H),
    natGateway: round(price.natGateway.perHour * H),
    rdsDbT4gMicro: round(price.rdsPostgresSingleAzPerHour["db.t4g.micro"] * H),
    [`systemNode_${systemType}`]: round((price.ec2OnDemandPerHour[systemType] ?? NaN) * H),
  };
  const floor = round(Object.values(floorParts).reduce((s, x) => s + x, 0));
  const idleWithoutUsers = round(idle - users * perUserStorage);

  return {
    currency: "USD per month",
    region: a.region,
    pricing: `tools/plan/estimates/pricing/aws-${a.region}.json (compiled ${price.compiled})`,
    activeUsers: users,
    idle,
    active: sum("active"),
    idlePerExtraUser: round(perUserStorage),
    floor,
    floorParts,
    idleToFloor: round(idle / floor),
    idleWithoutUsersToFloor: round(idleWithoutUsers / floor),
    floorComparison: compareWithFloor(lines, floorParts, idle, floor, price.publicIpv4PerHour * H),
    breakdown: Object.fromEntries(
      lines.map((l) => [`${l.item} [${l.resource}]`, { idle: l.idle, active: l.active }]),
    ),
    assumptions: {
      activeHoursPerMonth: activeHours,
      spotPriceFraction: price.spotPriceFraction,
      notebookMemoryGiPerUser: as.notebookMemoryGiPerUser,
      ...(lb?.kind === "nlb"
        ? { nlbLcu: `0 at idle; ${as.nlbGbPerActiveUserHour} GB per active user-hour (1 LCU = 1 GB/hour)` }
        : {}),
    },
    ...(unpriced.length ? { unpriced: [...new Set(unpriced)] } : {}),
    notIncluded:
      "internet egress, cross-AZ traffic, S3 requests, RDS backup storage beyond the free allowance" +
      (lb?.kind === "clb" ? ", load balancer LCUs" : "") +
      (run.resources.some((r) => r.type === "datavis:aws:ExternalDns")
        ? "; the Route 53 hosted zone of externalDnsZoneId ($0.50/month, made and billed outside this stack; alias queries to the load balancer are free)"
        : ""),
  };
}
