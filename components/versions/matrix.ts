/**
 * The version matrix: what each pinned chart declares and runs, and what each cluster is, as facts read
 * from upstream at the pinned versions. The pins themselves (CHARTS, IMAGES, SPARK_VERSION,
 * KUBERNETES_VERSION, K3S_VERSION) stay in ./index.ts, where Renovate bumps them; a bump whose facts here
 * were not re-read fails the gate (`npm run versions -- --check`), naming the chart. See UPGRADING.md.
 *
 * Sources: each chart's Chart.yaml and values.yaml at its release tag (cited per entry as
 * `repository@tag:path`), read with `git show <tag>:<path>` in a clone of the chart's repository. Image
 * architectures come from the image's own release build (the platforms its workflow or Makefile pushes).
 */

import { AWS_INGRESS_CHART_FACTS } from "./matrix-aws";

export type Arch = "amd64" | "arm64" | "arm" | "ppc64le" | "s390x";
export type TargetName = "aws" | "edge";

/** An image a chart runs with its defaults (the tag is the chart's pin unless noted). */
export interface ImageFact {
  /** Upstream reference, registry/path:tag. */
  ref: string;
  /** Linux architectures the tag is published for. */
  arches: Arch[];
  /** Where the architectures were read. */
  source: string;
}

/** What a chart release declares, read from its Chart.yaml. */
export interface ChartFacts {
  /** Chart version the facts were read at (must equal the pin in CHARTS). */
  version: string;
  appVersion: string;
  /** Chart.yaml `kubeVersion`; undefined when the chart declares none (Helm then installs anywhere). */
  kubeVersion?: string;
  /** Which targets deploy the chart. */
  targets: TargetName[];
  /** The images the chart runs as the platform configures it (disabled components left out). */
  images: ImageFact[];
  /** Where the Chart.yaml facts were read. */
  source: string;
}

const Z2JH = "jupyterhub/zero-to-jupyterhub-k8s@4.4.0";
const MULTI_K8S: Arch[] = ["amd64", "arm", "arm64", "ppc64le", "s390x"];
const AMD_ARM: Arch[] = ["amd64", "arm64"];

