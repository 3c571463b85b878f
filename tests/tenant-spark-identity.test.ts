/**
 * Tenants' Spark jobs on AWS, in the dev plan: each tenant namespace's `spark` account is associated
 * through EKS Pod Identity with one role whose policy follows the session's namespace tag, and the
 * sample-data Job writes the datasets' raw/ with an identity of its own. What the documents allow and
 * refuse when evaluated is proven with moto in the tenancy suite (tests/tenancy/test_aws_spark_policy.py).
 */
import { expect } from "chai";
import { ofType, one, runStack, type ProgramRun } from "./harness";
import { WORKLOAD_SERVICE_ACCOUNTS } from "../components/aws/identity";
import { MOCK_ACCOUNT } from "../tools/plan/mock-outputs";

const ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const NS_VAR = "${aws:PrincipalTag/kubernetes-namespace}";

function tenantNamespaces(run: ProgramRun): string[] {
  return ofType(run, "kubernetes:core/v1:Namespace")
    .map((n) => n.inputs.metadata?.name as string)
    .filter((n) => n.startsWith("tenant-"));
}

/** Every ARN-like string of a policy's statements (Resource as a string or a list). */
function resources(policy: { Statement: { Resource: string | string[] }[] }): string[] {
  return policy.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
}

type Policy = { Statement: { Sid?: string; Action: string[]; Resource: string | string[] }[] };

function policyOf(run: ProgramRun, name: string): Policy {
  return JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy);
}

/** Bucket name of the statement `sid` (its first resource, `arn:aws:s3:::<bucket>[/...]`). */
function bucketOf(policy: Policy, sid: string): string {
  const st = policy.Statement.find((s) => s.Sid === sid)!;
  const r = Array.isArray(st.Resource) ? st.Resource[0] : st.Resource;
  return r.slice("arn:aws:s3:::".length).split("/")[0];
}

