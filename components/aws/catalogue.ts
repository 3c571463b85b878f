/**
 * Facts of the AWS catalogue that the AWS components and the config checks share.
 */

/**
 * Availability Zone IDs in which EKS cannot place a control plane (the EKS user guide, "View Amazon EKS
 * networking requirements for VPC and subnets": use1-az3 in us-east-1, usw1-az2 in us-west-1, cac1-az3 in
 * ca-central-1). Zone names map to different IDs in each account, so subnets are placed by ID.
 */
export const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"];

/** Architecture an EC2 instance type runs: Graviton families end in `g` (t4g, m7g, c7gn, r8g). */
export function instanceArch(instanceType: string): "arm64" | "x86_64" {
  const family = instanceType.split(".")[0];
  return /\dg[a-z]*$/.test(family) ? "arm64" : "x86_64";
}
