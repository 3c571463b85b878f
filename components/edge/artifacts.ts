/**
 * Image references in the shapes edge charts want, after the air-gap rewrite to the site's mirror.
 */
import { ArtifactSource, mirrorImage, splitImage } from "../platform/helm";

/** A container's CPU/memory requests and limits, as Kubernetes and most charts take them. */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits?: { cpu?: string; memory?: string };
}

/** `repository` (with registry) and `tag` of a pinned image, through the mirror when one is set. */
export function imageRef(image: string, source: ArtifactSource): { repository: string; tag: string } {
  return splitImage(mirrorImage(image, source.imageRegistry));
}

/** `registry`, `repository` (without registry) and `tag`, for charts that template `registry/repository:tag`. */
export function imageParts(
  image: string,
  source: ArtifactSource,
): { registry: string; repository: string; tag: string } {
  const { repository, tag } = imageRef(image, source);
  const slash = repository.indexOf("/");
  return { registry: repository.slice(0, slash), repository: repository.slice(slash + 1), tag };
}

/** The full image reference through the mirror when one is set. */
export function image(ref: string, source: ArtifactSource): string {
  return mirrorImage(ref, source.imageRegistry);
}
