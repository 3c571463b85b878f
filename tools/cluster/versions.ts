// The control plane's pins live in the versions module; this file only checks they agree.
import { KUBERNETES_PATCH_VERSION, KUBERNETES_VERSION } from "../../components/versions";

export { ETCD_VERSION, KUBERNETES_PATCH_VERSION, KWOK_VERSION } from "../../components/versions";

if (!KUBERNETES_PATCH_VERSION.startsWith(`${KUBERNETES_VERSION}.`)) {
  throw new Error(
    `components/versions: KUBERNETES_PATCH_VERSION ${KUBERNETES_PATCH_VERSION} is not a patch of ` +
      `KUBERNETES_VERSION ${KUBERNETES_VERSION}: set it to the newest ${KUBERNETES_VERSION}.x tag of k8s.io/kubernetes`,
  );
}
