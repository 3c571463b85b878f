/**
 * Every rule of the policy pack trips on a resource that violates it and stays quiet on one that complies.
 * Fixtures are tiny programs registering real @pulumi/aws, @pulumi/eks and @pulumi/kubernetes resources
 * under the mock runtime (tests/fixtures/policies/record.ts), so the rules see the inputs the SDKs really
 * send; shapes the SDKs cannot register under mocks use hand-written resources.
 *
 * This file: Kubernetes workloads (limits, root, privileges, host namespaces and paths, image tags,
 * namespaces) and tenant namespaces (quota, default deny).
 */
import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { violationsOf } from "./fixtures/policies/record";
import { GOOD_CONTAINER, deployment, release } from "./fixtures/policies/kubernetes";

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
