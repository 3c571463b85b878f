/**
 * The NAT instance's scripts on a real kernel (tests/network/lib/vpc-sim.ts): the forwarding rules and the
 * ingress target script of components/aws/nat-scripts.ts, exactly as dev's boot script installs them, with
 * a stand-in `aws` command that answers DescribeInstances the way EC2 would. Needs root, ip and iptables
 * (.ci/suites/62-network.sh installs them).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { ingressTargetScript, natRulesScript } from "../../components/aws/nat-scripts";
import { nodeInstanceTags } from "../../components/aws/node-groups";
import { ADDR, VpcSim } from "./lib/vpc-sim";

const INGRESS = { ports: [80, 443], targetTags: nodeInstanceTags("datavis-dev", "system") };

describe("NAT instance on a real kernel: egress for the VPC, and the ingress forwarded to a system node", function () {
  const vpc = new VpcSim();
  const bin = path.join(vpc.dir, "bin");
  const files = {
    rules: path.join(vpc.dir, "datavis-nat-rules"),
    target: path.join(vpc.dir, "datavis-ingress-target"),
    answer: path.join(vpc.dir, "describe-instances-answer"),
    calls: path.join(vpc.dir, "aws-calls"),
    saved: path.join(vpc.dir, "iptables.saved"),
  };
  /** Runs the target script on the NAT instance as its timer does; EC2 "answers" `running`. */
  const followTarget = (running: string): string => {
    fs.writeFileSync(files.answer, `${running}\n`);
    return vpc.exec("nat", ["bash", files.target], {
      PATH: `${bin}:${process.env.PATH}`,
      AWS_REGION: "us-east-1",
      DATAVIS_IPTABLES_SAVE: files.saved,
    });
  };

  before(() => {
    vpc.up();
    fs.mkdirSync(bin);
    // The AWS CLI's stand-in: records its arguments, prints what EC2 would for the --query.
    fs.writeFileSync(
      path.join(bin, "aws"),
      `#!/bin/bash\necho "$*" >> ${files.calls}\ncat ${files.answer}\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(files.rules, natRulesScript(ADDR.vpc, INGRESS), { mode: 0o755 });
    fs.writeFileSync(files.target, ingressTargetScript(INGRESS), { mode: 0o755 });
    vpc.exec("nat", ["bash", files.rules]);
    for (const n of ["node1", "node2"]) for (const port of [80, 443, 22]) vpc.serve(n, n, port);
    vpc.serve("pub", "internet", 8080);
    vpc.waitForServers([
      ["node1", 80],
      ["node1", 443],
      ["node1", 22],
      ["node2", 80],
      ["node2", 443],
      ["pub", 8080],
    ]);
  });

  after(() => vpc.down());

  it("a node in a private subnet reaches the internet, seen there as the Elastic IP", () => {
    expect(vpc.get("node1", ADDR.pub, 8080)).to.equal(`internet ${ADDR.elasticIp}`);
  });

  it("before any system node is known, the ingress ports lead nowhere", () => {
    expect(vpc.get("pub", ADDR.elasticIp, 80)).to.equal("unreachable");
  });

  it("the target script asks EC2 for this cluster's running system nodes, oldest first", () => {
    followTarget(ADDR.node1);
    const call = fs.readFileSync(files.calls, "utf8");
    expect(call).to.contain("ec2 describe-instances --region us-east-1");
    expect(call).to.contain("Name=tag:Name,Values=datavis-dev-system");
    expect(call).to.contain("Name=tag:datavis.io/pool,Values=system");
    expect(call).to.contain("Name=instance-state-name,Values=running");
    expect(call).to.contain("sort_by(Reservations[].Instances[], &LaunchTime)[0].PrivateIpAddress");
  });

  it("a browser on the internet reaches the system node on 80 and 443 through the Elastic IP", () => {
    // The node sees the NAT instance (it masquerades), which its security group admits.
    expect(vpc.get("pub", ADDR.elasticIp, 80)).to.equal(`node1 ${ADDR.nat}`);
    expect(vpc.get("pub", ADDR.elasticIp, 443)).to.equal(`node1 ${ADDR.nat}`);
  });

  it("no other port is forwarded: a service on the node's port 22 stays out of reach", () => {
    expect(vpc.get("node1", "127.0.0.1", 22)).to.equal("node1 127.0.0.1");
    expect(vpc.get("pub", ADDR.elasticIp, 22)).to.equal("unreachable");
  });

  it("when the node is replaced, the next run of the timer sends the ingress to the new one", () => {
    expect(followTarget(ADDR.node2)).to.contain(`ingress now goes to ${ADDR.node2}`);
    expect(vpc.get("pub", ADDR.elasticIp, 80)).to.equal(`node2 ${ADDR.nat}`);
    expect(vpc.get("pub", ADDR.elasticIp, 443)).to.equal(`node2 ${ADDR.nat}`);
    // A reboot restores the saved rules, the new target included.
    expect(fs.readFileSync(files.saved, "utf8")).to.contain(`--to-destination ${ADDR.node2}:443`);
  });

  it("with no running system node (EC2 answers None) the ingress keeps its last target", () => {
    expect(followTarget("None")).to.contain("keeps its last target");
    expect(vpc.get("pub", ADDR.elasticIp, 80)).to.equal(`node2 ${ADDR.nat}`);
  });

  it("an unchanged target leaves the rules alone, and re-running the rules script does not stack them", () => {
    expect(followTarget(ADDR.node2)).not.to.contain("ingress now goes to");
    vpc.exec("nat", ["bash", files.rules]);
    const prerouting = vpc.exec("nat", ["iptables", "-t", "nat", "-S", "PREROUTING"]);
    expect(prerouting.split("\n").filter((l) => l.includes("DATAVIS-INGRESS"))).to.have.lengthOf(1);
    const chain = vpc.exec("nat", ["iptables", "-t", "nat", "-S", "DATAVIS-INGRESS"]);
    expect(chain.split("\n").filter((l) => l.startsWith("-A"))).to.have.lengthOf(2);
    expect(vpc.get("pub", ADDR.elasticIp, 80)).to.equal(`node2 ${ADDR.nat}`);
    expect(vpc.get("node1", ADDR.pub, 8080)).to.equal(`internet ${ADDR.elasticIp}`);
  });
});