/** Facts per chart key of CHARTS. */
export const CHART_FACTS: Record<string, ChartFacts> = {
  jupyterhub: {
    version: "4.4.0",
    appVersion: "5.5.0",
    // The next release (5.x) moves to >=1.32 (issue 16): check this line on every bump.
    kubeVersion: ">=1.28.0-0",
    targets: ["aws", "edge"],
    source: `${Z2JH}:jupyterhub/Chart.yaml (kubeVersion line 11); image tags from jupyterhub/values.yaml`,
    images: [
      // ci/publish line 11 builds every chartpress image with --platform linux/amd64 --platform linux/arm64.
      ...["k8s-hub", "k8s-secret-sync", "k8s-network-tools", "k8s-image-awaiter"].map((n) => ({
        ref: `quay.io/jupyterhub/${n}:4.4.0`,
        arches: AMD_ARM,
        source: `${Z2JH}:ci/publish line 11`,
      })),
      {
        ref: "quay.io/jupyterhub/configurable-http-proxy:5.2.0",
        arches: AMD_ARM,
        source: `${Z2JH}:jupyterhub/values.yaml line 224 (tag); jupyterhub/configurable-http-proxy publishes amd64 + arm64`,
      },
      {
        ref: "registry.k8s.io/kube-scheduler:v1.30.14",
        arches: MULTI_K8S,
        source: `${Z2JH}:jupyterhub/values.yaml line 559; Kubernetes release images: amd64, arm, arm64, ppc64le, s390x`,
      },
      {
        ref: "registry.k8s.io/pause:3.10.1",
        arches: MULTI_K8S,
        source: `${Z2JH}:jupyterhub/values.yaml lines 591, 710 (user placeholders, continuous pre-puller)`,
      },
    ],
  },
  certManager: {
    version: "v1.21.1",
    appVersion: "v1.21.1",
    kubeVersion: ">= 1.22.0-0",
    targets: ["aws", "edge"],
    source:
      "cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/Chart.yaml (version and appVersion are set to the tag at packaging)",
    images: ["controller", "webhook", "cainjector", "acmesolver", "startupapicheck"].map((n) => ({
      ref: `quay.io/jetstack/cert-manager-${n}:v1.21.1`,
      arches: MULTI_K8S,
      source: "cert-manager release images (make/_shared/oci-build): amd64, arm, arm64, ppc64le, s390x",
    })),
  },
  traefik: {
    version: "41.3.0",
    appVersion: "v3.7.11",
    kubeVersion: ">=1.25.0-0",
    // Edge uses k3s's own Traefik unless installIngress is set; checked on both to be safe.
    targets: ["aws", "edge"],
    source: "traefik/traefik-helm-chart@v41.3.0:traefik/Chart.yaml",
    images: [
      {
        ref: "docker.io/library/traefik:v3.7.11",
        arches: ["amd64", "arm", "arm64", "ppc64le", "s390x"],
        source:
          "Docker official image traefik (image.tag defaults to appVersion, traefik/values.yaml line 10)",
      },
    ],
  },
  sparkOperator: {
    version: "2.5.2",
    appVersion: "2.5.2",
    // Chart.yaml declares no kubeVersion; README "Version Matrix" says Kubernetes 1.16+.
    targets: ["aws", "edge"],
    source: "kubeflow/spark-operator@v2.5.2:charts/spark-operator-chart/Chart.yaml",
    images: [
      {
        ref: "ghcr.io/kubeflow/spark-operator/controller:2.5.2",
        arches: AMD_ARM,
        source:
          "kubeflow/spark-operator@v2.5.2:.github/workflows/release.yaml lines 87-88 (linux/amd64, linux/arm64)",
      },
    ],
  },
  kubePrometheusStack: {
    version: "88.5.3",
    appVersion: "v0.93.1",
    kubeVersion: ">=1.25.0-0",
    targets: ["aws", "edge"],
    source:
      "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/Chart.yaml and values.yaml; subcharts kube-state-metrics 8.4.0 (appVersion 2.20.0) and prometheus-node-exporter 4.56.1 (appVersion 1.12.1) declare no kubeVersion",
    images: [
      {
        ref: "quay.io/prometheus-operator/prometheus-operator:v0.93.1",
        why: "tag defaults to appVersion; prometheus-operator Makefile ARCH list (amd64, arm64, arm, ppc64le, s390x)",
      },
      {
        ref: "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
        why: "tag defaults to appVersion; built with the operator",
      },
      {
        ref: "quay.io/prometheus/prometheus:v3.14.0-distroless",
        why: "values.yaml line 4347; promu crossbuild",
      },
      { ref: "quay.io/prometheus/alertmanager:v0.34.0", why: "values.yaml line 1021; promu crossbuild" },
      {
        ref: "ghcr.io/jkroepke/kube-webhook-certgen:1.8.7",
        why: "values.yaml line 3132; declared multi-arch by its release, not inspected here",
      },
      {
        ref: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
        why: "subchart appVersion; kube-state-metrics Makefile ALL_ARCH",
      },
      { ref: "quay.io/prometheus/node-exporter:v1.12.1", why: "subchart appVersion; promu crossbuild" },
    ].map(({ ref, why }) => ({
      ref,
      arches: ["amd64", "arm", "arm64", "ppc64le", "s390x"] as Arch[],
      source: why,
    })),
  },
  grafana: {
    version: "12.11.1",
    appVersion: "13.2.0",
    kubeVersion: "^1.25.0-0",
    targets: ["aws", "edge"],
    source: "grafana-community/helm-charts@grafana-12.11.1:charts/grafana/Chart.yaml",
    images: [
      {
        ref: "docker.io/grafana/grafana:13.2.0",
        arches: ["amd64", "arm", "arm64"],
        source:
          "charts/grafana/values.yaml line 112 (tag defaults to appVersion); grafana/grafana is published for amd64, arm/v7, arm64",
      },
    ],
  },
  headlamp: {
    version: "0.45.0",
    appVersion: "0.45.0",
    targets: ["aws", "edge"],
    source: "kubernetes-sigs/headlamp@headlamp-helm-0.45.0:charts/headlamp/Chart.yaml (no kubeVersion)",
    images: [
      {
        ref: "ghcr.io/headlamp-k8s/headlamp:v0.45.0",
        arches: ["amd64", "arm64", "ppc64le", "s390x"],
        source: "kubernetes-sigs/headlamp@v0.45.0:.github/workflows/container-publish.yml line 85",
      },
    ],
  },
  cloudnativePg: {
    version: "0.29.0",
    appVersion: "1.30.0",
    kubeVersion: ">=1.29.0-0",
    targets: ["edge"],
    source: "cloudnative-pg/charts@cloudnative-pg-v0.29.0:charts/cloudnative-pg/Chart.yaml",
    images: [
      {
        ref: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0",
        arches: AMD_ARM,
        source: "CloudNativePG release images: linux/amd64, linux/arm64 (IMAGES.cnpgOperator)",
      },
    ],
  },
  seaweedfs: {
    version: "4.44.0",
    appVersion: "4.44",
    targets: ["edge"],
    source: "seaweedfs/seaweedfs@4.44:k8s/charts/seaweedfs/Chart.yaml (no kubeVersion)",
    images: [
      {
        ref: "docker.io/chrislusf/seaweedfs:4.44",
        arches: ["amd64", "arm", "arm64"],
        source: "seaweedfs/seaweedfs@4.44:.github/workflows/container_release_unified.yml lines 125-131",
      },
    ],
  },
  barmanCloudPlugin: {
    version: "0.7.0",
    appVersion: "v0.13.0",
    kubeVersion: ">=1.29.0-0",
    targets: ["edge"],
    source: "cloudnative-pg/charts@plugin-barman-cloud-v0.7.0:charts/plugin-barman-cloud/Chart.yaml",
    images: ["plugin-barman-cloud", "plugin-barman-cloud-sidecar"].map((n) => ({
      ref: `ghcr.io/cloudnative-pg/${n}:v0.13.0`,
      arches: AMD_ARM,
      source: "plugin-barman-cloud release images: linux/amd64, linux/arm64",
    })),
  },
  clusterAutoscaler: {
    version: "9.59.0",
    appVersion: "1.35.0",
    targets: ["aws"],
    source:
      "kubernetes/autoscaler@cluster-autoscaler-chart-9.59.0:charts/cluster-autoscaler/Chart.yaml (no kubeVersion); the platform overrides the image with IMAGES.clusterAutoscaler",
    images: [
      {
        ref: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1",
        arches: ["amd64", "arm64", "s390x"],
        source:
          "kubernetes/autoscaler@cluster-autoscaler-chart-9.59.0:cluster-autoscaler/Makefile line 1 (ALL_ARCH)",
      },
    ],
  },
  ...AWS_INGRESS_CHART_FACTS,
};

