/**
 * AWS target: Network -> Cluster -> Database -> ObjectStore -> Platform.
 */
import * as aws from "@pulumi/aws";
import type { PlatformConfig } from "./config";
import type { StackOutputs } from "./program";

export async function awsStack(cfg: PlatformConfig): Promise<StackOutputs> {
  const a = cfg.aws!;
  const provider = new aws.Provider("aws", {
    region: a.region as aws.Region,
    defaultTags: { tags: { project: cfg.project, stack: cfg.stack, environment: cfg.environment } },
  });
  return { region: a.region, providerUrn: provider.urn };
}
