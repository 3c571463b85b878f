import { expect } from "chai";
import { loadPricing } from "../tools/plan/estimates/aws-cost";
import { planCli } from "./harness";

type Cost = {
  idle: number;
  floor: number;
  floorParts: Record<string, number>;
  idleToFloor: number;
  breakdown: Record<string, { idle: number; active: number }>;
  floorComparison: {
    ratio: number;
    required: { parts: Record<string, number>; total: number; verdict: string };
    verdict: string;
    parts: Record<string, { floor: number; stack: number; difference: number }>;
    notInTheFloor: Record<string, number>;
  };
};

const price = loadPricing("us-east-1")!;
const H = price.hoursPerMonth;

/** The estimate `npm run plan -- --stack <stack> --json` prints (computed from what the program registered). */
const printed = new Map<string, Cost>();
function estimateOf(stack: string, config: string[] = []): Cost {
  const key = [stack, ...config].join(" ");
  if (!printed.has(key)) {
    const r = planCli(["--stack", stack, "--json", ...config.flatMap((c) => ["--config", c])]);
    expect(r.status, r.stderr).to.equal(0);
    printed.set(key, JSON.parse(r.stdout).estimates as Cost);
  }
  return printed.get(key)!;
}

const lines = (e: Cost, prefix: string) => Object.entries(e.breakdown).filter(([k]) => k.startsWith(prefix));

