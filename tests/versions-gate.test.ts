import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
  CHARTS,
  IMAGES,
  IMAGE_FACTS,
  K3S_VERSION,
  KUBERNETES_VERSION,
  acceptedK3sMinors,
} from "../components/versions";
import { checkMatrix, eksSupportVerdict, pinnedMatrix } from "../components/versions/gate";
import { EKS_STANDARD_SUPPORT_END } from "../components/versions/matrix";
import { satisfies } from "../components/versions/semver";
import { run } from "../tools/versions/check";

const ROOT = path.resolve(__dirname, "..");

describe("version gate: Helm's kubeVersion rules", () => {
  it("lets an EKS cluster (pre-release v1.36.3-eks-...) through a `-0` constraint only", () => {
    expect(satisfies("v1.36.3-eks-4096722", ">=1.28.0-0")).to.equal(true);
    expect(satisfies("v1.36.3-eks-4096722", ">=1.28.0")).to.equal(false);
  });

  it("ignores k3s build metadata and compares numerically (1.100 > 1.28)", () => {
    expect(satisfies("v1.27.16+k3s1", ">=1.28.0-0")).to.equal(false);
    expect(satisfies("v1.100.0+k3s1", ">=1.28.0-0")).to.equal(true);
  });

  it("reads caret, tilde, x-ranges, hyphen ranges, commas and alternatives", () => {
    expect(satisfies("v1.36.0", "^1.25.0-0")).to.equal(true);
    expect(satisfies("v2.0.0", "^1.25.0-0")).to.equal(false);
    expect(satisfies("1.30.9", "~1.30.1")).to.equal(true);
    expect(satisfies("1.31.0", "~1.30.1")).to.equal(false);
    expect(satisfies("1.29.7", "1.29.x")).to.equal(true);
    expect(satisfies("1.30.0", "1.29.x")).to.equal(false);
    expect(satisfies("1.31.2", "1.28 - 1.31")).to.equal(true);
    expect(satisfies("1.32.0", "1.28 - 1.31")).to.equal(false);
    expect(satisfies("1.33.1", ">=1.25.0, <1.34.0")).to.equal(true);
    expect(satisfies("1.34.0", ">=1.25.0, <1.34.0")).to.equal(false);
    expect(satisfies("1.20.0", "<1.21 || >=1.30")).to.equal(true);
    expect(satisfies("1.25.0", "<1.21 || >=1.30")).to.equal(false);
  });

  it("refuses a constraint it cannot read instead of passing it", () => {
    expect(() => satisfies("1.30.0", ">=1.28 banana")).to.throw(/not a version constraint/);
  });
});

