/**
 * Where the cluster suite's binaries are: tools/cluster/build.sh builds them once per pinned version into
 * a cache folder; the harness and `npm run test:cluster` read them from there.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ETCD_VERSION, KUBERNETES_PATCH_VERSION, KWOK_VERSION } from "./versions";

/** Folder of the binaries tools/cluster/build.sh builds (same rule as the script). */
export function binDir(): string {
  const cache = process.env.DATAVIS_CACHE || path.join(os.homedir(), ".cache", "datavis");
  return path.join(cache, "k8s", KUBERNETES_PATCH_VERSION);
}

export interface Binaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kubectl: string;
  kwok: string;
}

export function binaries(dir = binDir()): Binaries {
  const b: Binaries = {
    etcd: path.join(dir, `etcd-${ETCD_VERSION}`, "etcd"),
    apiserver: path.join(dir, "kube-apiserver"),
    controllerManager: path.join(dir, "kube-controller-manager"),
    scheduler: path.join(dir, "kube-scheduler"),
    kubectl: path.join(dir, "kubectl"),
    kwok: path.join(dir, `kwok-${KWOK_VERSION}`, "kwok"),
  };
  const stages = path.join(dir, `kwok-${KWOK_VERSION}`, "stages.yaml");
  const missing = [...Object.values(b), stages].filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new Error(
      `cluster binaries missing (${missing.join(", ")}): run bash tools/cluster/build.sh first`,
    );
  return b;
}
