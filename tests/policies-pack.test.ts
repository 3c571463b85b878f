/**
 * The policy pack as a whole: its package, the metadata every rule carries, the offline evaluator's
 * fidelity to the Pulumi engine, and the verdicts on the shipped dev, prod and edge stacks.
 */
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { ARM64_CHARTS, ARM64_IMAGES } from "../policies/arm64-images";
import { imageKey, parseImage } from "../policies/lib-images";
import { allPolicies, allRules } from "../policies/rules";
import { IMAGES } from "../components/versions";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { record } from "./fixtures/policies/record";
import { runStack, type ProgramRun, type RecordedResource } from "./harness";

const POLICIES = path.join(__dirname, "..", "policies");
const read = (f: string) => fs.readFileSync(path.join(POLICIES, f), "utf8");

describe("policy pack: package and metadata", () => {
  it("is its own package pinning @pulumi/policy 1.21.0 and @pulumi/pulumi 3.270.0 exactly", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.dependencies).to.deep.equal({ "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.270.0" });
    expect(read("PulumiPolicy.yaml")).to.match(/^runtime: nodejs$/m);
    expect(fs.existsSync(path.join(POLICIES, "package-lock.json")), "policies/package-lock.json").to.be.true;
  });

  it("index.ts constructs the PolicyPack from allPolicies; rules.ts only declares them", () => {
    expect(read("index.ts")).to.match(/new PolicyPack\("datavis-platform", \{[\s\S]*policies: allPolicies/);
    const sources = fs.readdirSync(POLICIES).filter((f) => f.endsWith(".ts") && f !== "index.ts");
    expect(sources).to.include.members([
      "rules.ts",
      "aws.ts",
      "kubernetes.ts",
      "stack.ts",
      "lib.ts",
      "arm64-images.ts",
    ]);
    for (const f of sources) {
      const src = read(f);
      expect(src, f).to.not.match(/new PolicyPack\(/);
      // Runtime imports of @pulumi/policy would start the SDK's gRPC module; types only.
      expect(src, f).to.not.match(/^import (?!type )[^;]*from "@pulumi\/policy"/m);
    }
  });

  it("has at least 25 rules with unique names", () => {
    expect(allPolicies.length).to.be.at.least(25);
    const names = allPolicies.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
  });

  it("every rule says why, has an explicit enforcement level and names its control", () => {
    for (const r of allRules) {
      expect(r.description.length, r.name).to.be.greaterThan(60);
      expect(r.enforcementLevel, r.name).to.be.oneOf(["advisory", "mandatory"]);
      expect(r.framework.name, r.name).to.not.be.empty;
      expect(r.framework.reference, r.name).to.not.be.empty;
      expect(
        ("validateResource" in r && !!r.validateResource) || ("validateStack" in r && !!r.validateStack),
        r.name,
      ).to.be.true;
    }
  });

  it("README lists every rule with its control, and says where rules come from", () => {
    const readme = read("README.md");
    for (const r of allRules) {
      const row = readme.split("\n").find((l) => l.includes(`\`${r.name}\``));
      expect(row, `README row for ${r.name}`).to.exist;
      expect(row, r.name).to.include(r.framework.reference);
      expect(row, r.name).to.include(r.enforcementLevel!);
    }
    expect(readme).to.match(/@pulumi\/awsguard/);
  });

  it("every rule has a violating and a complying fixture in tests/policies*.test.ts", () => {
    const files = fs
      .readdirSync(__dirname)
      .filter((f) => /^policies(-[a-z0-9]+)?\.test\.ts$/.test(f) && !/-(pack|analyzer)\./.test(f));
    for (const r of allRules) {
      const uses = files.filter((f) =>
        fs.readFileSync(path.join(__dirname, f), "utf8").includes(`"${r.name}"`),
      );
      expect(uses, r.name).to.not.be.empty;
    }
  });

  it("no policy source file is over 300 lines (split by concern)", () => {
    for (const f of fs.readdirSync(POLICIES).filter((x) => x.endsWith(".ts"))) {
      const lines = read(f).split("\n").length;
      expect(lines, f).to.be.at.most(300);
    }
  });

  it("every image pinned in versions.ts is on the checked arm64 list, each entry saying how it was checked", () => {
    const listed = new Set(ARM64_IMAGES.map((i) => i.image));
    for (const [key, image] of Object.entries(IMAGES)) {
      expect(listed.has(imageKey(parseImage(image))), `IMAGES.${key} = ${image}`).to.be.true;
    }
    for (const e of [...ARM64_IMAGES, ...ARM64_CHARTS]) expect(e.verifiedBy.length).to.be.greaterThan(20);
  });
});

/** A policy that records what the evaluator hands it, for the fidelity tests. */
function probe(seen: any[]): ResourceValidationPolicy {
  return {
    name: "probe",
    description: "records its arguments",
    enforcementLevel: "advisory",
    validateResource: (args) => {
      seen.push({
        type: args.type,
        name: args.name,
        opts: args.opts,
        env: args.stackTags.get("datavis:environment"),
        target: args.stackTags.get("datavis:target"),
        provider: args.provider?.type,
      });
    },
  };
}

describe("policy evaluation offline mirrors the engine", () => {
  it("a policy gets the resource's options as the analyzer sends them: protect, parent, no retainOnDelete", async () => {
    const seen: any[] = [];
    const run = await record(() => {
      new aws.kms.Key("k", { enableKeyRotation: true }, { protect: true, retainOnDelete: true });
    });
    await evaluatePolicies(run, [probe(seen)]);
    const key = seen.find((s) => s.name === "k");
    expect(key.opts.protect).to.be.true;
    expect(key.opts).to.not.have.property("retainOnDelete");
  });

  it("stack tags carry datavis:environment and datavis:target", async () => {
    const seen: any[] = [];
    const run = await record(() => new aws.kms.Key("k", { enableKeyRotation: true }), {
      environment: "prod",
      target: "aws",
    });
    await evaluatePolicies(run, [probe(seen)]);
    expect(seen[0]).to.include({ env: "prod", target: "aws" });
  });

  it("a resource's explicit provider is handed to the policy", async () => {
    const seen: any[] = [];
    const run = await record(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      new k8s.core.v1.Namespace("ns", { metadata: { name: "ns" } }, { provider });
    });
    await evaluatePolicies(run, [probe(seen)]);
    expect(seen.find((s) => s.name === "ns").provider).to.equal("pulumi:providers:kubernetes");
  });

  it("reading a value unknown during preview gives the SDK's advisory 'can't run', not a verdict", async () => {
    const reads: ResourceValidationPolicy = {
      name: "reads-arn",
      description: "reads a KMS key ARN directly",
      enforcementLevel: "mandatory",
      validateResource: (args, report) => {
        if (args.type === "aws:eks/cluster:Cluster" && !args.props.encryptionConfig.provider.keyArn)
          report("no key");
      },
    };
    const run = await record(
      () => {
        const key = new aws.kms.Key("k", { enableKeyRotation: true });
        new aws.eks.Cluster("eks", {
          roleArn: "arn:aws:iam::123456789012:role/eks",
          vpcConfig: { subnetIds: ["subnet-1"] },
          encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
        });
      },
      {},
      ["aws:kms/key:Key"],
    );
    const v = await evaluatePolicies(run, [reads]);
    expect(v).to.have.lengthOf(1);
    expect(v[0].level).to.equal("advisory");
    expect(v[0].message).to.match(
      /can't run policy 'reads-arn' during preview: .*encryptionConfig\.provider\.keyArn/,
    );
  });

  it("stack policies see parents and dependencies as resources; disabled policies do not run", async () => {
    const run = await record(() => {
      const b = new aws.s3.Bucket("b", {});
      new aws.s3.BucketPublicAccessBlock("b", { bucket: b.id, blockPublicAcls: true });
    });
    let deps: string[] = [];
    const stack: StackValidationPolicy = {
      name: "deps",
      description: "records dependencies",
      enforcementLevel: "mandatory",
      validateStack: (args) => {
        deps = args.resources
          .filter((r) => r.type.includes("PublicAccessBlock"))
          .flatMap((r) => r.dependencies.map((d) => d.type));
      },
    };
    const disabled: StackValidationPolicy = {
      name: "off",
      description: "never runs",
      enforcementLevel: "disabled",
      validateStack: (_args, report) => report("ran"),
    };
    expect(await evaluatePolicies(run, [stack, disabled])).to.deep.equal([]);
    expect(deps).to.deep.equal(["aws:s3/bucket:Bucket"]);
  });
});

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
