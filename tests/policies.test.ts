/**
 * Every rule of the policy pack trips on a resource that violates it and stays quiet on one that complies.
 * Fixtures are tiny programs registering real @pulumi/aws, @pulumi/eks and @pulumi/kubernetes resources
 * under the mock runtime (tests/fixtures/policies/record.ts), so the rules see the inputs the SDKs really
 * send; shapes the SDKs cannot register under mocks use hand-written resources.
 *
 * This file: Helm releases and retired upstreams, edge images on arm64, production protection and shapes
 * only the engine produces. Kubernetes workloads and tenants: tests/policies-kubernetes.test.ts.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { quiet, reported } from "./fixtures/policies/assert";
import { postgres } from "./fixtures/policies/aws";
import { rule, syntheticRun, type FixtureStack } from "./fixtures/policies/record";
import { deployment, release } from "./fixtures/policies/kubernetes";

describe("policy pack: Helm and upstreams", () => {
  it("a release without a chart version, or with a range, is reported", async () => {
    await reported("helm-chart-version-pinned", () => release({}, { version: undefined }));
    const msgs = await reported("helm-chart-version-pinned", () => release({}, { version: "^4.0.0" }));
    expect(msgs[0]).to.match(/"\^4\.0\.0" is not exact/);
  });
  it("an exact chart version passes", () => quiet("helm-chart-version-pinned", () => release({})));

  it("ingress-nginx, the Kubernetes Dashboard, MinIO and Bitnami charts are reported", async () => {
    await reported("no-retired-upstream", () =>
      release(
        {},
        {
          chart: "ingress-nginx",
          version: "4.12.0",
          repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
        },
      ),
    );
    await reported("no-retired-upstream", () =>
      release(
        {},
        {
          chart: "kubernetes-dashboard",
          version: "7.10.0",
          repositoryOpts: { repo: "https://kubernetes.github.io/dashboard/" },
        },
      ),
    );
    await reported("no-retired-upstream", () =>
      release({}, { chart: "minio", version: "5.4.0", repositoryOpts: { repo: "https://charts.min.io/" } }),
    );
    await reported("no-retired-upstream", () =>
      release(
        {},
        {
          chart: "postgresql",
          version: "16.0.0",
          repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" },
        },
      ),
    );
  });
  it("retired images are reported inside release values and pod specs", async () => {
    const msgs = await reported("no-retired-upstream", () =>
      release({
        hub: { db: { image: { registry: "docker.io", repository: "bitnami/postgresql", tag: "16.4.0" } } },
      }),
    );
    expect(msgs[0]).to.match(/values\.hub\.db\.image: image docker\.io\/bitnami\/postgresql:16\.4\.0/);
    await reported("no-retired-upstream", () =>
      deployment({ image: "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z" }),
    );
    await reported("no-retired-upstream", () =>
      deployment({ image: "registry.k8s.io/ingress-nginx/controller:v1.12.1" }),
    );
  });
  it("Traefik, Headlamp and SeaweedFS pass", async () => {
    await quiet("no-retired-upstream", () =>
      release(
        { image: { registry: "docker.io", repository: "traefik", tag: "v3.6.1" } },
        {
          chart: "traefik",
          version: "41.3.0",
          repositoryOpts: { repo: "https://traefik.github.io/charts" },
        },
      ),
    );
    await quiet("no-retired-upstream", () => deployment({ image: "docker.io/chrislusf/seaweedfs:4.44" }));
  });
});

describe("policy pack: edge images on arm64", () => {
  const edge: FixtureStack = { target: "edge" };

  it("on edge an image that is not on the arm64 list is reported, in a workload or release values", async () => {
    const msgs = await reported(
      "edge-images-arm64",
      () => deployment({ image: "docker.io/someone/amd64-only:1.0" }),
      edge,
    );
    expect(msgs[0]).to.match(/someone\/amd64-only:1\.0 is not on the arm64 list/);
    await reported(
      "edge-images-arm64",
      () =>
        release({
          singleuser: { image: { name: "quay.io/jupyter/datascience-notebook", tag: "2024-01-01" } },
        }),
      edge,
    );
  });
  it("on edge a chart version that is not on the arm64 list is reported", async () => {
    const msgs = await reported("edge-images-arm64", () => release({}, { version: "3.3.8" }), edge);
    expect(msgs).to.deep.equal([
      "chart jupyterhub@3.3.8 is not on the arm64 list (policies/arm64-images.ts)",
    ]);
  });
  it("on edge listed images pass, also from a registry mirror and from a local chart archive", () =>
    quiet(
      "edge-images-arm64",
      () => {
        deployment({ image: "mirror.lab.local:5000/library/postgres:17.6-alpine" });
        release(
          {
            singleuser: {
              image: { name: "ghcr.io/datavis-platform/singleuser", tag: "2025.12.31-spark4.0.4" },
            },
          },
          { chart: "/srv/bundle/charts/jupyterhub-4.4.0.tgz", repositoryOpts: undefined },
        );
      },
      edge,
    ));
  it("on AWS the arm64 list does not apply", () =>
    quiet("edge-images-arm64", () => deployment({ image: "docker.io/someone/amd64-only:1.0" }), {
      target: "aws",
    }));
});

describe("policy pack: production protection", () => {
  it("an unprotected database, bucket or key in production is reported", async () => {
    const msgs = await reported(
      "production-stateful-resources-protected",
      () => {
        postgres();
        new aws.s3.Bucket("notebooks", {}, { retainOnDelete: true });
        new aws.kms.Key("k", { enableKeyRotation: true });
      },
      { environment: "prod" },
    );
    expect(msgs).to.have.lengthOf(3);
    expect(msgs.join("\n"))
      .to.match(/Instance db is not protected/)
      .and.match(/Bucket notebooks/)
      .and.match(/Key k/);
  });
  it("protected stateful resources pass in production; dev may leave them unprotected", async () => {
    await quiet(
      "production-stateful-resources-protected",
      () => {
        postgres({}, { protect: true });
        new aws.s3.Bucket("notebooks", {}, { protect: true, retainOnDelete: true });
        new k8s.core.v1.PersistentVolumeClaim(
          "data",
          {
            metadata: { namespace: "db" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
          { protect: true },
        );
        new k8s.core.v1.ConfigMap("not-stateful", { metadata: { namespace: "db" }, data: {} });
      },
      { environment: "prod" },
    );
    await quiet("production-stateful-resources-protected", () => postgres());
  });
});

describe("policy pack: shapes only the engine produces", () => {
  it("an eks:index:ManagedNodeGroup without enableIMDSv2 is reported, with it passes", async () => {
    const run = (enableIMDSv2: boolean) =>
      syntheticRun([
        {
          type: "eks:index:ManagedNodeGroup",
          name: "ng",
          custom: false,
          remote: true,
          inputs: { enableIMDSv2 },
        },
      ]);
    const imds = [rule("eks-nodes-imdsv2")];
    expect((await evaluatePolicies(run(false), imds)).map((v) => v.message)).to.deep.equal([
      "enableIMDSv2 is not true",
    ]);
    expect(await evaluatePolicies(run(true), imds)).to.deep.equal([]);
  });
});
