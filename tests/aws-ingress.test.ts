import { expect } from "chai";
import { makePlan, parseArgs, planText } from "../tools/plan/plan";
import { releaseRequests } from "../tools/plan/estimates/chart-requests";
import { systemPoolFit } from "../tools/plan/estimates/system-pool";
import { subnetsById } from "../tools/plan/mock-outputs";
import { configError, one, planCli, releaseValues, releases, runStack, type ProgramRun } from "./harness";

const ANN = "service.beta.kubernetes.io/aws-load-balancer-";
const ZONE = "Z0123456789ABCDEFGHIJ";
/** dev's default ingress is the NAT instance (aws-nat-ingress.test.ts); these tests are about the NLB. */
const NLB = { ingressMode: "loadBalancer" };

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The inline policy of the IRSA role `name`, as statements. */
function rolePolicy(run: ProgramRun, name: string): Statement[] {
  const p = one(run, "aws:iam/rolePolicy:RolePolicy", name);
  return JSON.parse(String(p.inputs.policy)).Statement as Statement[];
}

const list = (x: string | string[]): string[] => (Array.isArray(x) ? x : [x]);

describe("aws ingress: the AWS Load Balancer Controller makes an NLB for Traefik", () => {
  it("Traefik's Service asks the controller for an internet-facing NLB with IP targets that keeps client IPs", async () => {
    const ann = releaseValues(await runStack("dev", NLB), "traefik").service?.annotations;
    expect(ann).to.deep.include({
      [`${ANN}type`]: "external",
      [`${ANN}nlb-target-type`]: "ip",
      [`${ANN}scheme`]: "internet-facing",
      [`${ANN}target-group-attributes`]: "preserve_client_ip.enabled=true",
    });
  });

  for (const [stack, zones] of [
    ["dev", 1],
    ["prod", 2],
  ] as const)
    it(`${stack}: the NLB has a node (and a billed address) only in the ${zones} zone(s) of the system nodes, where Traefik runs`, async () => {
      const run = await runStack(stack, stack === "dev" ? NLB : {});
      const subnets = subnetsById(run.resources);
      const systemZones = run.resources
        .filter(
          (r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.inputs.labels["datavis.io/pool"] === "system",
        )
        .flatMap((g) => g.inputs.subnetIds.map((id: string) => subnets.get(id)!.inputs.availabilityZoneId));
      const named = String(releaseValues(run, "traefik").service?.annotations[`${ANN}subnets`] ?? "")
        .split(",")
        .filter(Boolean)
        .map((id) => subnets.get(id));
      expect(
        named.map((s) => `${s?.name.replace(/-\d+$/, "")} ${s?.inputs.availabilityZoneId}`),
      ).to.have.members(systemZones.map((z) => `network-public ${z}`));
      expect(named).to.have.lengthOf(zones);
    });

  it("prod's Traefik replicas are spread over the zones, so each zone of the NLB has a target when it can", async () => {
    const v = releaseValues(await runStack("prod"), "traefik");
    expect(v.deployment.replicas).to.be.greaterThan(1);
    expect(v.topologySpreadConstraints).to.deep.equal([
      {
        labelSelector: { matchLabels: { "app.kubernetes.io/name": '{{ template "traefik.name" . }}' } },
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
      },
    ]);
  });

  it("Traefik's release waits for the controller, so the cloud provider never takes its Service", async () => {
    const run = await runStack("dev", NLB);
    const controller = releases(run).get("aws-load-balancer-controller");
    expect(controller, "controller release").to.exist;
    expect(releases(run).get("traefik")!.dependencies).to.include(controller!.urn);
  });

  it("the controller runs on the system pool in kube-system, under its own IRSA service account", async () => {
    const run = await runStack("dev", NLB);
    const r = releases(run).get("aws-load-balancer-controller")!;
    expect(r.inputs.namespace).to.equal("kube-system");
    expect(r.inputs.version).to.equal("3.5.0");
    const v = r.inputs.values;
    expect(v.nodeSelector).to.deep.equal({ "datavis.io/pool": "system" });
    expect(v.clusterName).to.equal("datavis-dev");
    expect(v.serviceAccount.name).to.equal("aws-load-balancer-controller");
    expect(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).to.match(
      /^arn:aws:iam::\d{12}:role\//,
    );
    const trust = JSON.parse(
      String(one(run, "aws:iam/role:Role", "load-balancer-controller").inputs.assumeRolePolicy),
    );
    const sub = Object.entries(trust.Statement[0].Condition.StringEquals).find(([k]) => k.endsWith(":sub"));
    expect(sub?.[1]).to.equal("system:serviceaccount:kube-system:aws-load-balancer-controller");
  });

  it("the controller's role writes only to load balancers and security groups tagged for this cluster, or its VPC", async () => {
    const run = await runStack("dev", NLB);
    const statements = rolePolicy(run, "load-balancer-controller");
    const write = (a: string) =>
      /^(ec2|elasticloadbalancing):/.test(a) && !/^(ec2|elasticloadbalancing):(Describe|Get)/.test(a);
    for (const s of statements) {
      const writes = list(s.Action).filter(write);
      if (!writes.length) continue;
      const resources = list(s.Resource);
      const condition = JSON.stringify(s.Condition ?? {});
      // Scoped by this cluster's tag value (upstream only asks that some cluster's tag exist) ...
      const tagged = condition.includes("datavis-dev");
      // ... or to one VPC, or to listeners of network load balancers (a listener carries no tag when it is
      // made): never an untagged write, tags included, on a load balancer or security group.
      const oneVpc = resources.every((r) => /:vpc\/vpc-[0-9a-f]+$/.test(r));
      const listenersOnly =
        resources.every((r) => /:(loadbalancer|listener)\/net\//.test(r)) &&
        writes.every((a) => /Listener/.test(a) || resources.every((r) => /:listener\/net\//.test(r)));
      expect(
        tagged || oneVpc || listenersOnly,
        `${s.Sid}: ${writes.join(", ")} on ${resources.join(", ")}`,
      ).to.equal(true);
      if (writes.some((a) => a.startsWith("ec2:")))
        expect(tagged || oneVpc, `${s.Sid}: EC2 writes without this cluster's tag`).to.equal(true);
      // Retagging what this cluster owns may not rewrite the cluster tag (to hand it to another cluster).
      if (
        s.Condition?.StringEquals?.["aws:ResourceTag/elbv2.k8s.aws/cluster"] &&
        writes.some((a) => /Tags$/.test(a))
      )
        expect(s.Condition.Null, s.Sid).to.deep.equal({ "aws:RequestTag/elbv2.k8s.aws/cluster": "true" });
    }
    // No ALB-only services (WAF, Shield, Cognito, certificates): the controller serves Services only.
    const actions = statements.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => /^(waf|wafv2|waf-regional|shield|cognito-idp|acm|iam:.*ServerCert)/.test(a)))
      .to.be.empty;
  });

  it("the controller's pods are counted against the system pool", async () => {
    const run = await runStack("dev", NLB);
    const r = releases(run).get("aws-load-balancer-controller")!;
    const got = releaseRequests(String(r.inputs.chart), r.inputs.values, { release: "lbc", nodeCount: 1 });
    expect(got.unknown).to.be.empty;
    expect(got.requests).to.deep.equal([
      { component: "lbc/controller", pods: 1, cpuMilli: 50, memoryMi: 128, kind: "steady" },
    ]);
    const fit = systemPoolFit(run)!;
    // 26 before the controller (1 x t3.large, dev): its replica is in the count.
    expect(fit.platform.pods).to.equal(27);
    expect(fit.fits).to.equal(true);
  });

  for (const [stack, nodes] of [
    ["dev", 1],
    ["prod", 2],
  ] as const) {
    it(`${stack}: one load balancer controller per system node (${nodes}), not a second one on dev's only node`, async () => {
      const run = await runStack(stack, stack === "dev" ? NLB : {});
      expect(releaseValues(run, "aws-load-balancer-controller").replicaCount).to.equal(nodes);
      expect(systemPoolFit(run)!.minNodes).to.equal(nodes);
    });
  }

  it("the stack outputs the load balancer's host name, and the plan lists it among the outputs", async () => {
    const run = await runStack("dev", NLB);
    expect(run.outputs.ingressHostname).to.match(/\.elb\.amazonaws\.com$/);
    const text = planText(
      await makePlan(parseArgs(["--stack", "dev", "--config", "ingressMode=loadBalancer"])),
    );
    expect(text).to.match(/Stack outputs .*ingressHostname/);
  });

  it("edge keeps k3s's own load balancer: no controller, no NLB annotations", async () => {
    const run = await runStack("edge", { installIngress: "true" });
    expect(releases(run).has("aws-load-balancer-controller")).to.equal(false);
    expect(releaseValues(run, "traefik").service).to.equal(undefined);
    expect(run.outputs.ingressHostname).to.equal(undefined);
  });
});

describe("aws ingress: ExternalDNS behind externalDnsZoneId", () => {
  it("is off by default: no ExternalDNS release or role", async () => {
    for (const stack of ["dev", "prod"]) {
      const run = await runStack(stack);
      expect(releases(run).has("external-dns"), stack).to.equal(false);
      expect(
        run.resources.some((r) => r.type === "datavis:aws:ExternalDns"),
        stack,
      ).to.equal(false);
    }
  });

  it("with a zone ID it runs on the system pool, owns records as the stack and only in that zone's domain", async () => {
    const v = releaseValues(await runStack("dev", { externalDnsZoneId: ZONE }), "external-dns");
    expect(v.txtOwnerId).to.equal("datavis-dev");
    expect(v.domainFilters).to.deep.equal(["dev.datavis.example.org"]);
    expect(v.extraArgs).to.deep.equal([`--zone-id-filter=${ZONE}`]);
    expect(v.sources).to.deep.equal(["ingress"]);
    expect(v.nodeSelector).to.deep.equal({ "datavis.io/pool": "system" });
    expect(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).to.match(/^arn:aws:iam::/);
  });

  it("its role may change records only in that hosted zone, and only names under the domain", async () => {
    const statements = rolePolicy(await runStack("dev", { externalDnsZoneId: ZONE }), "external-dns");
    const change = statements.filter((s) => list(s.Action).includes("route53:ChangeResourceRecordSets"));
    expect(change).to.have.lengthOf(1);
    expect(change[0].Resource).to.equal(`arn:aws:route53:::hostedzone/${ZONE}`);
    expect(change[0].Condition).to.deep.equal({
      "ForAllValues:StringLike": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
          "dev.datavis.example.org",
          "*.dev.datavis.example.org",
        ],
      },
    });
    // Only ListHostedZones (which has no resource-level permission) is on "*".
    const star = statements.filter((s) => list(s.Resource).includes("*")).flatMap((s) => list(s.Action));
    expect(star).to.deep.equal(["route53:ListHostedZones"]);
  });

  for (const bad of ["/hostedzone/Z0123456789ABCDEFGHIJ", "z0123456789abcdefghij", "example.org"])
    it(`a malformed zone ID (${bad}) stops the plan with exit 2 and one line naming externalDnsZoneId`, async () => {
      const err = await configError("dev", { externalDnsZoneId: bad });
      expect(err.key).to.equal("datavis:externalDnsZoneId");
      expect(err.message).to.contain("Route 53 hosted zone ID");
      if (bad !== "example.org") return;
      const r = planCli(["--stack", "dev", "--json", "--config", `externalDnsZoneId=${bad}`]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr.trim().split("\n")).to.have.lengthOf(1);
      expect(r.stderr).to.contain("datavis:externalDnsZoneId");
    });
});