describe("version gate: the pinned matrix", () => {
  it("passes: every chart fits EKS and k3s, every edge image has arm64, Spark fits the operator", () => {
    expect(checkMatrix(pinnedMatrix())).to.deep.equal([]);
  });

  it("has facts read at every pinned chart version, each citing its source", () => {
    for (const c of pinnedMatrix().charts) {
      expect(c.facts, c.chart).to.not.equal(undefined);
      expect(c.facts!.version, c.chart).to.equal(CHARTS[c.key as keyof typeof CHARTS].version);
      expect(c.facts!.source, c.chart).to.match(/@/);
    }
  });

  it("defaults notebook servers to an image published upstream for amd64 and arm64, pinned by a date tag", () => {
    const image = pinnedMatrix().images.find((i) => i.key === "singleuser")!;
    expect(image.ref).to.equal(IMAGES.singleuser);
    expect(image.publishedBy, "a fresh deploy must be able to pull the default").to.equal("upstream");
    expect(image.arches).to.include.members(["amd64", "arm64"]);
    expect(image.targets).to.include("edge");
    expect(image.ref).to.match(/:\d{4}-\d{2}-\d{2}$/);
    expect(IMAGE_FACTS.singleuser.source).to.match(/jupyter\/docker-stacks@/);
  });

  it("keeps the project's own image as an option the images workflow builds and re-pins", () => {
    expect(IMAGE_FACTS.singleuserProject.publishedBy).to.equal("fork");
    expect(IMAGES.singleuserProject).to.match(/^ghcr\.io\/[a-z0-9-]+\/singleuser:/);
    expect(fs.existsSync(path.join(ROOT, "images/singleuser/Dockerfile"))).to.equal(true);
  });

  it("fails when the default notebook image is one only a fork's release builds", () => {
    const m = pinnedMatrix();
    const skewed = {
      ...m,
      images: m.images.map((i) => (i.key === "singleuser" ? { ...i, publishedBy: "fork" as const } : i)),
    };
    const conflicts = checkMatrix(skewed).map((c) => c.message);
    expect(conflicts).to.have.length(1);
    expect(conflicts[0]).to.match(/^IMAGES\.singleuser .* built only by a fork's release/);
  });

  it("fails when the default notebook image lacks arm64 (edge runs it)", () => {
    const m = pinnedMatrix();
    const skewed = {
      ...m,
      images: m.images.map((i) => (i.key === "singleuser" ? { ...i, arches: ["amd64" as const] } : i)),
    };
    expect(checkMatrix(skewed).map((c) => c.message)).to.deep.equal([
      `IMAGES.singleuser ${IMAGES.singleuser} is published for amd64 only; edge nodes are arm64`,
    ]);
  });

  it("pins k3s on the EKS Kubernetes line, and ansible-pi installs that k3s", () => {
    expect(K3S_VERSION).to.match(new RegExp(`^v${KUBERNETES_VERSION.replace(".", "\\.")}\\.\\d+\\+k3s\\d+$`));
    const vars = yaml.load(
      fs.readFileSync(path.join(ROOT, "ansible-pi/inventory/example/group_vars/all.yml"), "utf8"),
    ) as { k3s_version: string };
    expect(vars.k3s_version).to.equal(K3S_VERSION);
  });

  it("accepts k3s minors from the newest chart floor (cloudnative-pg: 1.29) up to the pinned line", () => {
    const minors = acceptedK3sMinors();
    expect(minors[0]).to.equal("1.29");
    expect(minors[minors.length - 1]).to.equal(KUBERNETES_VERSION);
    expect(minors).to.not.include("1.28");
  });
});

describe("npm run versions -- --check", () => {
  it("exits 0 for the pinned matrix and prints it", () => {
    const r = run(["--check"]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/jupyterhub\s+4\.4\.0\s+5\.5\.0\s+>=1\.28\.0-0\s+ok\s+ok/);
    expect(r.stdout).to.include("version gate: no conflicts");
  });

  it("an old k3s fails naming jupyterhub and cloudnative-pg with both versions", () => {
    const r = run(["--check", "--set", "k3s=v1.27.16+k3s1"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("jupyterhub 4.4.0 needs Kubernetes >=1.28.0-0; k3s is v1.27.16+k3s1");
    expect(r.stdout).to.include("cloudnative-pg 0.29.0 needs Kubernetes >=1.29.0-0; k3s is v1.27.16+k3s1");
  });

  it("k3s 1.28 fails for cloudnative-pg alone, not for jupyterhub", () => {
    const r = run(["--check", "--set", "k3s=v1.28.15+k3s1"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("cloudnative-pg 0.29.0 needs");
    expect(r.stdout).to.not.include("jupyterhub 4.4.0 needs");
  });

  it("an amd64-only image on edge fails naming the image and its architectures", () => {
    const r = run(["--check", "--set", "arch.seaweedfs=amd64"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(
      "IMAGES.seaweedfs docker.io/chrislusf/seaweedfs:4.44 is published for amd64 only; edge nodes are arm64",
    );
  });

  it("an amd64-only image that runs only on AWS passes", () => {
    expect(run(["--check", "--set", "arch.clusterAutoscaler=amd64"]).code).to.equal(0);
  });

  it("an unsupported Spark version fails naming the operator and both versions", () => {
    const r = run(["--check", "--set", "spark=3.5.5"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(
      "spark-operator 2.5.2 submits with Spark >=4.0.0 <4.1.0; the Spark image is Spark 3.5.5",
    );
  });

  it("a chart bump whose facts were not re-read fails naming the chart and both versions", () => {
    const r = run(["--check", "--set", "jupyterhub=5.0.0"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("jupyterhub: CHARTS pins 5.0.0 but the matrix facts were read at 4.4.0");
  });

  it("an EKS minor without the autoscaler's line or a support date fails", () => {
    const r = run(["--check", "--set", "eks=1.35"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(
      "cluster-autoscaler image v1.36.1 must be on the cluster's minor; EKS is 1.35",
    );
    expect(r.stdout).to.include(
      "EKS add-on kube-proxy v1.36.0-eksbuild.21 must be on the cluster's minor; EKS is 1.35",
    );
  });

  it("exits 2 with one line for an unknown --set name or a malformed version", () => {
    const a = run(["--check", "--set", "kafka=3.0.0"]);
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/^error: --set kafka: unknown name/);
    expect(run(["--check", "--set", "k3s=1.27"]).code).to.equal(2);
  });

  it("runs as the npm script: exit 1 and the conflict on stdout", function () {
    this.timeout(120000);
    const r = spawnSync(
      process.execPath,
      ["-r", "./tools/register.js", "tools/versions/check.ts", "--check", "--set", "k3s=v1.27.16+k3s1"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include("jupyterhub 4.4.0 needs Kubernetes");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.versions).to.include("tools/versions/check.ts");
  });
});

describe("version gate: EKS end of standard support", () => {
  const eks = { version: "1.36", standardSupportEnd: "2027-08-02" };

  it("is quiet more than 90 days before the date", () => {
    expect(eksSupportVerdict(eks, new Date("2027-05-03T12:00:00Z")).level).to.equal("ok");
  });

  it("warns, naming the date, within 90 days", () => {
    const v = eksSupportVerdict(eks, new Date("2027-05-04T08:00:00Z"));
    expect(v.level).to.equal("warning");
    expect(v.message).to.include("2027-08-02").and.include("in 90 days");
  });

  it("knows the support window of the EKS minors a cluster may still run, so a fork on 1.34 is warned", () => {
    const on = (version: string) => ({ version, standardSupportEnd: EKS_STANDARD_SUPPORT_END[version] });
    const day = new Date("2026-11-30T09:00:00Z");
    expect(eksSupportVerdict(on("1.34"), day).message).to.include("2026-12-02 (in 2 days)");
    expect(eksSupportVerdict(on("1.33"), day).message).to.include("left standard support on 2026-07-29");
    expect(eksSupportVerdict(on("1.35"), day).level).to.equal("ok");
  });

  it("fails on and after the date", () => {
    expect(eksSupportVerdict(eks, new Date("2027-08-02T00:00:00Z")).level).to.equal("past");
    expect(eksSupportVerdict(eks, new Date("2028-01-01T00:00:00Z")).message).to.include(
      "left standard support on 2027-08-02",
    );
  });
});