/** Who publishes an image: its upstream project (pullable by anyone today), or this project's fork CI. */
export type Publisher = "upstream" | "fork";

/** Facts of an image the platform references directly. */
export interface DirectImageFact {
  arches: Arch[];
  targets: TargetName[];
  /** `fork`: built by this project's images workflow on a release; exists only once a fork has released. */
  publishedBy: Publisher;
  source: string;
}

const DOCKER_STACKS = "jupyter/docker-stacks";

/** Architectures, targets and publisher of the images the platform references directly (keys of IMAGES). */
export const IMAGE_FACTS: Record<string, DirectImageFact> = {
  spark: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    publishedBy: "upstream",
    source: "apache/spark-docker publishes apache/spark for linux/amd64 and linux/arm64",
  },
  postgres: {
    arches: ["amd64", "arm", "arm64", "ppc64le", "s390x"],
    targets: ["aws", "edge"],
    publishedBy: "upstream",
    source: "Docker official image postgres (alpine variants: amd64, arm32v6/v7, arm64v8, ppc64le, s390x)",
  },
  postgresExporter: {
    arches: ["amd64", "arm", "arm64", "ppc64le", "s390x"],
    targets: ["aws", "edge"],
    publishedBy: "upstream",
    source: "prometheus-community/postgres_exporter .promu.yml crossbuild platforms",
  },
  cnpgOperator: {
    arches: AMD_ARM,
    targets: ["edge"],
    publishedBy: "upstream",
    source: "CloudNativePG release images",
  },
  cnpgPostgres: {
    arches: AMD_ARM,
    targets: ["edge"],
    publishedBy: "upstream",
    source: "cloudnative-pg/postgres-containers docker-bake.hcl platforms",
  },
  barmanCloudPlugin: {
    arches: AMD_ARM,
    targets: ["edge"],
    publishedBy: "upstream",
    source: "plugin-barman-cloud release images",
  },
  barmanCloudSidecar: {
    arches: AMD_ARM,
    targets: ["edge"],
    publishedBy: "upstream",
    source: "plugin-barman-cloud release images",
  },
  seaweedfs: {
    arches: ["amd64", "arm", "arm64"],
    targets: ["edge"],
    publishedBy: "upstream",
    source: "seaweedfs/seaweedfs@4.44:.github/workflows/container_release_unified.yml",
  },
  singleuser: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    publishedBy: "upstream",
    // The weekly build (docker.yml: cron "0 3 * * 1", Monday 17 August 2026) builds every image on x86_64
    // and aarch64 runners; docker-tag-merge.yml (tagging/apps/merge_tags.py) then pushes each tag as one
    // manifest list of both, refusing to merge when a platform's tag is missing. The date tag is the build
    // day (tagging/taggers/date.py). The wiki's build manifest of that run's aarch64 all-spark-notebook,
    // built FROM this pyspark-notebook, shows the build (2026-08-17T03:41:35Z, commit 26da4ae66471, Python
    // 3.13.15). Spark is the newest release at build time (setup_spark.py), with OpenJDK 21 (Dockerfile).
    // The workflow and Dockerfile were read at main of 2026-08-08 (8209386950), the build ran commit 26da4ae66471.
    source: `${DOCKER_STACKS}@8209386950:.github/workflows/docker.yml (x86_64 + aarch64 jobs), tagging/apps/merge_tags.py, tagging/taggers/date.py, images/pyspark-notebook/Dockerfile; wiki "aarch64-default-all-spark-notebook-26da4ae66471" (built 2026-08-17T03:41:35Z)`,
  },
  singleuserProject: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    publishedBy: "fork",
    source:
      "this project's images/singleuser, built for linux/amd64 and linux/arm64 by the fork's images workflow on a release",
  },
  sparkJobs: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    publishedBy: "fork",
    source:
      "this project's images/spark (FROM apache/spark, itself amd64 + arm64), built for linux/amd64 and linux/arm64 by the fork's CI",
  },
  clusterAutoscaler: {
    arches: ["amd64", "arm64", "s390x"],
    targets: ["aws"],
    publishedBy: "upstream",
    source: "kubernetes/autoscaler cluster-autoscaler/Makefile ALL_ARCH",
  },
};

