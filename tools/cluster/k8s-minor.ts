// The Kubernetes minor of the versions module, for the cluster suite.
export { KUBERNETES_VERSION } from "../../components/versions";
