/** Keys of the edge target (read only when `target: edge`): the existing cluster and its nodes. */
import { z } from "zod";
import { int, key, oneOf, secret, text, type KeyDef } from "./kit";

export const EDGE_NODE_MODEL = oneOf(["pi4-4gb", "pi4-8gb", "pi5-4gb", "pi5-8gb", "pi5-16gb", "custom"]);
export type EdgeNodeModel = z.infer<typeof EDGE_NODE_MODEL>;

/** Per-node capacity of the supported Raspberry Pi models (cores, GiB). */
export const EDGE_NODE_MODELS: Record<Exclude<EdgeNodeModel, "custom">, { cpu: number; memoryGi: number }> = {
  "pi4-4gb": { cpu: 4, memoryGi: 4 },
  "pi4-8gb": { cpu: 4, memoryGi: 8 },
  "pi5-4gb": { cpu: 4, memoryGi: 4 },
  "pi5-8gb": { cpu: 4, memoryGi: 8 },
  "pi5-16gb": { cpu: 4, memoryGi: 16 },
};

const preset = (model: unknown) =>
  model === "custom" ? undefined : EDGE_NODE_MODELS[model as Exclude<EdgeNodeModel, "custom">];

const DNS_NAME_OR_LABEL = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const EDGE_KEYS: KeyDef[] = [
  key({
    key: "kubeconfig",
    kind: "secret",
    schema: secret(),
    appliesTo: "edge",
    required: true,
    doc: { default: "(required)", description: "kubeconfig of the existing cluster" },
  }),
  key({
    key: "airGapped",
    kind: "bool",
    schema: z.boolean(),
    appliesTo: "edge",
    default: false,
    doc: { default: "false", description: "charts from `chartsDir`, images from `registryMirror`" },
  }),
  key({
    key: "registryMirror",
    kind: "text",
    schema: text(
      /^[a-z0-9.-]+(:\d{1,5})?$/,
      "host[:port] of a registry mirror, e.g. registry.lab.local:5000",
    ),
    appliesTo: "edge",
    default: "",
    doc: { default: "(required when air-gapped)", description: "host[:port] of the site's registry mirror" },
  }),
  key({
    key: "edgeNodeModel",
    kind: "enum",
    schema: EDGE_NODE_MODEL,
    appliesTo: "edge",
    default: "pi4-4gb",
    doc: { default: "pi4-4gb", description: "pi4-4gb, pi4-8gb, pi5-4gb, pi5-8gb, pi5-16gb or custom" },
  }),
  key({
    key: "chartsDir",
    kind: "text",
    schema: text(/^[^\0]{1,1024}$/, "a folder path"),
    appliesTo: "edge",
    default: "bundle/charts",
    doc: { default: "bundle/charts", description: "folder of chart archives when air-gapped" },
  }),
  key({
    key: "edgeNodeCount",
    kind: "int",
    schema: int(1, 1000),
    appliesTo: "edge",
    default: 3,
    doc: { default: "3", description: "nodes in the cluster, for the capacity estimate" },
  }),
  key({
    key: "edgeNodeCpu",
    kind: "int",
    schema: int(1, 1024),
    appliesTo: "edge",
    default: (v) => preset(v.edgeNodeModel)?.cpu ?? 4,
    doc: { default: "(from model)", description: "CPU cores per node when the model is custom" },
  }),
  key({
    key: "edgeNodeMemoryGi",
    kind: "int",
    schema: int(1, 16384),
    appliesTo: "edge",
    default: (v) => preset(v.edgeNodeModel)?.memoryGi ?? 4,
    doc: { default: "(from model)", description: "memory (GiB) per node when the model is custom" },
  }),
  key({
    key: "storageClass",
    kind: "text",
    schema: text(DNS_NAME_OR_LABEL, "a StorageClass name"),
    appliesTo: "edge",
    default: "local-path",
    doc: { default: "local-path", description: "StorageClass for volumes (k3s ships local-path)" },
  }),
  key({
    key: "etcdSnapshotSchedule",
    kind: "text",
    schema: text(/^\S+( \S+){4}$/, "a 5-field cron schedule such as 0 */6 * * *"),
    appliesTo: "edge",
    default: "0 */6 * * *",
    doc: {
      default: "0 */6 * * *",
      description: "k3s etcd snapshot schedule (servers with embedded etcd; ansible-pi applies it)",
    },
  }),
  key({
    key: "etcdSnapshotRetention",
    kind: "int",
    schema: int(1, 1000),
    appliesTo: "edge",
    default: 28,
    doc: { default: "28", description: "etcd snapshots kept, on each server and in the object store" },
  }),
  key({
    key: "etcdSnapshotsToObjectStore",
    kind: "bool",
    schema: z.boolean(),
    appliesTo: "edge",
    // A custom (private cloud) cluster's control plane is not ansible-pi's k3s: its operator backs it up.
    default: (v) => v.edgeNodeModel !== "custom",
    doc: {
      default: "true (false for custom)",
      description: "copy each etcd snapshot to the site's SeaweedFS (bucket, keys, NodePort for the servers)",
    },
  }),
  key({
    key: "etcdSnapshotNodePort",
    kind: "int",
    schema: int(30000, 32767),
    appliesTo: "edge",
    default: 30833,
    doc: {
      default: "30833",
      description:
        "NodePort where k3s servers reach the S3 API for etcd snapshots (the servers' own network)",
    },
  }),
  key({
    key: "installIngress",
    kind: "bool",
    schema: z.boolean(),
    appliesTo: "edge",
    default: false,
    doc: { default: "false", description: "install Traefik (k3s already runs one)" },
  }),
];
