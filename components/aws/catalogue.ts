/**
 * Facts of the AWS catalogue that the AWS components and the config checks share.
 */

/** Architecture an EC2 instance type runs: Graviton families end in `g` (t4g, m7g, c7gn, r8g). */
export function instanceArch(instanceType: string): "arm64" | "x86_64" {
  const family = instanceType.split(".")[0];
  return /\dg[a-z]*$/.test(family) ? "arm64" : "x86_64";
}