describe("aws cost against the naive floor", () => {
  it("dev prices its NAT as the instance it registers (t4g.nano + 8 GiB gp3) plus its Elastic IP, not a gateway", () => {
    const e = estimateOf("dev");
    expect(lines(e, "NAT gateway")).to.deep.equal([]);
    const [[key, nat]] = lines(e, "NAT instance (1 x t4g.nano on-demand + 8 GiB gp3");
    expect(key).to.contain("[network-nat]");
    expect(nat.idle).to.be.closeTo(0.0042 * H + 8 * price.ebs.gp3PerGbMonth, 0.01);
    // No per-GB processing charge: the active figure is the idle one.
    expect(nat.active).to.equal(nat.idle);
    expect(e.breakdown["public IPv4 address [network-nat]"].idle).to.be.closeTo(0.005 * H, 0.01);
    expect(e.floorComparison.parts.nat.stack).to.be.closeTo(nat.idle + 0.005 * H, 0.02);
    expect(e.floorComparison.parts.nat.stack).to.be.lessThan(e.floorComparison.parts.nat.floor);
  });

  it("the notebook node that a user placeholder keeps up is priced (spot, at the pool's first type)", () => {
    const e = estimateOf("dev", ["notebookPlaceholders=1"]);
    const [[key, line]] = lines(e, "notebook nodes kept up by 1 user placeholder(s) (1 x m7g.large, spot");
    expect(key).to.contain("50 GiB gp3");
    expect(line.idle).to.be.closeTo(
      0.0816 * price.spotPriceFraction * H + 50 * price.ebs.gp3PerGbMonth,
      0.01,
    );
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every printed line adds up to the printed idle, set against the floor part by part`, () => {
      const e = estimateOf(stack);
      const sum = Object.values(e.breakdown).reduce((s, l) => s + l.idle, 0);
      expect(e.idle).to.be.closeTo(sum, 0.05);
      expect(e.floor).to.be.closeTo(73 + 32.85 + 11.68 + 30.37, 0.05);
      expect(e.floorComparison.ratio).to.be.closeTo(e.idle / e.floor, 0.006);
      const parts = Object.values(e.floorComparison.parts);
      expect(parts.reduce((s, p) => s + p.stack, 0)).to.be.closeTo(e.idle, 0.05);
      expect(parts.reduce((s, p) => s + p.floor, 0)).to.be.closeTo(e.floor, 0.05);
      expect(e.floorComparison.verdict).to.match(
        /^idle \d+\.\d\d is \d+\.\d\d (above|below) the floor 147\.90 \(/,
      );
    });
  }

  it("dev's idle is below what the same stack costs with a NAT gateway and an x86 system node", () => {
    const e = estimateOf("dev");
    const r = planCli([
      "--stack",
      "dev",
      "--json",
      "--config",
      "natMode=gateway",
      "--config",
      "systemNodeInstanceType=t3.large",
    ]);
    expect(r.status, r.stderr).to.equal(0);
    const before = JSON.parse(r.stdout).estimates as Cost;
    // Saved: the gateway (32.85) less the instance and its disk (3.71), t3.large less t4g.large (both spot,
    // dev's systemNodeCapacity), and the NLB with its one address that a NAT gateway's stack needs for its
    // ingress (the NAT instance carries dev's; the two Elastic IPs cancel out).
    const saved =
      0.045 * H -
      (0.0042 * H + 8 * price.ebs.gp3PerGbMonth) +
      (0.0832 - 0.0672) * H * price.spotPriceFraction +
      0.0225 * H +
      0.005 * H;
    expect(before.idle - e.idle).to.be.closeTo(saved, 0.05);
  });

  it("dev's spot system node costs the spot fraction of the on-demand one it replaces, around the clock", () => {
    const spot = estimateOf("dev");
    const onDemand = estimateOf("dev", ["systemNodeCapacity=onDemand"]);
    expect(onDemand.idle - spot.idle).to.be.closeTo(0.0672 * H * (1 - price.spotPriceFraction), 0.05);
    expect(lines(spot, "system nodes (t4g.large, spot)")).to.have.lengthOf(1);
    expect(lines(onDemand, "system nodes (t4g.large, on-demand)")).to.have.lengthOf(1);
  });

  it("dev idles below the naive floor, its ten users' storage included, and the plan says so", () => {
    const e = estimateOf("dev");
    expect(e.idle / e.floor).to.be.at.most(1);
    expect(e.floorComparison.verdict).to.match(/^idle \d+\.\d\d is \d+\.\d\d below the floor 147\.90/);
  });

  for (const [config, where] of [
    [[], "below"],
    [["systemNodeCapacity=onDemand", "ingressMode=loadBalancer"], "above"],
  ] as const) {
    it(`dev${config.length ? ` (${config.join(", ")})` : ""}: what the platform cannot idle without (control plane, the ingress's load balancer and one address if any, system node, database instance) is printed, ${where} the floor`, () => {
      const e = estimateOf("dev", [...config]);
      const idle = (prefix: string) => lines(e, prefix).reduce((t, [, l]) => t + l.idle, 0);
      const addresses = lines(e, "ingress load balancer's public IPv4 addresses");
      const oneAddress = addresses.length
        ? addresses[0][1].idle / Number(/\((\d+)/.exec(addresses[0][0])![1])
        : 0;
      const r = e.floorComparison.required;
      expect(r.parts).to.deep.equal({
        eksControlPlane: 73,
        ingressWithOneAddress: Math.round((idle("ingress Network Load Balancer") + oneAddress) * 100) / 100,
        systemNodes: Math.round(idle("system nodes") * 100) / 100,
        databaseInstance: Math.round(idle("RDS PostgreSQL") * 100) / 100,
      });
      expect(r.total).to.be.closeTo(
        Object.values(r.parts).reduce((t, x) => t + x, 0),
        0.011,
      );
      if (where === "above") {
        expect(r.total).to.be.greaterThan(e.floor);
        expect(r.verdict).to.contain("a public load balancer with one address");
        expect(r.verdict).to.contain(`already above the floor ${e.floor.toFixed(2)}`);
      } else {
        // dev's ingress rides on the NAT instance's address: no load balancer to price.
        expect(r.parts.ingressWithOneAddress).to.equal(0);
        expect(r.verdict).to.contain("the NAT instance forwards it");
        expect(r.total).to.be.lessThan(e.floor);
        expect(r.verdict).to.contain(`below the floor ${e.floor.toFixed(2)}`);
      }
    });
  }

  it("the text plan prints the floor, the ratio and where the difference comes from", () => {
    const r = planCli(["--stack", "dev"]);
    expect(r.status, r.stderr).to.equal(0);
    const e = estimateOf("dev");
    expect(r.stdout).to.contain(`idleToFloor: ${e.idleToFloor}`);
    expect(r.stdout).to.contain(`verdict: ${e.floorComparison.verdict}`);
    for (const part of ["eksControlPlane", "nat", "database", "systemNodes", "notInTheFloor"])
      expect(r.stdout).to.match(new RegExp(`\\n {6}${part}:\\n {8}floor: `));
  });
});
