/**
 * Where every chart and image comes from. One artifact source per cluster (online: the charts' own
 * repositories and the images' own registries; air-gapped: a folder of chart archives and the site's
 * registry mirror), applied here and only here: every Helm release is made by `releaseArgs` and every image
 * reference by `imageRef`, so no component has to know whether the site is air-gapped.
 */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, ChartKey } from "../versions";

/** Where charts and images come from (air-gapped sites: a local folder and a registry mirror). */
export interface ArtifactSource {
  /** Folder of `<chart>-<version>.tgz` archives; charts come from their repositories when unset. */
  localChartsDir?: string;
  /** host[:port] of a registry mirror that serves every upstream image under its original path. */
  imageRegistry?: string;
}

/** The online source: every chart from its repository, every image from its registry. */
export const ONLINE: ArtifactSource = {};

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

/** The full image reference through the source's mirror when one is set (identity online). */
export function imageRef(image: string, source: ArtifactSource): string {
  return mirrorImage(image, source.imageRegistry);
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

/** `repository` (with registry) and `tag` of a pinned image through the source's mirror. */
export function imageRepoTag(image: string, source: ArtifactSource): { repository: string; tag: string } {
  return splitImage(imageRef(image, source));
}

/** `registry`, `repository` (without registry) and `tag`, for charts that template `registry/repository:tag`. */
export function imageParts(
  image: string,
  source: ArtifactSource,
): { registry: string; repository: string; tag: string } {
  const { repository, tag } = imageRepoTag(image, source);
  const slash = repository.indexOf("/");
  return { registry: repository.slice(0, slash), repository: repository.slice(slash + 1), tag };
}

/** A container's CPU/memory requests and limits, as Kubernetes and most charts take them. */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits?: { cpu?: string; memory?: string };
}
