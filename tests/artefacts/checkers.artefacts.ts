/**
 * The artefact checkers reject what the tools consuming our artefacts would reject: each broken fixture
 * in tests/artefacts/fixtures fails the same checker .ci/suites/60-artefacts.sh runs on the real tree, and
 * the finding names the file and line (or object) and the field. A valid fixture passing each checker is
 * the control that keeps these tests honest.
 *
 * Run by .ci/suites/60-artefacts.sh (`npx mocha --config tests/artefacts/.mocharc.json`), which installs
 * the pinned tools and passes HELM, ARTEFACTS_PY, CRD_DIRS and K8S_VERSION.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { kubernetesKind } from "../../tools/checks/export-plan";

const REPO = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join("tests", "artefacts", "fixtures");

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through .ci/suites/60-artefacts.sh`);
  return v;
}

interface Result {
  status: number | null;
  output: string;
}

function run(cmd: string, args: string[]): Result {
  const p = spawnSync(cmd, args, { cwd: REPO, encoding: "utf8" });
  return { status: p.status, output: `${p.stdout ?? ""}${p.stderr ?? ""}` };
}

function crdArgs(): string[] {
  return env("CRD_DIRS")
    .split(":")
    .flatMap((d) => ["--crd-dir", d]);
}

function validate(files: string[], extra: string[] = []): Result {
  return run(env("ARTEFACTS_PY"), [
    "tools/checks/k8s_validate.py",
    "--kubernetes-version",
    env("K8S_VERSION"),
    ...crdArgs(),
    ...extra,
    ...files,
  ]);
}

function manifest(name: string): string {
  return path.join(FIXTURES, "manifests", name);
}

function checkCharts(roots: string[], out: string, releases: string[] = []): Result {
  return run(env("ARTEFACTS_PY"), [
    "tools/checks/check_charts.py",
    "--helm",
    env("HELM"),
    "--kubernetes-version",
    env("K8S_VERSION"),
    "--out",
    out,
    "--repo",
    REPO,
    ...crdArgs(),
    ...releases.flatMap((r) => ["--releases", r]),
    ...roots,
  ]);
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "artefacts-test-"));
}

describe("Kubernetes schema check (strict, pinned Kubernetes version, pinned CRDs)", () => {
  it("accepts a valid Deployment and a valid cert-manager Certificate (the control)", () => {
    const r = validate([manifest("valid.yaml")]);
    expect(r.output).to.contain("0 finding(s)");
    expect(r.status, r.output).to.equal(0);
  });

  it("rejects an unknown field, naming file:line, the object and the field path", () => {
    const r = validate([manifest("unknown-field.yaml")]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain(
      "unknown-field.yaml:19: Deployment demo/web: .spec.template.spec.containers[0].imagePullPolcy: unknown field",
    );
  });

  it("rejects a wrong type, naming file:line and the field path", () => {
    const r = validate([manifest("wrong-type.yaml")]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.match(
      /wrong-type\.yaml:12: Service demo\/web: \.spec\.ports\[0\]\.port: 'eighty' is not of type/,
    );
  });

  it("rejects a custom resource field its CRD does not define, and a wrong type in it", () => {
    const r = validate([manifest("bad-cr.yaml")]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain(
      "bad-cr.yaml:15: SparkApplication team-a/pi: .spec.driver.serviceAcount: unknown field",
    );
    expect(r.output).to.match(
      /bad-cr\.yaml:17: SparkApplication team-a\/pi: \.spec\.executor\.instances: 'two' is not of type 'integer'/,
    );
  });

  it("rejects a kind that neither Kubernetes nor a pinned CRD defines", () => {
    const r = validate([manifest("unknown-kind.yaml")]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain("Widget w: .kind: no schema for Widget example.org/v1");
  });

  it("lets a server-side apply patch leave out required fields, but not add unknown ones", () => {
    const r = validate([manifest("patch-unknown-field.yaml")], ["--partial"]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain("Cluster database/platform-db: .spec.plugins[0].parameter: unknown field");
    expect(r.output).not.to.contain("required");
  });
});

describe("helm lint --strict and helm template of charts", () => {
  it("lints and renders a valid chart with its defaults and with a release's values (the control)", () => {
    const out = tmpdir();
    const r = checkCharts([path.join(FIXTURES, "charts", "good")], out, [
      path.join(FIXTURES, "values", "releases.json"),
    ]);
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.contain("template (values-web): ok");
    // The ServiceMonitor is rendered because the pinned CRDs' API versions are advertised.
    expect(fs.readFileSync(path.join(out, "good__values-web.yaml"), "utf8")).to.contain(
      "kind: ServiceMonitor",
    );
  });

  it("rejects a chart whose template does not parse, naming the template file and line", () => {
    const r = checkCharts([path.join(FIXTURES, "charts", "lint-error")], tmpdir());
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain(
      "lint (defaults): [ERROR] templates/: parse error at (lint-error/templates/configmap.yaml:6)",
    );
    expect(r.output).to.contain("0 passed, 2 failed");
  });

  it("catches a wrong type in the values a release passes, in the rendered manifest", () => {
    const out = tmpdir();
    checkCharts([path.join(FIXTURES, "charts", "good")], out, [
      path.join(FIXTURES, "values", "releases.json"),
    ]);
    const r = validate([path.join(out, "good__values-web-bad.yaml")]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.match(
      /good__values-web-bad\.yaml:\d+: Deployment web-bad: \.spec\.replicas: 'three' is not of type .*\(Source: good\/templates\/deployment\.yaml\)/,
    );
  });

  it("catches an unknown field a chart renders although it lints", () => {
    const out = tmpdir();
    const rendered = checkCharts([path.join(FIXTURES, "charts", "renders-invalid")], out);
    expect(rendered.status, rendered.output).to.equal(0);
    const r = validate([path.join(out, "renders-invalid__defaults.yaml")]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain(".spec.template.spec.containers[0].ports[0].hostPorts: unknown field");
  });
});

describe("upstream chart values against the chart's own values schema", () => {
  it("rejects an unknown key and a wrong type, naming the release and the key", () => {
    const r = run(process.execPath, [
      "-r",
      "./tools/register.js",
      "tools/checks/chart-values.ts",
      path.join(FIXTURES, "values", "releases.json"),
    ]);
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.contain("values release jupyterhub");
    expect(r.output).to.contain("/hub must NOT have additional properties (cookieSecrett)");
    expect(r.output).to.contain("/singleuser/cpu/limit must be number");
  });
});

describe("yamllint with the repository's .yamllint", () => {
  const yamllint = (file: string): Result => {
    // A copy outside the repository: .yamllint ignores the fixtures folder.
    const copy = path.join(tmpdir(), path.basename(file));
    fs.copyFileSync(path.join(REPO, file), copy);
    return run(path.join(path.dirname(env("ARTEFACTS_PY")), "yamllint"), [
      "--strict",
      "-f",
      "parsable",
      "-c",
      ".yamllint",
      copy,
    ]);
  };

  it("accepts a clean file (the control)", () => {
    const r = yamllint(path.join(FIXTURES, "yamllint", "clean.yaml"));
    expect(r.status, r.output).to.equal(0);
  });

  it("rejects trailing spaces, a yes/no boolean and a duplicate key, with file:line:column", () => {
    const r = yamllint(path.join(FIXTURES, "yamllint", "bad.yaml"));
    expect(r.status, r.output).to.equal(1);
    expect(r.output).to.match(/bad\.yaml:2:12: \[error\] trailing spaces \(trailing-spaces\)/);
    expect(r.output).to.match(/bad\.yaml:3:10: \[\w+\] truthy value should be one of/);
    expect(r.output).to.match(
      /bad\.yaml:4:1: \[error\] duplication of key "replicas" in mapping \(key-duplicates\)/,
    );
  });
});

describe("plan export", () => {
  it("turns Pulumi Kubernetes type tokens into apiVersion and kind, and skips what is not an object", () => {
    expect(kubernetesKind("kubernetes:core/v1:Namespace")).to.deep.equal({
      apiVersion: "v1",
      kind: "Namespace",
      patch: false,
    });
    expect(kubernetesKind("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")).to.deep.equal({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      patch: false,
    });
    expect(kubernetesKind("kubernetes:postgresql.cnpg.io/v1:ClusterPatch")).to.deep.equal({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      patch: true,
    });
    expect(kubernetesKind("kubernetes:helm.sh/v3:Release")).to.equal(undefined);
    expect(kubernetesKind("kubernetes:yaml/v2:ConfigGroup")).to.equal(undefined);
    expect(kubernetesKind("pulumi:providers:kubernetes")).to.equal(undefined);
  });
});
