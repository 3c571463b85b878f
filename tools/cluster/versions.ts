// Pins of the control plane the cluster suite builds (tools/cluster/build.sh) and runs (tests/cluster/).
// TODO(lead): move these into the versions module beside KUBERNETES_VERSION; the build script reads them
// from this file with the same `export const NAME = "x.y.z";` pattern, so only K8S_VERSIONS_TS changes.
import { KUBERNETES_VERSION } from "./k8s-minor";

/** Kubernetes patch release built for the suite: k8s.io/kubernetes at this tag, staging modules at v0.<minor>.<patch>. */
export const KUBERNETES_PATCH_VERSION = "1.36.3";
/** etcd server (go.etcd.io/etcd/server/v3); the 3.6 line is what Kubernetes 1.36 is tested against. */
export const ETCD_VERSION = "3.6.16";
/** kwok (sigs.k8s.io/kwok): simulates kubelets (node and pod status) without containers. */
export const KWOK_VERSION = "0.8.0";

if (!KUBERNETES_PATCH_VERSION.startsWith(`${KUBERNETES_VERSION}.`)) {
  throw new Error(
    `tools/cluster/versions.ts: KUBERNETES_PATCH_VERSION ${KUBERNETES_PATCH_VERSION} is not a patch of ` +
      `KUBERNETES_VERSION ${KUBERNETES_VERSION}: set it to the newest ${KUBERNETES_VERSION}.x tag of k8s.io/kubernetes`,
  );
}
