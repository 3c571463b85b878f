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
