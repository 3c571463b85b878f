/**
 * Every upstream chart and image the platform deploys, pinned in one place (contract 4 in DESIGN.md).
 *
 * The air-gap bundle script, the policy pack's arm64 list and the tests all read this module, so a version
 * bump here is the whole change. Images are multi-arch (amd64 + arm64) unless noted.
 */

export interface ChartPin {
  /** Chart name in its repository. */
  chart: string;
  /** HTTPS chart repository (never `latest`, never an OCI tag without a version). */
  repo: string;
  /** Exact chart version. */
  version: string;
}

export const CHARTS = {
  /** zero-to-jupyterhub; declares Kubernetes >= 1.28. */
  jupyterhub: { chart: "jupyterhub", repo: "https://hub.jupyter.org/helm-chart/", version: "4.4.0" },
  certManager: { chart: "cert-manager", repo: "https://charts.jetstack.io", version: "v1.21.1" },
  /** Ingress on both targets (ingress-nginx was retired upstream in March 2026). */
  traefik: { chart: "traefik", repo: "https://traefik.github.io/charts", version: "41.3.0" },
  /** kubeflow Spark operator. */
  sparkOperator: {
    chart: "spark-operator",
    repo: "https://kubeflow.github.io/spark-operator",
    version: "2.5.2",
  },
  kubePrometheusStack: {
    chart: "kube-prometheus-stack",
    repo: "https://prometheus-community.github.io/helm-charts",
    version: "88.5.3",
  },
  /** The grafana chart moved to grafana-community/helm-charts. */
  grafana: { chart: "grafana", repo: "https://grafana-community.github.io/helm-charts", version: "12.11.1" },
  /** Deployment UI (the Kubernetes Dashboard was archived in January 2026). */
  headlamp: { chart: "headlamp", repo: "https://kubernetes-sigs.github.io/headlamp/", version: "0.45.0" },
  /** Edge database operator (operator 1.30.0). */
  cloudnativePg: {
    chart: "cloudnative-pg",
    repo: "https://cloudnative-pg.github.io/charts",
    version: "0.29.0",
  },
  /** Edge S3-compatible object store with multi-arch images. */
  seaweedfs: { chart: "seaweedfs", repo: "https://seaweedfs.github.io/seaweedfs/helm", version: "4.44.0" },
  /**
   * Edge database backups: CloudNativePG's Barman Cloud CNPG-I plugin (plugin v0.13.0), which replaces the
   * in-tree `barmanObjectStore` deprecated since operator 1.26 and due for removal in 1.31.
   */
  barmanCloudPlugin: {
    chart: "plugin-barman-cloud",
    repo: "https://cloudnative-pg.github.io/charts",
    version: "0.7.0",
  },
  /** AWS: scales the spot node groups from 0 (its image is pinned in IMAGES to the cluster's minor). */
  clusterAutoscaler: {
    chart: "cluster-autoscaler",
    repo: "https://kubernetes.github.io/autoscaler",
    version: "9.59.0",
  },
  /**
   * AWS: the AWS Load Balancer Controller, which makes the ingress Network Load Balancer (IP targets)
   * instead of the Classic LB of the cloud provider (chart 3.5.0 = controller v3.5.0).
   */
  awsLoadBalancerController: {
    chart: "aws-load-balancer-controller",
    repo: "https://aws.github.io/eks-charts",
    version: "3.5.0",
  },
  /** AWS, when `externalDnsZoneId` is set: keeps the endpoints' records in that Route 53 zone (0.21.0). */
  externalDns: {
    chart: "external-dns",
    repo: "https://kubernetes-sigs.github.io/external-dns/",
    version: "1.21.1",
  },
} satisfies Record<string, ChartPin>;

export type ChartKey = keyof typeof CHARTS;

/** Apache Spark everywhere: the SparkApplications' image, the single-user image's pyspark, the tests' pyspark. */
export const SPARK_VERSION = "4.0.4";

