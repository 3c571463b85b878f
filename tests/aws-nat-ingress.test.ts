import { expect } from "chai";
import { ingressTargetScript, natRulesScript } from "../components/aws/nat-scripts";
import { releaseRequests } from "../tools/plan/estimates/chart-requests";
import { systemPoolFit } from "../tools/plan/estimates/system-pool";
import { mockResourceId } from "../tools/plan/mock-outputs";
import { configError, ofType, one, planCli, releaseValues, releases, runStack } from "./harness";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";

describe("aws ingress through the NAT instance (ingressMode: natInstance, dev's default)", () => {
  it("dev makes no NLB and no load balancer controller; the NAT instance's address is the stack's ingressAddress", async () => {
    const run = await runStack("dev");
    expect(releases(run).has("aws-load-balancer-controller")).to.equal(false);
    expect(releaseValues(run, "traefik").service).to.deep.equal({ spec: { type: "ClusterIP" } });
    expect(run.outputs.ingressHostname).to.equal(undefined);
    expect(run.outputs.ingressAddress).to.match(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("Traefik answers on the system nodes' own ports 80 and 443, one pod per node, updated without a surge", async () => {
    const v = releaseValues(await runStack("dev"), "traefik");
    expect(v.deployment.kind).to.equal("DaemonSet");
    expect(v.ports.web.hostPort).to.equal(80);
    expect(v.ports.websecure.hostPort).to.equal(443);
    // Two pods cannot hold one host port: the old one goes before the new one starts.
    expect(v.updateStrategy).to.deep.equal({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
  });

  it("the capacity estimate counts Traefik once per system node, and never on the tainted notebook and Spark nodes", async () => {
    const run = await runStack("dev");
    const r = releases(run).get("traefik")!;
    const got = releaseRequests(String(r.inputs.chart), r.inputs.values, {
      release: "traefik",
      nodeCount: 1,
    });
    expect(got.requests).to.deep.equal([
      {
        component: "traefik/traefik",
        pods: 1,
        cpuMilli: 100,
        memoryMi: 96,
        kind: "steady",
        untaintedOnly: true,
      },
    ]);
    // 27 with the NLB (Traefik's Deployment and the controller); the DaemonSet's one pod, no controller.
    expect(systemPoolFit(run)!.platform.pods).to.equal(26);
  });

  it("Ingress status carries the NAT instance's address (what ExternalDNS publishes as A records)", async () => {
    const run = await runStack("dev");
    const v = releaseValues(run, "traefik");
    expect(v.providers.kubernetesIngress.publishedService.enabled).to.equal(false);
    expect(v.providers.kubernetesIngress.ingressEndpoint.ip).to.equal(run.outputs.ingressAddress);
  });

  it("only the NAT instance's ingress group is open to the internet, on 80 and 443, tagged as a load balancer's", async () => {
    const run = await runStack("dev");
    const sg = one(run, SG, "network-nat-ingress").inputs;
    expect(sg.tags["datavis:role"]).to.equal("load-balancer");
    expect(sg.ingress.map((i: any) => [i.protocol, i.fromPort, i.toPort, i.cidrBlocks])).to.deep.equal([
      ["tcp", 80, 80, ["0.0.0.0/0"]],
      ["tcp", 443, 443, ["0.0.0.0/0"]],
    ]);
    const eni = one(run, "aws:ec2/networkInterface:NetworkInterface", "network-nat").inputs;
    expect(eni.securityGroups).to.have.lengthOf(2);
    // The policy pack (ec2-no-world-ingress, FSBP EC2.18) passes the plan.
    const plan = planCli(["--stack", "dev", "--json"]);
    expect(plan.status, plan.stderr).to.equal(0);
    expect(JSON.parse(plan.stdout).violations).to.deep.equal([]);
  });

  it("the system nodes admit 80 and 443 from the NAT instance's ingress group only, not from the internet", async () => {
    const run = await runStack("dev");
    const rules = ofType(run, INGRESS_RULE).filter((r) => /^ingress-from-nat-/.test(r.name));
    expect(rules.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol])).to.deep.equal([
      [80, 80, "tcp"],
      [443, 443, "tcp"],
    ]);
    one(run, SG, "network-nat-ingress");
    for (const r of rules) {
      expect(r.inputs.referencedSecurityGroupId).to.equal(mockResourceId(SG, "network-nat-ingress"));
      expect(r.inputs.cidrIpv4).to.equal(undefined);
      // The EKS cluster security group, which the managed node groups' nodes carry.
      expect(r.inputs.securityGroupId).to.match(/^sg-/);
    }
  });

  it("the NAT instance may describe instances (to find the system node) and nothing more than before", async () => {
    const run = await runStack("dev");
    const policy = JSON.parse(
      String(one(run, "aws:iam/rolePolicy:RolePolicy", "network-nat-ingress").inputs.policy),
    );
    expect(policy.Statement).to.deep.equal([
      { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
    ]);
  });

  it("its boot script follows the oldest running system node of this cluster, by the tags its launch template gives", async () => {
    const run = await runStack("dev");
    const boot = Buffer.from(String(one(run, LT, "network-nat").inputs.userData), "base64").toString("utf8");
    const system = one(run, LT, "cluster-system").inputs.tagSpecifications[0].tags;
    expect(system["datavis.io/pool"]).to.equal("system");
    expect(boot).to.contain(`Name=tag:Name,Values=${system.Name}`);
    expect(boot).to.contain("Name=tag:datavis.io/pool,Values=system");
    expect(boot).to.contain("sort_by(Reservations[].Instances[], &LaunchTime)[0].PrivateIpAddress");
    expect(boot).to.contain("systemctl enable --now datavis-ingress-target.timer");
    expect(boot).to.contain("OnUnitActiveSec=15s");
  });

  it("the rules forward only the ingress ports inward, masqueraded, and drop every other new connection", () => {
    const rules = natRulesScript("10.0.0.0/16", { ports: [80, 443], targetTags: {} });
    expect(rules).to.contain(
      'iptables -t nat -A PREROUTING -i "$iface" -p tcp -m multiport --dports 80,443 -j DATAVIS-INGRESS',
    );
    expect(rules).to.contain(
      'iptables -t nat -A POSTROUTING -o "$iface" -d 10.0.0.0/16 -m conntrack --ctstate DNAT -j MASQUERADE',
    );
    expect(rules.trim().split("\n").pop()).to.equal("iptables -A FORWARD -j DROP");
    // Without ingress, no inward path at all.
    expect(natRulesScript("10.0.0.0/16")).not.to.contain("DNAT");
    expect(ingressTargetScript({ ports: [80], targetTags: { a: "b" } })).to.contain(
      "iptables-restore --noflush",
    );
  });

  it("ingressMode natInstance is refused without the NAT instance, naming the key and the fix", async () => {
    const e = await configError("dev", { natMode: "gateway", ingressMode: "natInstance" });
    expect(e.key).to.equal("datavis:ingressMode");
    expect(e.message).to.match(/needs natMode instance.*use loadBalancer/);
  });

  it("a dev stack with NAT gateways gets the NLB without being told (the default follows natMode)", async () => {
    const run = await runStack("dev", { natMode: "gateway" });
    expect(releases(run).has("aws-load-balancer-controller")).to.equal(true);
    expect(run.outputs.ingressHostname).to.match(/\.elb\.amazonaws\.com$/);
  });

  it("prod keeps the NLB", async () => {
    const run = await runStack("prod");
    expect(releases(run).has("aws-load-balancer-controller")).to.equal(true);
    expect(ofType(run, SG).map((r) => r.name)).not.to.include("network-nat-ingress");
  });
});
