import { expect } from "chai";
import { awsCostEstimate, loadPricing } from "../tools/plan/estimates/aws-cost";
import { runStack, type ProgramRun } from "./harness";

type Estimate = {
  idle: number;
  active: number;
  floor: number;
  idleToFloor: number;
  idlePerExtraUser: number;
  breakdown: Record<string, { idle: number; active: number }>;
  unpriced?: string[];
};

function estimateOf(run: ProgramRun, activeUsers?: number): Estimate {
  const config = activeUsers === undefined ? run.config : { ...run.config, activeUsers };
  return awsCostEstimate({ ...run, config }) as unknown as Estimate;
}

function line(e: Estimate, prefix: string): { idle: number; active: number } {
  const key = Object.keys(e.breakdown).find((k) => k.startsWith(prefix));
  expect(key, `breakdown line ${prefix}: ${Object.keys(e.breakdown).join("; ")}`).to.exist;
  return e.breakdown[key!];
}

describe("aws cost estimate", () => {
  it("the pricing table names its source and date", () => {
    const p = loadPricing("us-east-1")!;
    expect(p.source).to.contain("aws.amazon.com");
    expect(p.compiled).to.match(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("dev idle is measured against the naive floor (control plane + one NAT + db.t4g.micro + one t3.medium)", async () => {
    const e = estimateOf(await runStack("dev"));
    expect(e.floor).to.be.closeTo(73 + 32.85 + 11.68 + 30.37, 0.05);
    expect(e.idleToFloor).to.be.closeTo(e.idle / e.floor, 0.01);
    expect(e.unpriced).to.equal(undefined);
  });

  it("the ingress load balancer is priced as what is made (one NLB of the AWS Load Balancer Controller, no Classic LB) with its public IPv4s", async () => {
    const e = estimateOf(await runStack("dev", { ingressMode: "loadBalancer" }));
    const nlb = line(e, "ingress Network Load Balancer");
    expect(nlb.idle).to.be.closeTo(0.0225 * 730, 0.05);
    // Active: LCUs for 10 users x 160 h x 0.1 GB/h (1 LCU = 1 GB/hour) at $0.006 per LCU-hour.
    expect(nlb.active - nlb.idle).to.be.closeTo(10 * 160 * 0.1 * 0.006, 0.02);
    // dev's NLB is in the one zone of its system node (Traefik): one node, one public address.
    expect(line(e, "ingress load balancer's public IPv4 addresses (1").idle).to.be.closeTo(
      1 * 0.005 * 730,
      0.05,
    );
    expect(Object.keys(e.breakdown).filter((k) => /Classic Load Balancer/.test(k))).to.be.empty;
    expect(Object.keys(e.breakdown).filter((k) => /Load Balancer/.test(k))).to.have.lengthOf(1);
  });

  it("the Route 53 zone of ExternalDNS is named as not made by the stack, and not priced", async () => {
    const e = estimateOf(
      await runStack("dev", { externalDnsZoneId: "Z0123456789ABCDEFGHIJ" }),
    ) as Estimate & {
      notIncluded: string;
    };
    expect(e.notIncluded).to.contain("Route 53 hosted zone");
    expect(Object.keys(e.breakdown).some((k) => /Route 53/.test(k))).to.equal(false);
  });

  it("the system nodes priced are the ones the platform's pod count needs", async () => {
    const run = await runStack("dev");
    const e = estimateOf(run);
    const { systemPoolFit } = await import("../tools/plan/estimates/system-pool");
    const pool = systemPoolFit(run)!;
    expect(pool.fits, pool.summary).to.equal(true);
    const system = line(e, `system nodes (${pool.instanceType}, spot)`);
    const price = loadPricing("us-east-1")!;
    // dev's system node is spot: the planning fraction of the on-demand rate, around the clock.
    const hourly = price.ec2OnDemandPerHour[pool.instanceType] * price.spotPriceFraction;
    expect(system.idle).to.be.greaterThan(pool.minNodes * hourly * 730 * 0.99);
  });

  it("spot notebook and Spark nodes cost nothing at idle and something when users are active", async () => {
    const e = estimateOf(await runStack("dev"));
    for (const pool of ["notebooks nodes", "spark nodes"]) {
      expect(line(e, pool).idle, pool).to.equal(0);
      expect(line(e, pool).active, pool).to.be.greaterThan(0);
    }
    expect(e.active).to.be.greaterThan(e.idle);
  });

  it("one more user adds only storage to the idle cost", async () => {
    const run = await runStack("dev");
    const ten = estimateOf(run, 10);
    const eleven = estimateOf(run, 11);
    expect(eleven.idle - ten.idle).to.be.closeTo(ten.idlePerExtraUser, 0.02);
    // 10 GiB gp3 notebook volume + 5 GB of S3.
    expect(ten.idlePerExtraUser).to.be.closeTo(10 * 0.08 + 5 * 0.023, 0.01);
    for (const [k, v] of Object.entries(eleven.breakdown)) {
      if (!k.startsWith("user storage")) expect(v.idle, k).to.equal(ten.breakdown[k].idle);
    }
  });

  it("ten active users' notebook nodes are paid once, not once per zone's node group", async () => {
    const e = estimateOf(await runStack("dev"));
    const p = loadPricing("us-east-1")!;
    const groups = Object.keys(e.breakdown).filter((k) => k.startsWith("notebooks nodes (m7g.large, spot)"));
    expect(groups).to.have.lengthOf(3);
    const activeOnly = groups.reduce((t, k) => t + e.breakdown[k].active - e.breakdown[k].idle, 0);
    // m7g.large: 8 GiB x 0.85 allocatable / 2 GiB per user = 3 users a node, so 4 nodes for 10 users,
    // 160 working hours at the spot price, with their 50 GiB gp3 root volumes for those hours.
    const hourly = p.ec2OnDemandPerHour["m7g.large"] * p.spotPriceFraction + (50 * p.ebs.gp3PerGbMonth) / 730;
    expect(activeOnly).to.be.closeTo(4 * 160 * hourly, 0.05);
  });

  it("prod costs more at idle than dev: Multi-AZ database and a NAT gateway per AZ", async () => {
    const dev = estimateOf(await runStack("dev"));
    const prod = estimateOf(await runStack("prod"));
    expect(prod.idle).to.be.greaterThan(dev.idle);
    expect(line(prod, "RDS PostgreSQL db.t4g.medium Multi-AZ").idle).to.be.closeTo(0.065 * 2 * 730, 0.01);
    expect(Object.keys(prod.breakdown).filter((k) => k.startsWith("NAT gateway"))).to.have.lengthOf(3);
    expect(prod.unpriced).to.equal(undefined);
  });

  it("an instance type missing from the pricing table is listed as unpriced, not guessed", async () => {
    const run = await runStack("dev");
    const resources = run.resources.map((r) =>
      r.type === "aws:eks/nodeGroup:NodeGroup" && r.inputs.labels?.["datavis.io/pool"] === "system"
        ? { ...r, inputs: { ...r.inputs, instanceTypes: ["c7a.medium"] } }
        : r,
    );
    const e = awsCostEstimate({ ...run, resources }) as unknown as Estimate;
    expect(e.unpriced).to.deep.equal(["EC2 c7a.medium"]);
  });
});
