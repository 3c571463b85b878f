/**
 * Platform services (issue 5). Ingress and TLS: Traefik (AWS) or k3s's own (edge), HTTP to HTTPS, cert-
 * manager with ACME (AWS) or a private CA (edge), every chart version pinned, and the ingress charts'
 * values against their schemas. Evaluated under mocks by the test-only composition in tests/lib/services-
 * run.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { CHARTS } from "../components/versions";
import { PlatformServices } from "../components/platform/services";
import { chartValuesErrors } from "./lib/chart-values";
import {
  type Kind,
  RELEASE,
  TARGETS,
  customResources,
  ofType,
  releases,
  run,
  values,
} from "./lib/services-run";

describe("platform services: ingress and TLS", () => {
  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`every Helm release pins a chart version from versions.ts (${kind})`, async () => {
      const r = await run(kind);
      const pinned = new Set(Object.values(CHARTS).map((c) => `${c.chart}@${c.version}`));
      expect(ofType(r, RELEASE)).to.not.be.empty;
      for (const rel of ofType(r, RELEASE)) {
        expect(rel.inputs.version, `${rel.inputs.name} version`).to.be.a("string").and.not.be.empty;
        if (rel.inputs.repositoryOpts) {
          expect(pinned, `${rel.inputs.name}`).to.include(`${rel.inputs.chart}@${rel.inputs.version}`);
        } else {
          // The project's own chart, from its folder: the version is the folder's Chart.yaml version.
          const chart = fs.readFileSync(path.join(rel.inputs.chart, "Chart.yaml"), "utf8");
          expect(chart).to.match(new RegExp(`^version: ${rel.inputs.version.replace(/\./g, "\\.")}$`, "m"));
        }
      }
    });
  }

  it("no ingress-nginx or Kubernetes Dashboard anywhere", async () => {
    for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
      const text = JSON.stringify((await run(kind)).resources).toLowerCase();
      expect(text).to.not.match(/ingress-nginx|kubernetes-dashboard|kubernetesui\/dashboard/);
      expect(text).to.not.include('"ingressclassname":"nginx"');
    }
  });

  it("AWS installs Traefik and redirects HTTP to HTTPS at its web entrypoint", async () => {
    const v = values(await run("aws-dev"), "traefik");
    expect(v.ports.web.http.redirections.entryPoint).to.deep.equal({
      to: "websecure",
      scheme: "https",
      permanent: true,
    });
    expect(v.ingressClass.name).to.equal("traefik");
  });

  it("edge uses the cluster's own Traefik (k3s) and installs none", async () => {
    expect(releases(await run("edge")).has("traefik")).to.be.false;
  });

  for (const kind of TARGETS) {
    it(`HTTP redirects to HTTPS for the Grafana and Headlamp hosts (${kind})`, async () => {
      const r = await run(kind);
      const middlewares = customResources(r, "Middleware");
      expect(middlewares).to.have.lengthOf(2);
      for (const m of middlewares)
        expect(m.inputs.spec.redirectScheme).to.deep.equal({ scheme: "https", permanent: true });
      const redirects = ofType(r, "kubernetes:networking.k8s.io/v1:Ingress");
      const hosts = redirects.flatMap((i) => i.inputs.spec.rules.map((x: any) => x.host)).sort();
      expect(hosts).to.deep.equal([`grafana.${r.settings.domain}`, `headlamp.${r.settings.domain}`]);
      for (const i of redirects) {
        const a = i.inputs.metadata.annotations;
        expect(a["traefik.ingress.kubernetes.io/router.entrypoints"]).to.equal("web");
        expect(a["traefik.ingress.kubernetes.io/router.middlewares"]).to.equal(
          `${i.inputs.metadata.namespace}-redirect-https@kubernetescrd`,
        );
      }
    });

    it(`every endpoint serves TLS with a certificate from the platform's ClusterIssuer (${kind})`, async () => {
      const r = await run(kind);
      const issuer = r.services!.clusterIssuerName;
      const g = values(r, "grafana").ingress;
      const h = values(r, "headlamp").ingress;
      for (const ing of [g, h]) {
        expect(ing.enabled).to.be.true;
        expect(ing.annotations["cert-manager.io/cluster-issuer"]).to.equal(issuer);
        expect(ing.annotations["traefik.ingress.kubernetes.io/router.entrypoints"]).to.equal("websecure");
        expect(ing.tls).to.have.lengthOf(1);
        expect(ing.tls[0].secretName).to.be.a("string").and.not.be.empty;
      }
      expect(g.tls[0].hosts).to.deep.equal([`grafana.${r.settings.domain}`]);
      expect(h.tls[0].hosts).to.deep.equal([`headlamp.${r.settings.domain}`]);
      // The only plain-HTTP routes are the redirects.
      for (const i of ofType(r, "kubernetes:networking.k8s.io/v1:Ingress")) {
        expect(i.inputs.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"]).to.exist;
      }
    });
  }

  it("AWS issues public certificates from ACME with HTTP-01 through the traefik ingress class", async () => {
    const r = await run("aws-dev");
    const issuers = customResources(r, "ClusterIssuer");
    expect(issuers).to.have.lengthOf(1);
    const acme = issuers[0].inputs.spec.acme;
    expect(acme.server).to.equal("https://acme-v02.api.letsencrypt.org/directory");
    expect(acme.email).to.equal("platform-team@example.org");
    expect(acme.solvers).to.deep.equal([{ http01: { ingress: { ingressClassName: "traefik" } } }]);
    expect(r.services!.clusterIssuerName).to.equal(issuers[0].inputs.metadata.name);
    expect(values(r, "traefik").ports.web.allowACMEByPass).to.be.true;
  });

  it("edge issues from a private CA: self-signed root, CA certificate, CA ClusterIssuer", async () => {
    const r = await run("edge");
    const issuers = customResources(r, "ClusterIssuer");
    const selfSigned = issuers.find((i) => i.inputs.spec.selfSigned);
    const ca = issuers.find((i) => i.inputs.spec.ca);
    expect(selfSigned && ca, "two issuers").to.be.ok;
    const [root] = customResources(r, "Certificate");
    expect(root.inputs.spec.isCA).to.be.true;
    expect(root.inputs.spec.commonName).to.equal("datavis lab CA");
    expect(root.inputs.spec.issuerRef.name).to.equal(selfSigned!.inputs.metadata.name);
    expect(root.inputs.metadata.namespace).to.equal("cert-manager");
    expect(ca!.inputs.spec.ca.secretName).to.equal(root.inputs.spec.secretName);
    expect(r.services!.clusterIssuerName).to.equal(ca!.inputs.metadata.name);
    expect(customResources(r, "ClusterIssuer").some((i) => i.inputs.spec.acme)).to.be.false;
  });

  it("ready lists cert-manager, the ClusterIssuer and the ingress controller", async () => {
    const aws = (await run("aws-dev")).services!;
    const edge = (await run("edge")).services!;
    const names = async (s: PlatformServices) =>
      Promise.all(
        s.ready.map((x) => new Promise<string>((res) => x.urn.apply((u) => res(u.split("::").pop()!)))),
      );
    expect(await names(aws)).to.have.members(["traefik", "cert-manager", "cluster-issuer-acme"]);
    expect(await names(edge)).to.have.members(["cert-manager", "cluster-issuer-private-ca"]);
    expect(aws.ingressClass).to.equal("traefik");
  });

  for (const kind of [...TARGETS, "aws-prod"] as Kind[]) {
    it(`cert-manager, traefik and headlamp values validate against their schemas merged onto defaults (${kind})`, async () => {
      const r = await run(kind);
      expect(chartValuesErrors("certManager", values(r, "cert-manager"))).to.deep.equal([]);
      expect(chartValuesErrors("headlamp", values(r, "headlamp"))).to.deep.equal([]);
      if (releases(r).has("traefik"))
        expect(chartValuesErrors("traefik", values(r, "traefik"))).to.deep.equal([]);
    });
  }

  it("the schema check catches a wrong value (it is not vacuous)", () => {
    expect(chartValuesErrors("certManager", { replicaCount: "two" })).to.not.be.empty;
    expect(chartValuesErrors("headlamp", { clusterRoleBinding: { create: "no" } })).to.not.be.empty;
    expect(chartValuesErrors("traefik", { ports: { web: { http: { redirections: 1 } } } })).to.not.be.empty;
  });
});
