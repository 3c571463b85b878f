// The one place the cluster suite reads the Kubernetes minor from: change this line when the versions
// module moves (components/platform/versions.ts -> components/versions.ts).
export { KUBERNETES_VERSION } from "../../components/platform/versions";