describe("tenants' Spark jobs on AWS (dev plan)", function () {
  let run: ProgramRun;
  before(async () => {
    run = await runStack("dev");
  });

  it("the spark service account of each tenant namespace is associated through EKS Pod Identity with the tenant-scoped Spark role", () => {
    const namespaces = tenantNamespaces(run);
    expect(namespaces).to.have.length.greaterThan(1);
    const role = one(run, "aws:iam/role:Role", "tenant-spark");
    const policy = policyOf(run, "tenant-spark");
    const spark = bucketOf(policy, "ListOwnTenantPrefix");
    expect(spark).to.match(/-spark-/);
    for (const ns of namespaces) {
      const sa = ofType(run, "kubernetes:core/v1:ServiceAccount").find(
        (s) => s.inputs.metadata.namespace === ns && s.inputs.metadata.name === "spark",
      );
      expect(sa, `spark account in ${ns}`).to.exist;
      // No IRSA annotation: an IRSA web identity would take precedence over Pod Identity in the SDK chain.
      expect(sa!.inputs.metadata.annotations, ns).to.equal(undefined);
      const assoc = ofType(run, ASSOCIATION).filter(
        (a) => a.inputs.namespace === ns && a.inputs.serviceAccount === "spark",
      );
      expect(assoc, `association of ${ns}/spark`).to.have.lengthOf(1);
      expect(assoc[0].inputs.roleArn).to.equal(`arn:aws:iam::${MOCK_ACCOUNT}:role/${role.name}`);
    }
    // The role's reach in the Spark bucket is the session's own namespace prefix.
    expect(resources(policy)).to.include(`arn:aws:s3:::${spark}/tenants/${NS_VAR}/*`);
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
    expect(trust.Principal).to.deep.equal({ Service: "pods.eks.amazonaws.com" });
    expect(trust.Condition.StringEquals["aws:RequestTag/kubernetes-service-account"]).to.equal("spark");
  });

  it("the generated tenant Spark policy names no tenant, no notebooks bucket and no prefix but the session's own", () => {
    const doc = one(run, "aws:iam/rolePolicy:RolePolicy", "tenant-spark").inputs.policy as string;
    for (const ns of tenantNamespaces(run)) {
      expect(doc, ns).not.to.contain(ns.replace(/^tenant-/, ""));
    }
    const notebooks = bucketOf(policyOf(run, "tenant-notebooks"), "ListOwnTenantPrefix");
    expect(notebooks).to.match(/-notebooks-/);
    expect(doc).not.to.contain(notebooks);
    const spark = bucketOf(JSON.parse(doc), "ListOwnTenantPrefix");
    const datasets = bucketOf(JSON.parse(doc), "ReadSharedDatasets");
    expect([spark, datasets]).to.satisfy(([a, b]: string[]) => /-spark-/.test(a) && /-datasets-/.test(b));
    for (const r of resources(JSON.parse(doc)).filter((x) => x.startsWith("arn:aws:s3:::"))) {
      expect(r).to.be.oneOf([
        `arn:aws:s3:::${spark}`,
        `arn:aws:s3:::${spark}/tenants/${NS_VAR}/*`,
        `arn:aws:s3:::${datasets}`,
        `arn:aws:s3:::${datasets}/*`,
      ]);
    }
    // Writes only under the session's prefix: the datasets are read.
    for (const st of JSON.parse(doc).Statement) {
      const writes = (st.Action as string[]).some((a) => /Put|Delete/.test(a));
      if (writes) expect(st.Resource).to.equal(`arn:aws:s3:::${spark}/tenants/${NS_VAR}/*`);
    }
  });

  it("the sample-data Job runs outside every tenant as its own account, whose role writes only raw/ of the datasets bucket", () => {
    const job = one(run, "kubernetes:batch/v1:Job", "spark-stage-sample-data");
    const pod = job.inputs.spec.template.spec;
    const ns = job.inputs.metadata.namespace;
    expect(pod.serviceAccountName).not.to.equal("spark");
    expect(tenantNamespaces(run)).not.to.include(ns);
    const binding = WORKLOAD_SERVICE_ACCOUNTS.sampleData;
    expect([ns, pod.serviceAccountName]).to.deep.equal([binding.namespace, binding.serviceAccount]);
    const sa = ofType(run, "kubernetes:core/v1:ServiceAccount").find(
      (s) => s.inputs.metadata.namespace === ns && s.inputs.metadata.name === pod.serviceAccountName,
    )!;
    const role = one(run, "aws:iam/role:Role", "workload-sampleData");
    expect(sa.inputs.metadata.annotations["eks.amazonaws.com/role-arn"]).to.equal(
      `arn:aws:iam::${MOCK_ACCOUNT}:role/${role.name}`,
    );
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals;
    expect(Object.entries(trust).find(([k]) => k.endsWith(":sub"))?.[1]).to.equal(
      `system:serviceaccount:${ns}:${pod.serviceAccountName}`,
    );
    const policy = policyOf(run, "workload-sampleData");
    const datasets = bucketOf(policyOf(run, "tenant-spark"), "ReadSharedDatasets");
    const s3 = resources(policy).filter((x) => x.startsWith("arn:aws:s3:::"));
    expect(s3.sort()).to.deep.equal([`arn:aws:s3:::${datasets}`, `arn:aws:s3:::${datasets}/raw/*`]);
    for (const st of policy.Statement) {
      if ((st.Action as string[]).some((a) => /Put|Delete/.test(a)))
        expect(st.Resource).to.equal(`arn:aws:s3:::${datasets}/raw/*`);
    }
    // The job's S3A uses that role (IRSA), not the tenants' Pod Identity sessions.
    expect(pod.containers[0].command).to.include(
      "spark.hadoop.fs.s3a.aws.credentials.provider=software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider",
    );
  });

  it("every tenant namespace's pods may reach the node's Pod Identity agent, which their default-deny would drop", () => {
    for (const ns of tenantNamespaces(run)) {
      const allow = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
        (p) => p.inputs.metadata.namespace === ns && p.inputs.metadata.name === "allow-platform",
      )!;
      expect(allow.inputs.spec.podSelector, ns).to.deep.equal({});
      expect(allow.inputs.spec.egress, ns).to.deep.include({
        to: [{ ipBlock: { cidr: "169.254.170.23/32" } }],
        ports: [{ protocol: "TCP", port: 80 }],
      });
    }
  });
});
