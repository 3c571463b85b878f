/**
 * The policy pack's verdicts on the shipped dev, prod and edge stacks: no mandatory violation, every
 * advisory one explained, NetworkPolicy enforcement judged on the shipped cluster, and one change to a
 * shipped stack's real resources trips one rule.
 */
import { expect } from "chai";
import { allRules } from "../policies/rules";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { runStack, type ProgramRun, type RecordedResource } from "./harness";
import { read } from "./lib/policy-pack";

describe("policy pack verdicts on the shipped stacks", () => {
  const readme = () => read("README.md");
  for (const stack of ["dev", "prod", "edge"]) {
    it(`the ${stack} plan shows no mandatory violation, and every advisory one is explained in policies/README.md`, async () => {
      const run = await runStack(stack);
      const v = await evaluatePolicies(run);
      const mandatory = v
        .filter((x) => x.level === "mandatory")
        .map((x) => `${x.policy} (${x.resource}): ${x.message}`);
      expect(mandatory).to.deep.equal([]);
      const explained = (readme().split("## Advisory findings")[1] ?? "")
        .split("\n")
        .filter((l) => l.startsWith("- `"));
      for (const a of v.filter((x) => x.level === "advisory")) {
        const line = explained.find((l) => l.startsWith(`- \`${a.policy}\``) && l.includes(stack));
        expect(line, `policies/README.md explains advisory ${a.policy} on ${stack}: ${a.message}`).to.exist;
      }
    });
  }
});

/** A copy of a plan with one change, to show a rule judges the program's real resources. */
function mutated(run: ProgramRun, change: (resources: RecordedResource[]) => RecordedResource[]): ProgramRun {
  return { ...run, resources: change(run.resources.map((r) => structuredClone(r))) };
}

function editFirst(type: string, edit: (r: RecordedResource) => void) {
  return (resources: RecordedResource[]) => {
    const r = resources.find((x) => x.type === type);
    expect(r, `the plan has a ${type}`).to.exist;
    edit(r!);
    return resources;
  };
}

const without = (type: string) => (resources: RecordedResource[]) => {
  expect(
    resources.some((r) => r.type === type),
    `the plan has a ${type}`,
  ).to.be.true;
  return resources.filter((r) => r.type !== type);
};

describe("NetworkPolicy enforcement is judged on the shipped cluster (issue 13 item 3)", () => {
  const withCni = (vpcCniOptions: Record<string, unknown> | undefined) =>
    editFirst("eks:index:Cluster", (r) => {
      if (vpcCniOptions === undefined) delete r.inputs.vpcCniOptions;
      else r.inputs.vpcCniOptions = vpcCniOptions;
      delete r.displayInputs?.vpcCniOptions;
    });
  const rules = () => allRules.filter((r) => r.name === "k8s-network-policies-enforced");

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: the cluster without vpcCniOptions.enableNetworkPolicy fails, with it passes`, async () => {
      const run = await runStack(stack);
      expect(run.resources.some((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")).to.be
        .true;
      const off = await evaluatePolicies(mutated(run, withCni(undefined)), rules());
      expect(off.map((v) => `${v.level} ${v.resource}`)).to.deep.equal(["mandatory cluster-eks"]);
      const on = await evaluatePolicies(mutated(run, withCni({ enableNetworkPolicy: true })), rules());
      expect(on).to.deep.equal([]);
    });
  }

  it("edge: k3s enforces NetworkPolicies itself; the rule has nothing to judge", async () => {
    const run = await runStack("edge");
    expect(await evaluatePolicies(run, rules())).to.deep.equal([]);
  });
});

describe("policy pack judges the shipped stacks' real resources (one change trips one rule)", () => {
  const cases: [string, string, (resources: RecordedResource[]) => RecordedResource[]][] = [
    [
      "prod",
      "s3-bucket-public-access-blocked",
      without("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    ],
    ["prod", "s3-bucket-tls-only", without("aws:s3/bucketPolicy:BucketPolicy")],
    ["prod", "s3-notebook-bucket-versioning", without("aws:s3/bucketVersioning:BucketVersioning")],
    [
      "prod",
      "rds-postgres-force-ssl",
      editFirst("aws:rds/parameterGroup:ParameterGroup", (r) => (r.inputs.parameters = [])),
    ],
    [
      "prod",
      "rds-multi-az-in-production",
      editFirst("aws:rds/instance:Instance", (r) => (r.inputs.multiAz = false)),
    ],
    [
      "prod",
      "production-stateful-resources-protected",
      editFirst("aws:rds/instance:Instance", (r) => (r.protect = false)),
    ],
    [
      "prod",
      "eks-endpoint-not-open-to-internet",
      editFirst("eks:index:Cluster", (r) => {
        r.inputs.endpointPublicAccess = true;
        r.inputs.publicAccessCidrs = ["0.0.0.0/0"];
      }),
    ],
    [
      "prod",
      "eks-nodes-imdsv2",
      editFirst(
        "aws:ec2/launchTemplate:LaunchTemplate",
        (r) => (r.inputs.metadataOptions.httpTokens = "optional"),
      ),
    ],
    ["prod", "vpc-flow-logs-enabled", without("aws:ec2/flowLog:FlowLog")],
    ["prod", "k8s-tenant-resource-quota", without("kubernetes:core/v1:ResourceQuota")],
    [
      "prod",
      "k8s-no-privilege-escalation",
      editFirst(
        "kubernetes:batch/v1:Job",
        (r) => delete r.inputs.spec.template.spec.containers[0].securityContext,
      ),
    ],
    [
      "edge",
      "edge-images-arm64",
      editFirst(
        "kubernetes:batch/v1:Job",
        (r) => (r.inputs.spec.template.spec.containers[0].image = "docker.io/x/amd64-only:1"),
      ),
    ],
  ];
  for (const [stack, ruleName, change] of cases) {
    it(`${stack}: ${ruleName}`, async () => {
      const run = await runStack(stack);
      const rules = allRules.filter((r) => r.name === ruleName);
      expect(await evaluatePolicies(run, rules), "before the change").to.deep.equal([]);
      const after = await evaluatePolicies(mutated(run, change), rules);
      expect(
        after.filter((v) => v.level === "mandatory"),
        "after the change",
      ).to.not.be.empty;
    });
  }
});
