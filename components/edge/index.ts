/**
 * What the edge target provides to the platform layer, in-cluster: PostgreSQL through CloudNativePG (with
 * backups to the object store) and S3-compatible storage through SeaweedFS, all on multi-arch images.
 */
export * from "./backups";
export * from "./database";
export * from "./etcd-snapshots";
export * from "./nodes";
export * from "./object-store";
