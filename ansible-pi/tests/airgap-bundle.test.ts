import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildManifest,
  imagesIn,
  k3sFiles,
  parseCli,
  readK3sVersion,
  runPlan,
  type BundleManifest,
  type Plan,
} from "../../tools/airgap/bundle";
import { CHARTS, KUBERNETES_VERSION } from "../../components/versions";

const fixture = (name: string): Plan =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8")) as Plan;
const MIRROR = "mirror.test:5000";

describe("air-gap bundle: what the fixture plans ask for", () => {
  const manifest = buildManifest({
    airgapped: fixture("plan-airgapped.json"),
    online: fixture("plan-online.json"),
    mirror: MIRROR,
    k3sVersion: "v1.36.5+k3s1",
  });
  const source = (target: string): string | undefined =>
    manifest.images.find((i) => i.target === target)?.source;

  it("lists each Helm release's chart archive with its repository and version, from the plan", () => {
    const certManager = manifest.charts.find((c) => c.release === "cert-manager");
    expect(certManager).to.deep.equal({
      release: "cert-manager",
      chart: "cert-manager",
      version: "v1.21.1",
      repo: "https://charts.jetstack.io",
      archive: "cert-manager-v1.21.1.tgz",
    });
  });

  it("finds the repository of a chart that versions.ts does not list through the online plan's twin release", () => {
    const plugin = manifest.charts.find((c) => c.release === "backups-plugin");
    expect(plugin?.repo).to.equal("https://cloudnative-pg.github.io/charts");
    expect(plugin?.archive).to.equal("plugin-barman-cloud-0.7.0.tgz");
  });

  it("keeps the project's own chart folders local instead of downloading them", () => {
    const dashboards = manifest.charts.find((c) => c.release === "dashboards");
    expect(dashboards?.localDir).to.equal("/repo/charts/dashboards");
    expect(dashboards?.repo).to.equal(undefined);
  });

  it("maps every mirror image back to its upstream registry (quay.io, ghcr.io, docker.io)", () => {
    expect(source(`${MIRROR}/jetstack/cert-manager-controller:v1.21.1`)).to.equal(
      "quay.io/jetstack/cert-manager-controller:v1.21.1",
    );
    expect(source(`${MIRROR}/cloudnative-pg/postgresql:18.3-standard-trixie`)).to.equal(
      "ghcr.io/cloudnative-pg/postgresql:18.3-standard-trixie",
    );
    expect(source(`${MIRROR}/library/postgres:17.6-alpine`)).to.equal(
      "docker.io/library/postgres:17.6-alpine",
    );
  });

  it("assembles images given as registry + repository + tag in chart values", () => {
    expect(source(`${MIRROR}/cloudnative-pg/plugin-barman-cloud:v0.13.0`)).to.equal(
      "ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.13.0",
    );
  });

  it("reports a mirror image with no upstream source as unresolved instead of guessing a registry", () => {
    expect(manifest.unresolved).to.deep.equal([`${MIRROR}/someone/unknown:1.0`]);
    expect(manifest.images.map((i) => i.target)).to.not.include(`${MIRROR}/someone/unknown:1.0`);
  });

  it("adds no image for values that only set a registry or for prose that mentions 'image:'", () => {
    expect(imagesIn({ image: { registry: MIRROR }, description: "image: not-an-image" }).size).to.equal(0);
  });

  it("fetches the arm64 binary, the arm64 images archive and the install script of the pinned k3s release", () => {
    expect(manifest.k3s.files).to.deep.equal([
      { name: "k3s-arm64", url: "https://github.com/k3s-io/k3s/releases/download/v1.36.5%2Bk3s1/k3s-arm64" },
      {
        name: "k3s-airgap-images-arm64.tar.zst",
        url: "https://github.com/k3s-io/k3s/releases/download/v1.36.5%2Bk3s1/k3s-airgap-images-arm64.tar.zst",
      },
      { name: "install.sh", url: "https://raw.githubusercontent.com/k3s-io/k3s/v1.36.5+k3s1/install.sh" },
    ]);
    expect(k3sFiles("v1.36.5+k3s1").map((f) => f.name)).to.deep.equal([
      "k3s-arm64",
      "k3s-airgap-images-arm64.tar.zst",
      "install.sh",
    ]);
  });
});

describe("air-gap bundle: the k3s pin", () => {
  it("ansible-pi's k3s_version is a k3s release on versions.ts KUBERNETES_VERSION", () => {
    expect(readK3sVersion()).to.match(
      new RegExp(`^v${KUBERNETES_VERSION.replace(".", "\\.")}\\.\\d+\\+k3s\\d+$`),
    );
  });

  it("refuses a k3s_version on another Kubernetes line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-pin-"));
    const file = path.join(dir, "all.yml");
    fs.writeFileSync(file, "k3s_version: v1.20.15+k3s1\n");
    expect(() => readK3sVersion(file)).to.throw(/not on Kubernetes/);
    fs.rmSync(dir, { recursive: true });
  });

  it("requires the site's mirror as host[:port]", () => {
    expect(() => parseCli([])).to.throw(/--mirror host\[:port\] is required/);
    expect(parseCli(["--mirror", "registry.lab.local:5000"]).mirror).to.equal("registry.lab.local:5000");
  });

  it("takes the site's own stack settings the plans need (--config key=value)", () => {
    const args = parseCli([
      "--mirror",
      "registry.lab.local:5000",
      "--config",
      "notebookPackageIndex=http://pypi.lab.local/simple/",
    ]);
    expect(args.config).to.deep.equal({ notebookPackageIndex: "http://pypi.lab.local/simple/" });
    expect(() => parseCli(["--mirror", "r:5000", "--config", "novalue"])).to.throw(/expected key=value/);
  });
});

describe("air-gap bundle: the real edge plan", function () {
  this.timeout(240000);
  let manifest: BundleManifest;
  before(() => {
    const mirror = "registry.bundle.test:5000";
    manifest = buildManifest({
      // An air-gapped site names where its servers get the notebook extras: here a PyPI mirror.
      airgapped: runPlan("edge", {
        airGapped: "true",
        registryMirror: mirror,
        notebookPackageIndex: "http://pypi.bundle.test/simple/",
      }),
      online: runPlan("edge", {}),
      mirror,
      k3sVersion: readK3sVersion(),
    });
  });

  it("lists every chart archive of the edge stack with a repository to fetch it from", () => {
    const archives = manifest.charts.filter((c) => c.archive);
    expect(archives.length).to.be.greaterThan(0);
    for (const c of archives) {
      expect(c.repo, c.release).to.match(/^https:\/\//);
      expect(c.archive).to.equal(`${c.chart}-${c.version}.tgz`);
    }
    const pinned = new Set(Object.values(CHARTS).map((c) => `${c.chart}-${c.version}.tgz`));
    expect(archives.filter((c) => pinned.has(c.archive!)).length).to.be.greaterThan(0);
  });

  it("finds an upstream source for every image the air-gapped plan pulls from the mirror", () => {
    expect(manifest.unresolved).to.deep.equal([]);
    expect(manifest.images.length).to.be.greaterThan(0);
  });
});
