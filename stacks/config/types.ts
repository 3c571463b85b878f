/**
 * The validated config's shape, as the stacks and components read it. Value types come from the schema
 * (`z.infer`); the grouping (auth, maintenance, aws, edge) is built by parse.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { INGRESS_MODES, NAT_GATEWAYS, NAT_MODES, SYSTEM_NODE_CAPACITY } from "./keys-aws";
import type { EdgeNodeModel } from "./keys-edge";
import type { AUTH_PROVIDER, ENVIRONMENT, TARGET, TENANT } from "./keys-platform";
import type { SignIn } from "../../components/platform/sign-in";

export type Target = z.infer<typeof TARGET>;
export type { EdgeNodeModel } from "./keys-edge";
export type Environment = z.infer<typeof ENVIRONMENT>;
export type AuthProvider = z.infer<typeof AUTH_PROVIDER>;

/** A team or a class: one namespace with its own quota, limits, network isolation and RBAC. */
export interface TenantConfig extends z.output<typeof TENANT> {
  /** DNS label; the namespace is `tenant-<name>`. */
  name: string;
  /** CPU cores the whole tenant may request. */
  cpu: number;
  /** Memory (GiB) the whole tenant may request. */
  memoryGi: number;
  /** Persistent storage (GiB) the tenant may claim. */
  storageGi: number;
  /** Identity-provider user names (or e-mails) of the engineers who may deploy into this tenant. */
  owners: string[];
  /** Identity-provider user names (or e-mails) of the students whose notebook servers run in this tenant. */
  members: string[];
  /** Identity-provider groups (GitHub `org:team`, Google or Entra groups) whose members belong here. */
  groups: string[];
}

/** The sign-in settings are the platform's SignIn (declared by the component that consumes them). */
export type AuthConfig = SignIn & { provider: AuthProvider };

export interface AwsConfig {
  region: string;
  vpcCidr: string;
  azCount: 2 | 3;
  /** `single` NAT gateway (cheap, one AZ's outage cuts egress) or one `perAz`. */
  natGateways: z.infer<typeof NAT_GATEWAYS>;
  /** `instance`: one arm64 NAT instance (an Auto Scaling group of one) instead of NAT gateways. */
  natMode: z.infer<typeof NAT_MODES>;
  /** EC2 type of the NAT instance. */
  natInstanceType: string;
  /** `natInstance`: the NAT instance forwards 80/443 to the system nodes; `loadBalancer`: an NLB. */
  ingressMode: z.infer<typeof INGRESS_MODES>;
  /** CIDRs that may reach the public EKS API endpoint; empty means private endpoint only. */
  apiAllowedCidrs: string[];
  /** IAM principal ARNs given cluster-admin through EKS access entries. */
  clusterAdminArns: string[];
  systemNodeInstanceType: string;
  /** `spot`: the system nodes from spot capacity (dev's default), else on-demand. */
  systemNodeCapacity: z.infer<typeof SYSTEM_NODE_CAPACITY>;
  notebookInstanceTypes: string[];
  sparkInstanceTypes: string[];
  notebookMaxNodes: number;
  sparkMaxNodes: number;
  dbInstanceClass: string;
  dbAllocatedStorageGb: number;
  dbBackupRetentionDays: number;
  acmeEmail: string;
  /**
   * Route 53 hosted zone (ID) where ExternalDNS keeps the endpoints' records; empty: no ExternalDNS, the
   * records are made by hand (docs/aws.md).
   */
  externalDnsZoneId: string;
  /** Retention (days) of the EKS control-plane (audit) logs in CloudWatch. */
  auditLogRetentionDays: number;
  flowLogRetentionDays: number;
  /** Spawn latency on the autoscaled notebook nodes (components/platform/notebooks/spawn-latency.ts). */
  notebookPrePuller: boolean;
  notebookPlaceholders: number;
  notebookPlaceholderProfile: "small" | "large" | "spark";
}

export interface EdgeConfig {
  /** Kubeconfig of the existing cluster (a Pulumi secret). */
  kubeconfig: pulumi.Output<string>;
  airGapped: boolean;
  /** host[:port] of the site's registry mirror; required when air-gapped. */
  registryMirror: string;
  /** Folder holding the chart archives (.tgz) when air-gapped. */
  chartsDir: string;
  nodeCount: number;
  nodeModel: EdgeNodeModel;
  /** CPU cores per node (from the model, or `edgeNodeCpu` for `custom`). */
  nodeCpu: number;
  /** Memory (GiB) per node (from the model, or `edgeNodeMemoryGi` for `custom`). */
  nodeMemoryGi: number;
  storageClass: string;
  /** Install Traefik; false where the cluster already runs one (k3s ships it). */
  installIngress: boolean;
  /** k3s etcd snapshots: schedule and retention (ansible-pi applies them), and the object-store copy. */
  etcdSnapshots: { schedule: string; retention: number; toObjectStore: boolean; nodePort: number };
}

export interface PlatformConfig {
  project: string;
  stack: string;
  target: Target;
  environment: Environment;
  /** True for `environment: prod`: replicas, deletion protection, longer retention. */
  production: boolean;
  domain: string;
  tenants: TenantConfig[];
  admins: string[];
  auth: AuthConfig;
  maintenance: { enabled: boolean; message: string };
  activityLogRetentionDays: number;
  notebookStorageGi: number;
  notebookBackupRetentionDays: number;
  cullIdleMinutes: number;
  /** Single-user notebook image (registry/path:tag); empty means the pinned IMAGES.singleuser. */
  singleUserImage: string;
  /**
   * PyPI simple index the default image installs the notebook extras from at start; empty means pypi.org.
   * Unused when singleUserImage is set (that image carries the extras).
   */
  notebookPackageIndex: string;
  /** Scheduled Papermill runs (charts/scheduled-notebooks `runs`: name, schedule, source, notebook, ...). */
  scheduledRuns: Record<string, unknown>[];
  /** Users active at once, for the cost and capacity estimates. */
  activeUsers: number;
  aws?: AwsConfig;
  edge?: EdgeConfig;
}