/**
 * The EKS version's end of standard support (after it, AWS bills extended support and later upgrades the
 * control plane itself). Source: EKS user guide, "Kubernetes versions on standard support" and its release
 * calendar (standard support lasts 14 months from the EKS release; 1.36: released on EKS 2 June 2026,
 * standard support to 2 August 2027; 1.35: 27 January 2026 to 27 March 2027; 1.34: 2 October 2025 to
 * 2 December 2026; 1.33: 29 May 2025 to 29 July 2026; 1.32: 23 January 2025 to 23 March 2026). The older
 * lines let `--set eks=` show what a cluster still on them faces. Add the line of a version before pinning
 * it: the gate refuses an EKS version without a date.
 */
export const EKS_STANDARD_SUPPORT_END: Record<string, string> = {
  "1.32": "2026-03-23",
  "1.33": "2026-07-29",
  "1.34": "2026-12-02",
  "1.35": "2027-03-27",
  "1.36": "2027-08-02",
};

/**
 * Spark versions the kubeflow Spark operator submits with: the operator image carries its own
 * spark-submit, and an application's image must be on the same Spark line. Source:
 * kubeflow/spark-operator@v2.5.2:Dockerfile line 17 (`SPARK_IMAGE=docker.io/apache/spark:4.0.4`) and the
 * README's "Version Matrix" (2.3.x onwards: base Spark 4.0.x).
 */
export const SPARK_OPERATOR_SUPPORTED_SPARK = ">=4.0.0 <4.1.0";
