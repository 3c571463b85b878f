/**
 * Image references: parsing `registry/path:tag@digest` and finding images in specs and Helm values.
 */
import { walk, type Found } from "./lib-k8s";

export interface ImageRef {
  /** As written. */
  ref: string;
  registry: string;
  /** Repository path without registry, `library/` added for Docker Hub official images. */
  path: string;
  tag?: string;
  digest?: string;
}

function looksLikeRegistry(segment: string): boolean {
  return segment.includes(".") || segment.includes(":") || segment === "localhost";
}

export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && looksLikeRegistry(parts[0])) registry = parts.shift()!;
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  let path = parts.join("/");
  if (registry === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return { ref, registry, path, tag, digest };
}

/** `path[:tag]` without the registry: the same image whether pulled upstream or from a site's mirror. */
export function imageKey(img: ImageRef, withTag = true): string {
  const p = img.path.replace(/^library\//, "");
  return withTag && img.tag ? `${p}:${img.tag}` : p;
}

const IMAGE_STRING = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
const IMAGE_KEY = /^(image|imageName|[a-z]+Image)$/;

/**
 * Image references anywhere in a resource's spec or a release's values: `image: "repo:tag"` strings,
 * `{registry, repository, tag}` objects (most charts) and `{name, tag}` objects (zero-to-jupyterhub).
 * `explicitTag` is false where the chart fills the tag in from its own appVersion.
 */
export function imagesIn(root: unknown): Found<{ image: string; explicitTag: boolean }>[] {
  const out: Found<{ image: string; explicitTag: boolean }>[] = [];
  walk(root, (v, path, key) => {
    if (
      typeof v === "string" &&
      IMAGE_KEY.test(key) &&
      IMAGE_STRING.test(v) &&
      !/^(Always|IfNotPresent|Never)$/.test(v)
    ) {
      out.push({ path, value: { image: v, explicitTag: true } });
      return;
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) return;
    const tag = v.tag === undefined || v.tag === null || v.tag === "" ? undefined : String(v.tag);
    const digest = typeof v.digest === "string" && v.digest ? v.digest : undefined;
    if (typeof v.repository === "string" && v.repository && (IMAGE_KEY.test(key) || tag !== undefined)) {
      const base =
        typeof v.registry === "string" && v.registry ? `${v.registry}/${v.repository}` : v.repository;
      out.push({
        path,
        value: {
          image: `${base}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`,
          explicitTag: !!(tag || digest),
        },
      });
    } else if (IMAGE_KEY.test(key) && typeof v.name === "string" && v.name && IMAGE_STRING.test(v.name)) {
      out.push({
        path,
        value: { image: `${v.name}${tag ? `:${tag}` : ""}`, explicitTag: tag !== undefined },
      });
    }
  });
  return out;
}

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  const img = parseImage(image);
  if (img.digest) return undefined;
  if (!img.tag) return `image "${image}" has no tag (it would pull "latest")`;
  if (img.tag.toLowerCase() === "latest") return `image "${image}" uses the moving tag "latest"`;
  return undefined;
}
