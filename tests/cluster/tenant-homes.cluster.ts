/**
 * Classmates share a tenant namespace; each one's home volume stays their own. A real API server holds the
 * edge plan's namespaces, service accounts, Roles and the tenant admission policies
 * (components/platform/tenancy/home-guard.ts), and is asked, as each service account a student can wield,
 * to create what would open a classmate's home: it must refuse, and admit what the platform itself does.
 */
import { expect } from "chai";
import { applyRbac } from "../../tools/cluster/authz";
import { createNamespaces } from "../../tools/cluster/admission";
import { installCrds } from "../../tools/cluster/crds";
import { ControlPlane } from "../../tools/cluster/harness";
import { loadPlan, manifests, type Plan } from "../../tools/cluster/plan";
import { hubRelease, notebookPod, profiles } from "../../tools/cluster/workloads";

const plan: Plan = loadPlan("edge", []);
const ns = manifests(plan)
  .map((m) => m.object)
  .find((o) => o.kind === "Namespace" && o.metadata?.labels?.["datavis.io/tenant"])!.metadata.name as string;
const asSa = (name: string) => [
  `--as=system:serviceaccount:${ns}:${name}`,
  "--as-group=system:serviceaccounts",
  `--as-group=system:serviceaccounts:${ns}`,
  "--as-group=system:authenticated",
];
const hubSa = [
  `--as=system:serviceaccount:${hubRelease(plan)!.namespace}:hub`,
  "--as-group=system:serviceaccounts",
  "--as-group=system:authenticated",
];

/** A classmate's home volume, as KubeSpawner names it. */
const CLASSMATE_HOME = { name: "home", persistentVolumeClaim: { claimName: "claim-classmate" } };

const restricted = {
  runAsNonRoot: true,
  runAsUser: 185,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

function sparkApp(name: string, extra: Record<string, any> = {}, driver: Record<string, any> = {}) {
  return {
    apiVersion: "sparkoperator.k8s.io/v1beta2",
    kind: "SparkApplication",
    metadata: { name, namespace: ns },
    spec: {
      type: "Python",
      mode: "cluster",
      sparkVersion: "4.0.1",
      image: "docker.io/apache/spark:4.0.1",
      mainApplicationFile: "local:///opt/spark/examples/src/main/python/pi.py",
      driver: { cores: 1, memory: "512m", serviceAccount: "spark", ...driver },
      executor: { cores: 1, instances: 1, memory: "512m" },
      ...extra,
    },
  };
}

function executorPod(name: string, spec: Record<string, any> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      serviceAccountName: "spark",
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "executor",
          image: "docker.io/apache/spark:4.0.1",
          securityContext: restricted,
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        },
      ],
      ...spec,
    },
  };
}

describe(`cluster: a student's Spark jobs cannot open a classmate's home (tenant namespace ${ns})`, function () {
  let cp: ControlPlane;

  /** Server-side dry-run create as `who`; the API server's answer. */
  const create = (who: string[], obj: object) =>
    cp.kubectl(["create", "--dry-run=server", ...who, "-f", "-"], JSON.stringify(obj));

  before(async function () {
    cp = await ControlPlane.start();
    await installCrds(cp);
    await createNamespaces(cp, plan);
    expect(await applyRbac(cp, plan)).to.deep.equal([]);
    const guard = manifests(plan)
      .map((m) => m.object)
      .filter((o) => o.kind.startsWith("ValidatingAdmissionPolicy"));
    expect(guard.map((o) => o.kind).sort()).to.deep.equal([
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "ValidatingAdmissionPolicyBinding",
    ]);
    for (const o of guard) cp.kubectlOk(["apply", "-f", "-"], JSON.stringify(o));
    // The API server compiles each new policy and starts enforcing it within moments, each on its own:
    // wait until both refuse their probe.
    const probes = [
      () => create(asSa("spark"), executorPod("probe", { volumes: [CLASSMATE_HOME] })),
      () => create(asSa("notebook"), sparkApp("probe", { volumes: [CLASSMATE_HOME] })),
    ];
    for (let i = 0; i < 120; i++) {
      if (probes.every((p) => /tenant namespace/.test(p().stderr))) return;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new Error("the tenant admission policies never took effect");
  });

  after(async function () {
    await cp?.stop();
  });

  it("a Spark job that mounts a classmate's home volume is refused", function () {
    const r = create(asSa("notebook"), sparkApp("peek", { volumes: [CLASSMATE_HOME] }));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("may not mount a PersistentVolumeClaim in a tenant namespace");
  });

  it("a scheduled Spark job that mounts one is refused too", function () {
    const app = sparkApp("peek", { volumes: [CLASSMATE_HOME] });
    const scheduled = {
      apiVersion: app.apiVersion,
      kind: "ScheduledSparkApplication",
      metadata: { name: "nightly-peek", namespace: ns },
      spec: { schedule: "@daily", template: app.spec },
    };
    const r = create(asSa("notebook"), scheduled);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("may not mount a PersistentVolumeClaim");
  });

  it("a Spark job whose driver borrows another service account of the tenant is refused", function () {
    const r = create(asSa("notebook"), sparkApp("borrow", {}, { serviceAccount: "notebook" }));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("driver runs as the tenant's 'spark' service account only");
  });

  it("a Spark job as the notebooks submit it is admitted", function () {
    const r = create(asSa("notebook"), sparkApp("pi"));
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
  });

  it("a driver's code cannot start a pod that mounts a classmate's home volume", function () {
    const r = create(asSa("spark"), executorPod("exec-peek", { volumes: [CLASSMATE_HOME] }));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("started by a tenant's service account may not mount");
  });

  it("nor one that runs as the notebooks' service account", function () {
    const r = create(asSa("spark"), executorPod("exec-borrow", { serviceAccountName: "notebook" }));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include("runs as 'spark' or 'default' only");
  });

  it("executors as a driver starts them are admitted", function () {
    const r = create(asSa("spark"), executorPod("exec-1"));
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
  });

  it("the hub still starts a student's server with their home volume in the tenant namespace", function () {
    const hub = hubRelease(plan)!;
    const pod = notebookPod(hub.values, ns, "student-a", profiles(hub.values)[0], "claim");
    const r = create(hubSa, pod);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
  });
});
