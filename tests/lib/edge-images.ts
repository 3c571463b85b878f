/**
 * Images named in Helm values and resource inputs, for the edge stack tests (tests/edge-stack*.test.ts).
 */

/** Every value under a key named image/imageName/repository (+tag), as a full reference. */
export function imagesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => imagesIn(v, out));
  else if (value && typeof value === "object") {
    const o = value as Record<string, any>;
    for (const [k, v] of Object.entries(o)) {
      if (k === "imageName" && typeof v === "string") out.push(v);
      else if ((k === "image" || k === "sidecarImage") && v && typeof v === "object" && v.repository) {
        out.push(`${v.registry ? `${v.registry}/` : ""}${v.repository}:${v.tag}`);
      } else imagesIn(v, out);
    }
  }
  return out;
}
