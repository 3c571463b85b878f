/**
 * The edge stack on an existing cluster: nothing of AWS, every Kubernetes resource on the edge cluster,
 * air-gapped charts and images, the platform's inputs (private CA, Traefik, architectures), the site name
 * and the private root CA. The in-cluster database: tests/edge-stack-database.test.ts; the object store:
 * tests/edge-stack-object-store.test.ts.
 */
import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { configError, ofType, one, releases, runStack, type ProgramRun } from "./harness";
import { artifactSource, clusterInput, tlsIssuer } from "../stacks/edge";
import { parseConfig } from "../stacks/config";
import { imagesIn } from "./lib/edge-images";

const AIR_GAP = {
  airGapped: "true",
  registryMirror: "registry.lab.local:5000",
  chartsDir: "/srv/bundle/charts",
  notebookPackageIndex: "http://pypi.lab.internal:3141/root/pypi/+simple/",
};

/** Resources created by the edge components (database, object store, backups), not the platform layer. */
function edgeComponentResources(run: ProgramRun) {
  const roots = new Set(["object-store", "database", "database-backups"]);
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const underRoot = (r: (typeof run.resources)[number]): boolean => {
    for (let p = r.parentUrn; p; p = byUrn.get(p)?.parentUrn) {
      if (roots.has(byUrn.get(p)?.name ?? "")) return true;
    }
    return false;
  };
  return run.resources.filter((r) => r.custom && underRoot(r));
}

describe("edge stack: in-cluster database and object store on an existing cluster", () => {
  it("the edge plan registers no AWS resource and every Kubernetes resource goes to the edge cluster", async () => {
    const run = await runStack("edge");
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).to.be.empty;
    const provider = one(run, "pulumi:providers:kubernetes");
    for (const r of edgeComponentResources(run).filter((x) => x.type.startsWith("kubernetes:"))) {
      expect(r.provider, `${r.type} ${r.name}`).to.match(new RegExp(`^${escape(provider.urn)}::`));
    }
  });

  it("air-gapped mode takes charts from the local folder and images from the mirror", async () => {
    const run = await runStack("edge", AIR_GAP);
    for (const [name, r] of releases(run)) {
      expect(r.inputs.repositoryOpts, `${name} repository`).to.equal(undefined);
      expect(r.inputs.chart, `${name} chart`).to.not.match(/^(https?|oci):\/\//);
    }
    const edgeReleases = ofType(run, "kubernetes:helm.sh/v3:Release").filter((r) =>
      ["cnpg", "seaweedfs", "barman-cloud"].includes(r.inputs.name),
    );
    expect(edgeReleases).to.have.lengthOf(3);
    for (const r of edgeReleases) {
      expect(r.inputs.chart).to.equal(`/srv/bundle/charts/${r.inputs.chart.split("/").pop()}`);
      expect(r.inputs.chart).to.match(new RegExp(`-${escape(r.inputs.version)}\\.tgz$`));
    }
    const images = edgeComponentResources(run).flatMap((r) => imagesIn(r.inputs));
    expect(images).to.have.length.greaterThanOrEqual(5);
    for (const image of images) expect(image).to.match(/^registry\.lab\.local:5000\//);
    expect(images).to.include("registry.lab.local:5000/cloudnative-pg/postgresql:18.3-standard-trixie");
    for (const r of edgeComponentResources(run)) {
      expect(JSON.stringify(r.inputs), `${r.type} ${r.name}`).to.not.match(/(ghcr|docker|quay)\.io/);
    }
  });

  it("airGapped without registryMirror is refused naming the key", async () => {
    const err = await configError("edge", { airGapped: "true" });
    expect(err.key).to.equal("datavis:registryMirror");
    expect(err.message).to.contain("airGapped");
  });

  it("the platform gets a private CA, Traefik, arm64 on Pis and both architectures on a custom cluster", () => {
    const cfg = (overrides: Record<string, string>) =>
      parseConfig(
        {
          values: { target: "edge", domain: "datavis.lab.local", kubeconfig: "kc", ...overrides },
          secretKeys: new Set(["kubeconfig"]),
        },
        "edge",
      );
    const provider = {} as k8s.Provider;
    const pi = cfg({});
    expect(tlsIssuer(pi)).to.deep.equal({ kind: "privateCa", commonName: "datavis.lab.local private CA" });
    expect(clusterInput(pi.edge!, provider)).to.deep.include({
      storageClass: "local-path",
      architectures: ["arm64"],
      installIngress: false,
      ingressClass: "traefik",
      nodePools: {},
      artifacts: {},
    });
    const privateCloud = cfg({
      edgeNodeModel: "custom",
      edgeNodeCpu: "16",
      edgeNodeMemoryGi: "64",
      storageClass: "ceph-rbd",
      installIngress: "true",
    });
    expect(clusterInput(privateCloud.edge!, provider)).to.deep.include({
      storageClass: "ceph-rbd",
      architectures: ["amd64", "arm64"],
      installIngress: true,
    });
    const airGapped = cfg(AIR_GAP);
    expect(artifactSource(airGapped.edge!)).to.deep.equal({
      localChartsDir: "/srv/bundle/charts",
      imageRegistry: "registry.lab.local:5000",
    });
    expect(clusterInput(airGapped.edge!, provider).artifacts).to.deep.equal({
      localChartsDir: "/srv/bundle/charts",
      imageRegistry: "registry.lab.local:5000",
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("edge: names and the private CA that browsers trust once", () => {
  it("the shipped site name is under .internal (reserved for private use), not .local (mDNS answers .local)", async () => {
    const run = await runStack("edge");
    expect(run.config.domain).to.match(/\.internal$/);
  });

  it("the private root CA keeps its key when it renews, so nobody has to re-trust it", async () => {
    const root = one(await runStack("edge"), "kubernetes:cert-manager.io/v1:Certificate", "private-ca-root");
    expect(root.inputs.spec.privateKey.rotationPolicy).to.equal("Never");
  });
});
