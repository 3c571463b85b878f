/**
 * The version matrix: what each pinned chart declares and runs (CHART_FACTS, kept in ./chart-facts.ts),
 * what the images the platform references directly run on, and what each cluster is, as facts read from
 * upstream at the pinned versions. The pins themselves (CHARTS, IMAGES, SPARK_VERSION,
 * KUBERNETES_VERSION, K3S_VERSION) stay in ./index.ts, where Renovate bumps them; a bump whose facts here
 * were not re-read fails the gate (`npm run versions -- --check`), naming the chart. See UPGRADING.md.
 *
 * Sources: each chart's Chart.yaml and values.yaml at its release tag (cited per entry as
 * `repository@tag:path`), read with `git show <tag>:<path>` in a clone of the chart's repository. Image
 * architectures come from the image's own release build (the platforms its workflow or Makefile pushes).
 */

export { CHART_FACTS } from "./chart-facts";

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

const AMD_ARM: Arch[] = ["amd64", "arm64"];

/** Architectures and targets of the images the platform references directly (keys of IMAGES). */
export const IMAGE_FACTS: Record<string, { arches: Arch[]; targets: TargetName[]; source: string }> = {
  spark: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    source: "apache/spark-docker publishes apache/spark for linux/amd64 and linux/arm64",
  },
  postgres: {
    arches: ["amd64", "arm", "arm64", "ppc64le", "s390x"],
    targets: ["aws", "edge"],
    source: "Docker official image postgres (alpine variants: amd64, arm32v6/v7, arm64v8, ppc64le, s390x)",
  },
  postgresExporter: {
    arches: ["amd64", "arm", "arm64", "ppc64le", "s390x"],
    targets: ["aws", "edge"],
    source: "prometheus-community/postgres_exporter .promu.yml crossbuild platforms",
  },
  cnpgOperator: { arches: AMD_ARM, targets: ["edge"], source: "CloudNativePG release images" },
  cnpgPostgres: {
    arches: AMD_ARM,
    targets: ["edge"],
    source: "cloudnative-pg/postgres-containers docker-bake.hcl platforms",
  },
  barmanCloudPlugin: { arches: AMD_ARM, targets: ["edge"], source: "plugin-barman-cloud release images" },
  barmanCloudSidecar: { arches: AMD_ARM, targets: ["edge"], source: "plugin-barman-cloud release images" },
  seaweedfs: {
    arches: ["amd64", "arm", "arm64"],
    targets: ["edge"],
    source: "seaweedfs/seaweedfs@4.44:.github/workflows/container_release_unified.yml",
  },
  singleuser: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    source: "this project's images/singleuser, built for linux/amd64 and linux/arm64 by the fork's CI",
  },
  sparkJobs: {
    arches: AMD_ARM,
    targets: ["aws", "edge"],
    source:
      "this project's images/spark (FROM apache/spark, itself amd64 + arm64), built for linux/amd64 and linux/arm64 by the fork's CI",
  },
  clusterAutoscaler: {
    arches: ["amd64", "arm64", "s390x"],
    targets: ["aws"],
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
