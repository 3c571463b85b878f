import { expect } from "chai";
import { KUBERNETES_VERSION, CHARTS, IMAGES } from "../components/versions";
import { systemPoolFit } from "../tools/plan/estimates/system-pool";
import { configError, ofType, one, releaseValues, runStack, type ProgramRun } from "./harness";

/** Same overrides as aws-network.test.ts, so the harness evaluates this variant once. */
const SMALL_PRIVATE = { azCount: "2", apiAllowedCidrs: "[]" };
const EKS = "eks:index:Cluster";
/** An operator's public address (a real, routable range: documentation ranges are refused by config). */
const OPERATOR = "81.2.69.160/32";
const ADMINS = "arn:aws:iam::210987654320:role/platform-admins";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

function group(run: ProgramRun, pool: string) {
  // System and notebook groups are one per zone (cluster-notebooks-0, -1, ...): the first stands for them all.
  return one(run, NODE_GROUP, pool === "spark" ? "cluster-spark" : `cluster-${pool}-0`).inputs;
}

describe("aws cluster (dev)", () => {
  it("the EKS API is not open to the internet: private endpoint on, public only for apiAllowedCidrs", async () => {
    const eks = one(await runStack("dev", { apiAllowedCidrs: JSON.stringify([OPERATOR]) }), EKS).inputs;
    expect(eks.endpointPrivateAccess).to.equal(true);
    expect(eks.endpointPublicAccess).to.equal(true);
    expect(eks.publicAccessCidrs).to.deep.equal([OPERATOR]);
  });

  it("an empty apiAllowedCidrs turns the public endpoint off", async () => {
    const eks = one(await runStack("dev", SMALL_PRIVATE), EKS).inputs;
    expect(eks.endpointPublicAccess).to.equal(false);
    expect(eks.endpointPrivateAccess).to.equal(true);
    expect(eks.publicAccessCidrs).to.equal(undefined);
  });

  it("runs the pinned Kubernetes version with secrets encrypted by a rotated customer-managed key", async () => {
    const run = await runStack("dev");
    const eks = one(run, EKS).inputs;
    expect(eks.version).to.equal(KUBERNETES_VERSION);
    const key = one(run, "aws:kms/key:Key", "cluster-secrets");
    expect(eks.encryptionConfigKeyArn).to.contain("cluster-secrets");
    expect(key.inputs.enableKeyRotation).to.equal(true);
  });

  it("control-plane audit logs go to a log group kept auditLogRetentionDays (90 in dev)", async () => {
    const run = await runStack("dev");
    const eks = one(run, EKS).inputs;
    expect(eks.enabledClusterLogTypes).to.include.members(["api", "audit", "authenticator"]);
    const logs = one(run, "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane").inputs;
    expect(logs.name).to.equal(`/aws/eks/${eks.name}/cluster`);
    expect(logs.retentionInDays).to.equal(90);
  });

  it("authenticates through access entries only, and the default node group is not created", async () => {
    const eks = one(await runStack("dev"), EKS).inputs;
    expect(eks.authenticationMode).to.equal("API");
    expect(eks.skipDefaultNodeGroup).to.equal(true);
  });

  it("the system group is always up; notebook and Spark groups are spot, start at 0 and are tainted", async () => {
    const run = await runStack("dev");
    const system = group(run, "system");
    expect(system.scalingConfig.minSize).to.equal(1);
    expect(system.taints ?? []).to.be.empty;
    for (const pool of ["notebooks", "spark"]) {
      const g = group(run, pool);
      expect(g.capacityType, pool).to.equal("SPOT");
      expect(g.scalingConfig, pool).to.include({ minSize: 0, desiredSize: 0 });
      // notebookMaxNodes / sparkMaxNodes (10) is the pool's total: the three per-zone notebook groups share it.
      const total = ofType(run, NODE_GROUP)
        .filter((x) => x.inputs.labels["datavis.io/pool"] === pool)
        .reduce((s, x) => s + x.inputs.scalingConfig.maxSize, 0);
      expect(total, pool).to.be.within(10, 12);
      expect(g.instanceTypes.length, pool).to.be.greaterThan(1);
      expect(g.labels["datavis.io/pool"]).to.equal(pool);
      expect(g.taints).to.deep.equal([{ key: "datavis.io/pool", value: pool, effect: "NO_SCHEDULE" }]);
    }
  });

  it("dev's system node is spot, drawn from every type of its shape and architecture (systemNodeCapacity)", async () => {
    const system = group(await runStack("dev"), "system");
    expect(system.capacityType).to.equal("SPOT");
    // t4g.large's shape (2 vCPUs, 8 GiB, arm64): a reclaimed node comes back from whichever pool has room.
    expect(system.instanceTypes).to.deep.equal(["t4g.large", "m6g.large", "m7g.large"]);
    const onDemand = group(await runStack("dev", { systemNodeCapacity: "onDemand" }), "system");
    expect(onDemand.capacityType).to.equal("ON_DEMAND");
    expect(onDemand.instanceTypes).to.deep.equal(["t4g.large"]);
  });

  it("prod refuses a spot system node, naming the key and why", async () => {
    const e = await configError("prod", { systemNodeCapacity: "spot" });
    expect(e.key).to.equal("datavis:systemNodeCapacity");
    expect(e.message).to.match(/hub, Prometheus and CoreDNS down.*prod uses onDemand/);
  });

  it("Cluster Autoscaler can build a notebook or Spark node from zero: the ASGs carry label and taint templates", async () => {
    const run = await runStack("dev");
    const tags = ofType(run, "aws:autoscaling/tag:Tag").map((t) => t.inputs);
    for (const pool of ["notebooks", "spark"]) {
      const groups = ofType(run, NODE_GROUP).filter(
        (g) => g.inputs.labels["datavis.io/pool"] === pool,
      ).length;
      const asg = tags.filter((t) => t.tag.key.endsWith("datavis.io/pool") && t.tag.value.startsWith(pool));
      expect(asg.map((t) => t.tag.key).sort(), pool).to.deep.equal([
        ...Array(groups).fill("k8s.io/cluster-autoscaler/node-template/label/datavis.io/pool"),
        ...Array(groups).fill("k8s.io/cluster-autoscaler/node-template/taint/datavis.io/pool"),
      ]);
      expect(asg.every((t) => t.autoscalingGroupName.startsWith("eks-"))).to.equal(true);
    }
  });

  it("every node requires IMDSv2 and pods cannot reach the metadata service (hop limit 1)", async () => {
    const run = await runStack("dev");
    // The three node groups' templates and the NAT instance's.
    const templates = ofType(run, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(templates).to.have.lengthOf(4);
    for (const t of templates) {
      expect(t.inputs.metadataOptions, t.name).to.include({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
      expect(t.inputs.blockDeviceMappings[0].ebs.encrypted).to.equal("true");
    }
    for (const g of ofType(run, NODE_GROUP)) expect(g.inputs.launchTemplate.id, g.name).to.be.a("string");
  });

  it("Cluster Autoscaler is the pinned chart, runs as non-root, and its IRSA role may resize only this cluster's groups", async () => {
    const run = await runStack("dev");
    const release = ofType(run, "kubernetes:helm.sh/v3:Release").find(
      (r) => r.inputs.name === "cluster-autoscaler",
    )!;
    expect(release.inputs.version).to.equal(CHARTS.clusterAutoscaler.version);
    const values = releaseValues(run, "cluster-autoscaler");
    expect(`${values.image.repository}:${values.image.tag}`).to.equal(IMAGES.clusterAutoscaler);
    expect(values.image.tag).to.match(new RegExp(`^v${KUBERNETES_VERSION.replace(".", "\\.")}\\.`));
    expect(values.autoDiscovery.clusterName).to.equal("datavis-dev");
    expect(values.securityContext.runAsNonRoot).to.equal(true);
    const sa = values.rbac.serviceAccount;
    expect(sa.annotations["eks.amazonaws.com/role-arn"]).to.contain("cluster-cluster-autoscaler");
    const policy = JSON.parse(
      one(run, "aws:iam/rolePolicy:RolePolicy", "cluster-cluster-autoscaler").inputs.policy,
    );
    const resize = policy.Statement.find((s: any) => s.Action.includes("autoscaling:SetDesiredCapacity"));
    expect(resize.Condition.StringEquals).to.deep.equal({
      "aws:ResourceTag/k8s.io/cluster-autoscaler/datavis-dev": "owned",
    });
  });

  it("the default StorageClass is encrypted gp3 from the EBS CSI add-on, whose controller uses IRSA", async () => {
    const run = await runStack("dev");
    const sc = one(run, "kubernetes:storage.k8s.io/v1:StorageClass", "cluster-gp3-encrypted").inputs;
    expect(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).to.equal("true");
    expect(sc.provisioner).to.equal("ebs.csi.aws.com");
    expect(sc.parameters).to.include({ type: "gp3", encrypted: "true" });
    expect(sc.reclaimPolicy).to.equal("Delete");
    const addon = one(run, "aws:eks/addon:Addon", "cluster-ebs-csi").inputs;
    expect(addon.addonName).to.equal("aws-ebs-csi-driver");
    expect(addon.serviceAccountRoleArn).to.contain("cluster-ebs-csi");
    const trust = JSON.parse(one(run, "aws:iam/role:Role", "cluster-ebs-csi").inputs.assumeRolePolicy);
    const sub = Object.entries(trust.Statement[0].Condition.StringEquals).find(([k]) => k.endsWith(":sub"));
    expect(sub?.[1]).to.equal("system:serviceaccount:kube-system:ebs-csi-controller-sa");
  });

  it("dev can be torn down: no cluster deletion protection, nothing protected", async () => {
    const run = await runStack("dev");
    expect(one(run, EKS).inputs.deletionProtection).to.equal(false);
    expect(run.resources.filter((r) => r.type.startsWith("aws:") && r.protect).map((r) => r.name)).to.be
      .empty;
  });
});

describe("aws cluster (prod)", () => {
  it("prod logs every control-plane log type and keeps them 365 days", async () => {
    const run = await runStack("prod");
    expect(one(run, EKS).inputs.enabledClusterLogTypes).to.have.members([
      "api",
      "audit",
      "authenticator",
      "controllerManager",
      "scheduler",
    ]);
    expect(
      one(run, "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane").inputs.retentionInDays,
    ).to.equal(365);
  });

  it("clusterAdminArns become cluster-admin access entries", async () => {
    const eks = one(await runStack("prod", { clusterAdminArns: JSON.stringify([ADMINS]) }), EKS).inputs;
    const entries = Object.values(eks.accessEntries) as any[];
    expect(entries).to.have.lengthOf(1);
    expect(entries[0].principalArn).to.equal(ADMINS);
    expect(Object.values(entries[0].accessPolicies)[0]).to.deep.include({
      policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    });
  });

  it("prod has two system nodes, cluster deletion protection and volumes that outlive their claims", async () => {
    const run = await runStack("prod");
    const system = ofType(run, NODE_GROUP).filter((g) => g.inputs.labels["datavis.io/pool"] === "system");
    expect(system.reduce((n, g) => n + g.inputs.scalingConfig.minSize, 0)).to.equal(2);
    expect(system.map((g) => g.inputs.capacityType)).to.deep.equal(["ON_DEMAND", "ON_DEMAND"]);
    expect(one(run, EKS).inputs.deletionProtection).to.equal(true);
    expect(
      one(run, "kubernetes:storage.k8s.io/v1:StorageClass", "cluster-gp3-encrypted").inputs.reclaimPolicy,
    ).to.equal("Retain");
  });

  it("the explicit AWS provider (defaultTags, credentials) reaches the EKS control plane, not the default one", async () => {
    const run = await runStack("dev");
    const eks = one(run, EKS);
    const provider = one(run, "pulumi:providers:aws", "aws");
    expect(eks.providers?.aws, "providers given to eks:index:Cluster").to.be.a("string");
    // A provider reference is `<urn>::<id>`.
    const ref = eks.providers!.aws;
    expect(ref.slice(0, ref.lastIndexOf("::"))).to.equal(provider.urn);
  });

  it("the VPC CNI enforces the tenants' NetworkPolicies and hands out prefixes (110 pods on a system node)", async () => {
    const eks = one(await runStack("dev"), EKS).inputs;
    expect(eks.useDefaultVpcCni).to.equal(false);
    expect(eks.vpcCniOptions).to.include({ enableNetworkPolicy: true, enablePrefixDelegation: true });
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: a system node keeps kube-reserved memory for the 40 pods it may run, not for the CNI's 110`, async () => {
      const run = await runStack(stack);
      const template = (pool: string) =>
        one(run, "aws:ec2/launchTemplate:LaunchTemplate", `cluster-${pool}`).inputs;
      // The system pool's launch template hands nodeadm a NodeConfig whose maxPodsExpression sets both.
      const userData = Buffer.from(String(template("system").userData ?? ""), "base64").toString("utf8");
      expect(userData).to.match(/Content-Type: application\/node\.eks\.aws/);
      expect(userData).to.match(/kind: NodeConfig[\s\S]*maxPodsExpression: "40"/);
      // Notebook and Spark nodes keep the CNI's 110 slots (many small user pods).
      expect(template("notebooks").userData).to.equal(undefined);
      expect(template("spark").userData).to.equal(undefined);
      // What the plan counts the platform against: 8 GiB or 16 GiB minus 11 MiB x 40 + 255 MiB and eviction.
      const fit = systemPoolFit(run)!;
      expect(fit.perNode.pods).to.equal(40);
      expect(fit.perNode.memoryMi).to.equal(stack === "dev" ? 8192 - 695 - 100 : 16384 - 695 - 100);
      expect(fit.fits).to.equal(true);
    });
  }

  it("the cluster stays in standard support and every add-on (CoreDNS included) is managed and held at a version", async () => {
    const run = await runStack("dev");
    const eks = one(run, EKS).inputs;
    expect(eks.upgradePolicy).to.deep.equal({ supportType: "STANDARD" });
    // Pinned builds from the versions module, not EKS's default of the day resolved at deploy.
    expect(eks.vpcCniOptions.addonVersion).to.equal("v1.22.4-eksbuild.3");
    expect(eks.corednsAddonOptions).to.include({ enabled: true, version: "v1.14.3-eksbuild.16" });
    expect(eks.kubeProxyAddonOptions.version).to.equal("v1.36.0-eksbuild.21");
    expect(one(run, "aws:eks/addon:Addon", "cluster-ebs-csi").inputs.addonVersion).to.equal(
      "v1.63.1-eksbuild.1",
    );
  });

  it("a returning user's zonal home volume can get a node in its zone: one notebook group per zone", async () => {
    const run = await runStack("dev");
    const notebookGroups = ofType(run, NODE_GROUP).filter(
      (g) => g.inputs.labels["datavis.io/pool"] === "notebooks",
    );
    const privateSubnets = ofType(run, "aws:ec2/subnet:Subnet").filter((s) =>
      s.name.startsWith("network-private"),
    );
    expect(notebookGroups).to.have.lengthOf(privateSubnets.length);
    for (const g of notebookGroups) expect(g.inputs.subnetIds, g.name).to.have.lengthOf(1);
    expect(new Set(notebookGroups.map((g) => g.inputs.subnetIds[0])).size).to.equal(privateSubnets.length);
  });

  for (const stack of ["dev", "prod"])
    it(`${stack}: a system node the Auto Scaling group replaces comes back in the zone of its pods' volumes`, async () => {
      // Prometheus, Grafana and the hub's activity log keep zonal EBS volumes on the system pool. A group
      // across several zones rebalances a replacement (an upgrade's new node, a failed host) into another
      // zone, where those volumes cannot attach: each system group lives in one zone, one per system node.
      const run = await runStack(stack);
      const system = ofType(run, NODE_GROUP).filter((g) => g.inputs.labels["datavis.io/pool"] === "system");
      const nodes = system.reduce((n, g) => n + g.inputs.scalingConfig.minSize, 0);
      expect(system).to.have.lengthOf(nodes);
      for (const g of system) expect(g.inputs.subnetIds, g.name).to.have.lengthOf(1);
      expect(new Set(system.map((g) => g.inputs.subnetIds[0])).size).to.equal(nodes);
    });

  it("the principal running pulumi up gets no access entry of ours (EKS makes the creator's, a second collides)", async () => {
    const run = await runStack("dev", {
      clusterAdminArns: '["arn:aws:iam::210987654321:user/offline-plan"]',
    });
    expect(one(run, EKS).inputs.accessEntries).to.deep.equal({});
  });

  it("subnets are placed by zone ID, never in a zone where EKS cannot run a control plane", async () => {
    const run = await runStack("dev");
    const subnets = ofType(run, "aws:ec2/subnet:Subnet");
    expect(subnets.length).to.be.greaterThan(0);
    for (const s of subnets) {
      expect(s.inputs.availabilityZoneId, s.name).to.match(/^use1-az\d$/);
      expect(s.inputs.availabilityZoneId, s.name).to.not.equal("use1-az3");
    }
  });
});
