/**
 * Images and charts checked to run on arm64 (Raspberry Pi edge clusters), with how each was checked.
 *
 * The `edge-images-arm64` rule flags, on edge stacks, any image reference with an explicit tag that is not
 * listed here (matched on `path:tag`, registry ignored so a site's registry mirror matches), and any Helm
 * release whose chart@version is not listed (a chart entry covers the images the chart pins by default).
 *
 * How to add an entry: inspect the manifest list, e.g. `docker buildx imagetools inspect <image>` or
 * `crane manifest <image> | jq '.manifests[].platform'`, and confirm `linux/arm64` is present; write down
 * what you ran or read in `verifiedBy`. Entries marked "declared" rest on the upstream or project claim
 * quoted there and were not inspected from this repository's CI (it has no registry access).
 */

export interface Arm64Image {
  /** `path:tag` without registry (`library/` dropped for Docker Hub official images). */
  image: string;
  /** Where the image is pulled from upstream. */
  registry: string;
  /** How linux/arm64 availability was established. */
  verifiedBy: string;
}

export interface Arm64Chart {
  chart: string;
  version: string;
  /** How the chart's default images were established to be multi-arch. */
  verifiedBy: string;
}

export const ARM64_IMAGES: readonly Arm64Image[] = [
  {
    image: "postgres:17.6-alpine",
    registry: "docker.io",
    verifiedBy:
      "declared: Docker Official Image built for arm64v8 among others; docker-library/repo-info pages read for this list show `linux; arm64 variant v8` for earlier postgres alpine tags, not for this exact tag",
  },
  {
    image: "apache/spark:4.0.4",
    registry: "docker.io",
    verifiedBy:
      "declared: apache/spark-docker publishes apache/spark (and the `spark` official image) for linux/amd64 and linux/arm64",
  },
  {
    image: "prometheuscommunity/postgres-exporter:v0.20.1",
    registry: "quay.io",
    verifiedBy:
      "declared: prometheus-community images are cross-built by promu for linux amd64, arm64, armv7, ppc64le, s390x (versions.ts note: amd64 + arm64)",
  },
  {
    image: "autoscaling/cluster-autoscaler:v1.36.1",
    registry: "registry.k8s.io",
    verifiedBy:
      "declared: Kubernetes autoscaler release images on registry.k8s.io are multi-arch, amd64 + arm64 (versions.ts note); AWS only",
  },
  {
    image: "cloudnative-pg/cloudnative-pg:1.30.0",
    registry: "ghcr.io",
    verifiedBy:
      "declared: CloudNativePG release images are built for linux/amd64, linux/arm64 (versions.ts note)",
  },
  {
    image: "cloudnative-pg/postgresql:18.3-standard-trixie",
    registry: "ghcr.io",
    verifiedBy:
      "declared: cloudnative-pg/postgres-containers bake file builds linux/amd64 and linux/arm64 (versions.ts note)",
  },
  {
    image: "cloudnative-pg/plugin-barman-cloud:v0.13.0",
    registry: "ghcr.io",
    verifiedBy:
      "declared: plugin-barman-cloud release images are multi-arch amd64 + arm64 (versions.ts note)",
  },
  {
    image: "cloudnative-pg/plugin-barman-cloud-sidecar:v0.13.0",
    registry: "ghcr.io",
    verifiedBy:
      "declared: plugin-barman-cloud release images are multi-arch amd64 + arm64 (versions.ts note)",
  },
  {
    image: "chrislusf/seaweedfs:4.44",
    registry: "docker.io",
    verifiedBy:
      "declared: SeaweedFS release workflow pushes linux/amd64, linux/arm64 and linux/arm/v7 (versions.ts note)",
  },
  {
    image: "jupyter/pyspark-notebook:2026-08-17",
    registry: "quay.io",
    verifiedBy:
      "declared: Jupyter Docker Stacks build every image on x86_64 and aarch64 and merge each tag into one manifest list (jupyter/docker-stacks docker.yml, tagging/apps/merge_tags.py; components/versions/matrix.ts)",
  },
  {
    image: "datavis-platform/singleuser:2025.12.31-spark4.0.4",
    registry: "ghcr.io",
    verifiedBy:
      "declared: this project's single-user image, built FROM quay.io/jupyter/scipy-notebook (multi-arch) for amd64 + arm64",
  },
  {
    image: "datavis-platform/spark:4.0.4-hadoop3.4.1-1",
    registry: "ghcr.io",
    verifiedBy:
      "declared: this project's Spark image (images/spark), FROM apache/spark:4.0.4 (amd64 + arm64) plus jars and data files, which are architecture-independent",
  },
];

export const ARM64_CHARTS: readonly Arm64Chart[] = [
  {
    chart: "scheduled-notebooks",
    version: "0.1.0",
    verifiedBy:
      "this project's chart (charts/scheduled-notebooks): one container whose image comes from values.image (default: the single-user image listed above); read its templates/cronjobs.yaml",
  },
  {
    chart: "dashboards",
    version: "0.1.0",
    verifiedBy:
      "this project's chart (charts/dashboards): renders ConfigMaps only, no container image (read its templates)",
  },
  {
    chart: "jupyterhub",
    version: "4.4.0",
    verifiedBy: "declared: zero-to-jupyterhub publishes its hub, proxy and helper images for amd64 and arm64",
  },
  {
    chart: "cert-manager",
    version: "v1.21.1",
    verifiedBy: "declared: cert-manager release images are multi-arch (amd64, arm, arm64, ppc64le, s390x)",
  },
  {
    chart: "traefik",
    version: "41.3.0",
    verifiedBy: "declared: docker.io/traefik official image is multi-arch; k3s itself ships Traefik on arm64",
  },
  {
    chart: "spark-operator",
    version: "2.5.2",
    verifiedBy: "declared: kubeflow spark-operator release workflow builds linux/amd64 and linux/arm64",
  },
  {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    verifiedBy:
      "declared: prometheus, alertmanager, operator, node-exporter and kube-state-metrics images are multi-arch",
  },
  {
    chart: "grafana",
    version: "12.11.1",
    verifiedBy: "declared: docker.io/grafana/grafana is published for amd64, arm64 and arm/v7",
  },
  {
    chart: "headlamp",
    version: "0.45.0",
    verifiedBy: "declared: ghcr.io/headlamp-k8s/headlamp is built for linux/amd64 and linux/arm64",
  },
  {
    chart: "cloudnative-pg",
    version: "0.29.0",
    verifiedBy: "declared: chart 0.29.0 deploys operator 1.30.0, built for linux/amd64 and linux/arm64",
  },
  {
    chart: "seaweedfs",
    version: "4.44.0",
    verifiedBy: "declared: chart deploys chrislusf/seaweedfs (see the image entry)",
  },
  {
    chart: "cluster-autoscaler",
    version: "9.59.0",
    verifiedBy: "declared: deploys the cluster-autoscaler image pinned above (AWS only)",
  },
  {
    chart: "plugin-barman-cloud",
    version: "0.7.0",
    verifiedBy: "declared: chart deploys plugin-barman-cloud v0.13.0 (see the image entries)",
  },
];
