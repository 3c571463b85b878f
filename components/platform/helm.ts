/**
 * Helm releases from the pinned chart list, from the chart repository or, on air-gapped sites, from a
 * local folder of chart archives; and image references rewritten to a site's registry mirror.
 */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, ChartKey } from "./versions";

/** Where charts and images come from (air-gapped sites: a local folder and a registry mirror). */
export interface ArtifactSource {
  /** Folder of `<chart>-<version>.tgz` archives; charts come from their repositories when unset. */
  localChartsDir?: string;
  /** host[:port] of a registry mirror that serves every upstream image under its original path. */
  imageRegistry?: string;
}

export interface ChartReleaseArgs {
  namespace: pulumi.Input<string>;
  values: pulumi.Input<Record<string, unknown>>;
  /** Seconds Helm waits for the release to become ready (default 600). */
  timeoutSeconds?: number;
}

/** The `helm.v3.Release` arguments for one pinned chart: version always set, history bounded. */
export function releaseArgs(
  key: ChartKey,
  args: ChartReleaseArgs,
  source: ArtifactSource,
): k8s.helm.v3.ReleaseArgs {
  const pin = CHARTS[key];
  const fromRepo = !source.localChartsDir;
  return {
    chart: fromRepo ? pin.chart : path.join(source.localChartsDir!, `${pin.chart}-${pin.version}.tgz`),
    version: pin.version,
    ...(fromRepo ? { repositoryOpts: { repo: pin.repo } } : {}),
    namespace: args.namespace,
    values: args.values,
    atomic: true,
    cleanupOnFail: true,
    maxHistory: 5,
    timeout: args.timeoutSeconds ?? 600,
  };
}

/** Rewrites `registry/path:tag` to the mirror, keeping path and tag (docker.io is the default registry). */
export function mirrorImage(image: string, registry?: string): string {
  if (!registry) return image;
  const first = image.split("/")[0];
  const hasRegistry =
    image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const rest = hasRegistry ? image.slice(first.length + 1) : image.includes("/") ? image : `library/${image}`;
  return `${registry}/${rest}`;
}

/** Splits an image reference into repository and tag, as most charts' `image:` values want them. */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(":");
  if (at <= image.lastIndexOf("/")) throw new Error(`image ${image} has no tag; pin one in versions.ts`);
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}
