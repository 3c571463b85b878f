/**
 * Edge target: an existing cluster from its kubeconfig -> in-cluster Database + ObjectStore -> Platform.
 */
import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "./config";
import type { StackOutputs } from "./program";

export async function edgeStack(cfg: PlatformConfig): Promise<StackOutputs> {
  const e = cfg.edge!;
  const provider = new k8s.Provider("edge-cluster", {
    kubeconfig: e.kubeconfig,
    enableServerSideApply: true,
  });
  return { clusterProviderUrn: provider.urn };
}
