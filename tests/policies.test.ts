/**
 * Every rule of the policy pack trips on a resource that violates it and stays quiet on one that
 * complies. Fixtures are tiny programs registering real @pulumi/aws, @pulumi/eks and @pulumi/kubernetes
 * resources under the mock runtime (tests/fixtures/policies/record.ts), so the rules see the inputs the
 * SDKs really send; shapes the SDKs cannot register under mocks use hand-written resources.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { evaluatePolicies } from "../tools/plan/policy-eval";
import { quiet, reported } from "./fixtures/policies/assert";
import { postgres } from "./fixtures/policies/aws";
import { rule, syntheticRun, violationsOf, type FixtureStack } from "./fixtures/policies/record";

type ContainerArgs = k8s.types.input.core.v1.Container;

const GOOD_CONTAINER: ContainerArgs = {
  name: "app",
  image: "docker.io/library/postgres:17.6-alpine",
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  securityContext: { runAsNonRoot: true, runAsUser: 70, allowPrivilegeEscalation: false, privileged: false },
};

function deployment(
  container: Partial<ContainerArgs> = {},
  pod: Partial<k8s.types.input.core.v1.PodSpec> = {},
  namespace = "platform-jobs",
) {
  return new k8s.apps.v1.Deployment("app", {
    metadata: { namespace },
    spec: {
      selector: { matchLabels: { app: "app" } },
      template: {
        metadata: { labels: { app: "app" } },
        spec: { containers: [{ ...GOOD_CONTAINER, ...container }], ...pod },
      },
    },
  });
}

function release(values: Record<string, unknown>, args: Partial<k8s.helm.v3.ReleaseArgs> = {}) {
  return new k8s.helm.v3.Release("rel", {
    chart: "jupyterhub",
    version: "4.4.0",
    repositoryOpts: { repo: "https://hub.jupyter.org/helm-chart/" },
    namespace: "jupyterhub",
    values,
    ...args,
  });
}

const SIDECAR = {
  name: "sidecar",
  image: "docker.io/library/postgres:17.6-alpine",
  resources: GOOD_CONTAINER.resources,
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
};

describe("policy pack: Kubernetes workloads", () => {
  it("a container without limits is reported, in a workload and in a release's extra containers", async () => {
    const msgs = await reported("k8s-container-requests-and-limits", () =>
      deployment({ resources: { requests: { cpu: "50m", memory: "64Mi" } } }),
    );
    expect(msgs).to.deep.equal(["container app has no limits.cpu, limits.memory"]);
    const rel = await reported("k8s-container-requests-and-limits", () =>
      release({ hub: { extraContainers: [{ ...SIDECAR, resources: undefined }] } }),
    );
    expect(rel[0]).to.match(/values\.hub\.extraContainers\[0\] \(container sidecar\) has no requests\.cpu/);
  });
  it("containers with CPU and memory requests and limits pass", async () => {
    await quiet("k8s-container-requests-and-limits", () => deployment());
    await quiet("k8s-container-requests-and-limits", () => release({ hub: { extraContainers: [SIDECAR] } }));
  });

  it("a container that may run as root is reported", async () => {
    await reported("k8s-run-as-non-root", () =>
      deployment({ securityContext: { allowPrivilegeEscalation: false } }),
    );
    await reported("k8s-run-as-non-root", () => deployment({ securityContext: { runAsUser: 0 } }));
    await reported("k8s-run-as-non-root", () =>
      release({ singleuser: { uid: 1000, containerSecurityContext: { runAsUser: 0 } } }),
    );
  });
  it("runAsNonRoot on the container, or a non-zero user on the pod, passes", async () => {
    await quiet("k8s-run-as-non-root", () => deployment());
    await quiet("k8s-run-as-non-root", () =>
      deployment(
        { securityContext: { allowPrivilegeEscalation: false } },
        { securityContext: { runAsUser: 1000 } },
      ),
    );
  });

  it("a privileged container is reported", async () => {
    await reported("k8s-no-privileged-containers", () =>
      deployment({ securityContext: { ...GOOD_CONTAINER.securityContext, privileged: true } }),
    );
    await reported("k8s-no-privileged-containers", () =>
      release({ hub: { containerSecurityContext: { privileged: true } } }),
    );
  });
  it("unprivileged containers pass", () => quiet("k8s-no-privileged-containers", () => deployment()));

  it("a container that may escalate privileges is reported", () =>
    reported("k8s-no-privilege-escalation", () => deployment({ securityContext: { runAsNonRoot: true } })));
  it("allowPrivilegeEscalation: false passes", () =>
    quiet("k8s-no-privilege-escalation", () => deployment()));

  it("hostNetwork, hostPID or hostIPC is reported, in a pod spec or release values", async () => {
    const msgs = await reported("k8s-no-host-namespaces", () =>
      deployment({}, { hostNetwork: true, hostPID: true }),
    );
    expect(msgs[0]).to.equal("pod spec sets hostNetwork: true, hostPID: true");
    await reported("k8s-no-host-namespaces", () => release({ proxy: { chp: { hostNetwork: true } } }));
  });
  it("pods in their own namespaces pass", async () => {
    await quiet("k8s-no-host-namespaces", () => deployment({}, { hostNetwork: false }));
    await quiet("k8s-no-host-namespaces", () => release({ proxy: { chp: { hostNetwork: false } } }));
  });

  it("a hostPath volume is reported", async () => {
    await reported("k8s-no-hostpath-volumes", () =>
      deployment({}, { volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }),
    );
    await reported("k8s-no-hostpath-volumes", () =>
      release({ singleuser: { storage: { extraVolumes: [{ name: "h", hostPath: { path: "/etc" } }] } } }),
    );
  });
  it("emptyDir and PVC volumes pass", () =>
    quiet("k8s-no-hostpath-volumes", () =>
      deployment(
        {},
        {
          volumes: [
            { name: "tmp", emptyDir: {} },
            { name: "data", persistentVolumeClaim: { claimName: "d" } },
          ],
        },
      ),
    ));

  it("an image without a tag, or tagged latest, is reported", async () => {
    const msgs = await reported("k8s-image-tag-pinned", () =>
      deployment({ image: "docker.io/apache/spark" }),
    );
    expect(msgs[0]).to.match(/has no tag/);
    await reported("k8s-image-tag-pinned", () => deployment({ image: "apache/spark:latest" }));
    await reported("k8s-image-tag-pinned", () =>
      release({ singleuser: { image: { name: "quay.io/jupyter/scipy-notebook", tag: "latest" } } }),
    );
  });
  it("tagged or digest-pinned images pass; a chart's own default tag is not judged", async () => {
    await quiet("k8s-image-tag-pinned", () => deployment({ image: "apache/spark@sha256:" + "0".repeat(64) }));
    await quiet("k8s-image-tag-pinned", () =>
      release({
        singleuser: { image: { name: "ghcr.io/datavis-platform/singleuser", tag: "2025.12.31-spark4.0.4" } },
        hub: { image: { name: "quay.io/jupyterhub/k8s-hub" } },
      }),
    );
  });

  it("a workload in the default namespace is reported (advisory)", async () => {
    const v = await violationsOf("k8s-no-default-namespace", () => deployment({}, {}, "default"));
    expect(v.map((x) => x.level)).to.deep.equal(["advisory"]);
  });
  it("a workload in its own namespace, or in its provider's namespace, passes", async () => {
    await quiet("k8s-no-default-namespace", () => deployment());
    await quiet("k8s-no-default-namespace", () => {
      const provider = new k8s.Provider("apps", { kubeconfig: "{}", namespace: "apps" });
      new k8s.core.v1.ConfigMap("settings", { data: {} }, { provider });
      new k8s.batch.v1.Job(
        "job",
        { spec: { template: { spec: { restartPolicy: "Never", containers: [GOOD_CONTAINER] } } } },
        { provider },
      );
    });
  });
});

/** A tenant namespace with the pieces the tenant rules ask for; `omit` drops one. */
function tenant(omit: "quota" | "deny" | "none" = "none", denyEgress = true) {
  const ns = new k8s.core.v1.Namespace("tenant-a", {
    metadata: { name: "tenant-a", labels: { "datavis.io/tenant": "a" } },
  });
  if (omit !== "quota") {
    new k8s.core.v1.ResourceQuota("tenant-a", {
      metadata: { name: "quota", namespace: ns.metadata.name },
      spec: { hard: { "requests.cpu": "8", "requests.memory": "32Gi" } },
    });
  }
  if (omit !== "deny") {
    new k8s.networking.v1.NetworkPolicy("tenant-a-deny", {
      metadata: { name: "default-deny", namespace: ns.metadata.name },
      spec: { podSelector: {}, policyTypes: denyEgress ? ["Ingress", "Egress"] : ["Ingress"] },
    });
  }
  new k8s.networking.v1.NetworkPolicy("tenant-a-same-ns", {
    metadata: { name: "allow-same-namespace", namespace: ns.metadata.name },
    spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
  });
}

describe("policy pack: tenants", () => {
  it("a tenant namespace without a ResourceQuota is reported", async () => {
    const msgs = await reported("k8s-tenant-resource-quota", () => tenant("quota"));
    expect(msgs).to.deep.equal(["tenant namespace tenant-a has no ResourceQuota"]);
  });
  it("a tenant namespace with a quota passes; platform namespaces are not tenants", () =>
    quiet("k8s-tenant-resource-quota", () => {
      tenant();
      new k8s.core.v1.Namespace("monitoring", { metadata: { name: "monitoring" } });
    }));

  it("a tenant namespace without a default-deny policy is reported (an allow policy does not count)", async () => {
    await reported("k8s-tenant-default-deny-network-policy", () => tenant("deny"));
    await reported("k8s-tenant-default-deny-network-policy", () => tenant("none", false));
  });
  it("a tenant namespace denying all ingress and egress by default passes", () =>
    quiet("k8s-tenant-default-deny-network-policy", () => tenant()));
});

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