/** Images the platform references directly (chart-internal images are pinned by the chart version). */
export const IMAGES = {
  spark: `docker.io/apache/spark:${SPARK_VERSION}`,
  /**
   * The SparkApplications' and sample-data Job's image (images/spark): FROM `spark` above plus hadoop-aws,
   * the AWS SDK v2 bundle and the PostgreSQL driver in /opt/spark/jars and the example sample data, so
   * nothing is downloaded at start. Built for amd64 + arm64 by the images workflow, which re-pins this.
   */
  sparkJobs: `ghcr.io/datavis-platform/spark:${SPARK_VERSION}-hadoop3.4.1-1`,
  /** psql and pg_dump for database bootstrap jobs. */
  postgres: "docker.io/library/postgres:17.6-alpine",
  /** Prometheus exporter for PostgreSQL (`pg_up`: the DatabaseUnreachable alert); amd64 + arm64. */
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.20.1",
  /** Edge: CloudNativePG operator (chart cloudnative-pg 0.29.0 = operator 1.30.0); amd64 + arm64. */
  cnpgOperator: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0",
  /** Edge: PostgreSQL operand image for CloudNativePG (Debian trixie, "standard" flavour); amd64 + arm64. */
  cnpgPostgres: "ghcr.io/cloudnative-pg/postgresql:18.3-standard-trixie",
  /** Edge: Barman Cloud plugin and the sidecar it injects into PostgreSQL pods (chart 0.7.0); amd64 + arm64. */
  barmanCloudPlugin: "ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.13.0",
  barmanCloudSidecar: "ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.13.0",
  /** Edge: SeaweedFS server (chart 4.44.0's appVersion); amd64 + arm64 (+ arm/v7). */
  seaweedfs: "docker.io/chrislusf/seaweedfs:4.44",
  /**
   * JupyterHub single-user server by default: Jupyter Docker Stacks' pyspark-notebook (JupyterLab, pandas,
   * pyarrow, openpyxl, Spark with pyspark and a Java runtime; Python 3.13), published upstream for amd64 +
   * arm64 and pinned by its date tag (facts and sources in matrix.ts). It lacks the platform's Python extras
   * (papermill, psycopg, boto3, kubernetes): every pod that runs it installs the hash-pinned set of
   * components/platform/notebooks/extras/ at start (python-extras.ts). Also runs the notebook backups and the
   * scheduled Papermill runs.
   */
  singleuser: "quay.io/jupyter/pyspark-notebook:2026-08-17",
  /**
   * The project's own single-user image (images/singleuser: the default's base line plus the extras, Java and
   * pyspark = SPARK_VERSION baked in, so nothing is installed at start and air-gapped sites need no package
   * index). Built for amd64 + arm64 and re-pinned here by the images workflow on a release; a stack uses it
   * with `singleUserImage`.
   */
  singleuserProject: `ghcr.io/datavis-platform/singleuser:2025.12.31-spark${SPARK_VERSION}`,
  /** AWS: Cluster Autoscaler; its minor must match the cluster's (KUBERNETES_VERSION). amd64 + arm64. */
  clusterAutoscaler: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1",
} satisfies Record<string, string>;

/**
 * Kubernetes minor version the stacks target: the EKS cluster version on AWS, the k3s release line on
 * edge, and the OpenAPI schema manifests are validated against.
 */
// 1.36: the newest minor in EKS standard support as of November 2026 (on EKS since 2 June 2026, standard
// support to 2 August 2027; EKS user guide "Review release notes for Kubernetes versions on standard support").
export const KUBERNETES_VERSION = "1.36";

/**
 * The k3s release edge clusters run (ansible-pi's `k3s_version` must equal it; a unit test compares them).
 * The version gate (`npm run versions -- --check`) checks every edge chart's kubeVersion against it.
 */
export const K3S_VERSION = "v1.36.5+k3s1";

/**
 * EKS add-ons the cluster manages (CoreDNS included, rather than the unmanaged bootstrap copy), each pinned
 * to one EKS build for KUBERNETES_VERSION: a new build reaches the cluster only through a change here and a
 * reviewed `pulumi preview` diff, never by the add-on floating on its own. A build is what
 * `aws eks describe-addon-versions --kubernetes-version 1.36 --addon-name <name>` lists; these are the
 * builds EKS resolved as the 1.36 defaults on working 1.36 clusters in September 2026 (published cluster
 * records: vpc-cni v1.22.4-eksbuild.3, kube-proxy v1.36.0-eksbuild.21, coredns v1.14.3-eksbuild.16;
 * aws-ebs-csi-driver v1.63.1-eksbuild.1, "default for 1.36" in the same month). kube-proxy's minor must be
 * the cluster's: the version gate checks it. Bump them with the cluster (UPGRADING.md, step 3).
 */
export const EKS_ADDON_VERSIONS = {
  "vpc-cni": "v1.22.4-eksbuild.3",
  coredns: "v1.14.3-eksbuild.16",
  "kube-proxy": "v1.36.0-eksbuild.21",
  "aws-ebs-csi-driver": "v1.63.1-eksbuild.1",
} as const;
export const EKS_ADDONS = Object.keys(EKS_ADDON_VERSIONS) as (keyof typeof EKS_ADDON_VERSIONS)[];
export type EksAddon = (typeof EKS_ADDONS)[number];

export * from "./matrix";
export { acceptedK3sMinors, checkK3sVersion } from "./gate";

/**
 * The control plane the cluster suite builds (tools/cluster/build.sh) and runs (tests/cluster/): the patch of
 * KUBERNETES_VERSION (k8s.io/kubernetes at this tag, its staging modules at v0.<minor>.<patch>), etcd (the 3.6
 * line Kubernetes 1.36 is tested against, go.etcd.io/etcd/server/v3) and kwok (sigs.k8s.io/kwok: node and pod
 * status without kubelets).
 */
export const KUBERNETES_PATCH_VERSION = "1.36.3";
export const ETCD_VERSION = "3.6.16";
export const KWOK_VERSION = "0.8.0";
