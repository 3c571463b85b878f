/**
 * The four things a target provides to the shared platform layer (see ../shared/DESIGN.md):
 * the cluster, the database, object storage and the TLS issuer. The platform never asks which target
 * it runs on; everything it needs to know about the target is in these types.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ArtifactSource } from "./artifacts";

export interface ClusterInput {
  /** Kubernetes provider for the cluster every platform resource is created in. */
  provider: k8s.Provider;
  /** StorageClass for notebook volumes and stateful services (`gp3-encrypted` on EKS, `local-path` on k3s). */
  storageClass: string;
  /** CPU architecture(s) of the nodes that run platform pods. */
  architectures: ("amd64" | "arm64")[];
  /** Install the Traefik ingress controller (false where the cluster already runs one, as k3s does). */
  installIngress: boolean;
  /** Ingress class name that platform Ingresses use. */
  ingressClass: string;
  /**
   * Node selectors/tolerations that steer workloads to dedicated node groups (EKS: notebook and Spark
   * spot groups). Empty on clusters without dedicated groups.
   */
  nodePools: {
    notebooks?: { nodeSelector: Record<string, string>; tolerations: k8s.types.input.core.v1.Toleration[] };
    spark?: { nodeSelector: Record<string, string>; tolerations: k8s.types.input.core.v1.Toleration[] };
  };
  /**
   * Where this cluster's charts and images come from: online repositories, or an air-gapped site's
   * chart folder and registry mirror. Every release and image reference of every layer goes through it
   * (`releaseArgs`, `imageRef` in ./artifacts).
   */
  artifacts: ArtifactSource;
  /**
   * How the target brings traffic to the ingress controller: its own load-balancer controller's Service
   * (AWS: the AWS Load Balancer Controller's NLB), or a forwarder in front of the nodes' host ports (AWS dev:
   * the NAT instance). Unset: the chart's plain Service of type LoadBalancer (k3s ServiceLB).
   */
  ingressService?: IngressServiceInput;
}

/** How the ingress is exposed by the target. */
export type IngressServiceInput =
  | {
      /** A Service of type LoadBalancer that the target's controller turns into a load balancer. */
      kind: "loadBalancer";
      /** Annotations of the Service that select and configure the load balancer. */
      annotations: Record<string, pulumi.Input<string>>;
      /** Labels of the ingress namespace (AWS: the controller's pod readiness gates). */
      namespaceLabels?: Record<string, string>;
      /** What must exist before the Service (its controller), so no other controller takes the Service. */
      dependsOn: pulumi.Resource[];
    }
  | {
      /**
       * The target forwards the ingress ports to the same ports of the nodes the controller may run on:
       * the controller runs on each of them with host ports, its Service stays inside the cluster.
       */
      kind: "hostPorts";
      /** The public address the target forwards from; Ingress status carries it (ExternalDNS reads it). */
      address: pulumi.Input<string>;
    };

export interface DatabaseInput {
  /** Host name the cluster's pods reach PostgreSQL at. */
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Database the platform's data lives in. */
  database: string;
  /** Administrator (owner) credentials; the platform creates the app and read-only roles with them. */
  adminUser: pulumi.Input<string>;
  adminPassword: pulumi.Input<string>;
  /** `require` (CloudNativePG) or `verify-full` (RDS, with the CA bundle in `caCertificate`). */
  sslMode: "require" | "verify-full";
  /** PEM CA bundle that signs the server certificate, when sslMode is verify-full. */
  caCertificate?: pulumi.Input<string>;
}

/** How pods authenticate to object storage. */
export type ObjectStoreIdentity =
  /**
   * IAM roles bound to Kubernetes service accounts (IRSA); keyed by platform workload. Pods of tenant
   * namespaces (notebook servers, Spark drivers and executors) get theirs from EKS Pod Identity instead:
   * the target associates each tenant namespace's `notebook` and `spark` accounts with one role per kind,
   * scoped by the session's `kubernetes-namespace` tag to `tenants/<namespace>/` (no annotation needed).
   */
  | {
      kind: "workload";
      roleArns: Partial<Record<ObjectStoreWorkload, pulumi.Input<string>>>;
      /**
       * Where tenant pods fetch their EKS Pod Identity credentials: the node's agent (a link-local address
       * and port). Tenants' default-deny network policy must let them reach it, or the SDK times out.
       */
      podIdentityAgent?: { cidr: string; port: number };
    }
  /** Static S3 keys for an in-cluster S3-compatible store. */
  | {
      kind: "keys";
      accessKeyId: pulumi.Input<string>;
      secretAccessKey: pulumi.Input<string>;
      /** Each tenant's own keys (scoped to its prefixes), by tenant name: what its notebook servers hold. */
      tenants?: Record<string, { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> }>;
      /** Keys of the sample-data Job: `raw/` of the datasets bucket only (else it uses the keys above). */
      sampleData?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
      /** Each tenant's home-backup writer keys (upload under its backup prefix only), by tenant name. */
      tenantBackupWriters?: Record<
        string,
        { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> }
      >;
    };

/** Platform workloads that touch object storage, each with its own identity and bucket/prefix scope. */
export type ObjectStoreWorkload = "notebooks" | "scheduledRuns" | "datasets" | "backup" | "sampleData";

export interface ObjectStoreInput {
  /** S3 endpoint URL; undefined for AWS S3 (the SDKs find it from the region). */
  endpoint?: pulumi.Input<string>;
  region: string;
  /** Path-style addressing (needed by most in-cluster S3 implementations). */
  forcePathStyle: boolean;
  buckets: {
    /** Versioned notebook storage and backups. */
    notebooks: pulumi.Input<string>;
    /** Landing zone for uploaded datasets. */
    datasets: pulumi.Input<string>;
    /** Spark event logs and streaming checkpoints. */
    spark: pulumi.Input<string>;
  };
  identity: ObjectStoreIdentity;
}

export type TlsIssuerInput =
  /** Public certificates from an ACME CA (Let's Encrypt), HTTP-01 through the ingress. */
  | { kind: "acme"; email: string; server: string }
  /** A private CA made in-cluster (self-signed root), for sites that cannot reach an ACME CA. */
  | { kind: "privateCa"; commonName: string };

/** What one node offers pods: capacity minus what the kubelet reserves and keeps for eviction. */
export interface NodeAllocatable {
  /** Cores pods may request. */
  cpuCores: number;
  /** MiB pods may request. */
  memoryMi: number;
}
