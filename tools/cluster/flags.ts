/**
 * Command lines of the throwaway control plane's components, everything on 127.0.0.1 and in one folder
 * `dir` (certificates and keys as tools/cluster/pki.ts names them).
 */
import * as path from "path";

/** etcd with its client and peer ports. */
export const etcdFlags = (dir: string, client: number, peer: number): string[] => [
  `--data-dir=${path.join(dir, "etcd")}`,
  `--listen-client-urls=http://127.0.0.1:${client}`,
  `--advertise-client-urls=http://127.0.0.1:${client}`,
  `--listen-peer-urls=http://127.0.0.1:${peer}`,
  `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
  `--initial-cluster=default=http://127.0.0.1:${peer}`,
  "--unsafe-no-fsync", // a test database: durability is not the point, speed on a loaded disk is
];

/** kube-apiserver: client-certificate auth only, Node + RBAC authorization, Pod Security admission. */
export const apiserverFlags = (dir: string, etcdClient: number, port: number): string[] => [
  `--etcd-servers=http://127.0.0.1:${etcdClient}`,
  "--bind-address=127.0.0.1",
  "--advertise-address=127.0.0.1",
  `--secure-port=${port}`,
  `--cert-dir=${dir}`,
  `--tls-cert-file=${path.join(dir, "apiserver.crt")}`,
  `--tls-private-key-file=${path.join(dir, "apiserver.key")}`,
  `--client-ca-file=${path.join(dir, "ca.crt")}`,
  "--anonymous-auth=false",
  "--authorization-mode=Node,RBAC",
  // PodSecurity is in the default plugin set; named so that nobody turns it off by accident.
  "--enable-admission-plugins=NodeRestriction,PodSecurity",
  "--service-account-issuer=https://kubernetes.default.svc",
  `--service-account-key-file=${path.join(dir, "sa.pub")}`,
  `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
  "--service-cluster-ip-range=10.0.0.0/24",
  "--profiling=false",
];

/** What kube-controller-manager and kube-scheduler share: one kubeconfig for all, one port, no election. */
const clientFlags = (kubeconfig: string, port: number): string[] => [
  `--kubeconfig=${kubeconfig}`,
  `--authentication-kubeconfig=${kubeconfig}`,
  `--authorization-kubeconfig=${kubeconfig}`,
  "--bind-address=127.0.0.1",
  `--secure-port=${port}`,
  "--leader-elect=false",
];

export const controllerManagerFlags = (dir: string, kubeconfig: string, port: number): string[] => [
  ...clientFlags(kubeconfig, port),
  "--use-service-account-credentials=true",
  `--service-account-private-key-file=${path.join(dir, "sa.key")}`,
  `--root-ca-file=${path.join(dir, "ca.crt")}`,
  `--cluster-signing-cert-file=${path.join(dir, "ca.crt")}`,
  `--cluster-signing-key-file=${path.join(dir, "ca.key")}`,
];

export const schedulerFlags = (kubeconfig: string, port: number): string[] => clientFlags(kubeconfig, port);

/**
 * kwok manages only nodes annotated kwok.x-k8s.io/node=fake (and the pods bound to them): it keeps
 * their leases and Ready condition fresh and moves their pods to Running, as kubelets would.
 */
export const kwokFlags = (kubeconfig: string, kwokBinary: string): string[] => [
  `--kubeconfig=${kubeconfig}`,
  `--config=${path.join(path.dirname(kwokBinary), "stages.yaml")}`,
  "--manage-all-nodes=false",
  "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
  "--cidr=10.244.0.0/16",
  "--node-ip=10.240.0.1",
  "--server-address=",
];
