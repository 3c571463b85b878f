import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { VERSIONS_MODULE_CANDIDATES, versionsModule } from "../tools/release/pin-image";

const ROOT = path.resolve(__dirname, "..");
const config = JSON.parse(fs.readFileSync(path.join(ROOT, ".github/renovate.json"), "utf8"));

/** A managerFilePatterns entry: `/regex/` is a regular expression, anything else a glob (unused here). */
function fileRegex(pattern: string): RegExp {
  expect(pattern, "managerFilePatterns entries are /regex/").to.match(/^\/.*\/$/);
  return new RegExp(pattern.slice(1, -1));
}

/** What Renovate's regex managers extract from a file: one {datasource, depName, registryUrl, currentValue} per match. */
function extract(rel: string, text: string): Record<string, string | undefined>[] {
  const deps: Record<string, string | undefined>[] = [];
  for (const m of config.customManagers) {
    if (!m.managerFilePatterns.some((p: string) => fileRegex(p).test(rel))) continue;
    for (const s of m.matchStrings) {
      for (const hit of text.matchAll(new RegExp(s, "g"))) {
        const g = hit.groups ?? {};
        deps.push({
          datasource: g.datasource ?? m.datasourceTemplate,
          depName: g.depName ?? m.depNameTemplate,
          registryUrl: g.registryUrl,
          currentValue: g.currentValue,
        });
      }
    }
  }
  return deps;
}

describe("Renovate (.github/renovate.json)", () => {
  const rel = path.relative(ROOT, versionsModule(ROOT));
  const deps = extract(rel, fs.readFileSync(path.join(ROOT, rel), "utf8"));
  const versions = require(path.join(ROOT, rel));

  it("finds the versions module at its old and its new path", () => {
    for (const p of VERSIONS_MODULE_CANDIDATES) {
      expect(extract(p, 'chart: "a", repo: "https://x", version: "1.0.0"'), p).to.have.length(1);
    }
  });

  it("sees every chart pin of the versions module with its repository and version", () => {
    const charts = deps.filter((d) => d.datasource === "helm");
    for (const pin of Object.values<any>(versions.CHARTS)) {
      expect(charts, pin.chart).to.deep.include({
        datasource: "helm",
        depName: pin.chart,
        registryUrl: pin.repo,
        currentValue: pin.version,
      });
    }
    expect(charts).to.have.length(Object.keys(versions.CHARTS).length);
  });

  it("sees every image tag of the versions module (SPARK_VERSION for the Spark image)", () => {
    const images = new Set(
      deps.filter((d) => d.datasource === "docker").map((d) => `${d.depName}:${d.currentValue}`),
    );
    for (const [key, ref] of Object.entries<string>(versions.IMAGES)) {
      // The project's own images are pinned by the release (tools/release/pin-image.ts), not by Renovate.
      if (/^ghcr\.io\/datavis-platform\//.test(ref)) continue;
      expect([...images], `IMAGES.${key}`).to.include(ref);
    }
    expect([...images]).to.include(`docker.io/apache/spark:${versions.SPARK_VERSION}`);
  });

  it("opens one pull request per group: npm packages, helm charts, container images, spark, k3s, actions", () => {
    const groups = new Set(config.packageRules.map((r: any) => r.groupName));
    expect([...groups]).to.have.members([
      "npm packages",
      "helm charts",
      "container images",
      "spark",
      "k3s",
      "github actions",
    ]);
  });

  it("sees the k3s pin in the versions module and in ansible-pi, as one dependency", () => {
    const k3s = (rel: string) =>
      extract(rel, fs.readFileSync(path.join(ROOT, rel), "utf8")).filter((d) => d.depName === "k3s-io/k3s");
    expect(k3s("components/versions/index.ts")).to.deep.equal([
      {
        datasource: "github-releases",
        depName: "k3s-io/k3s",
        registryUrl: undefined,
        currentValue: versions.K3S_VERSION,
      },
    ]);
    expect(k3s("ansible-pi/inventory/example/group_vars/all.yml").map((d) => d.currentValue)).to.deep.equal([
      versions.K3S_VERSION,
    ]);
  });
});
