# Versions of the tools the artefact checks use (sourced by tools/checks/setup.sh).

# Helm 3 built from the Go module proxy (Pulumi's helm.v3.Release embeds Helm 3).
HELM_VERSION=v3.22.0

# CRD sources: Go modules whose zips carry the upstream CRD manifests, and the folder holding them.
# Versions match the charts pinned in components/versions/index.ts.
CRD_MODULES=(
  # cert-manager chart v1.21.1: Certificate, Issuer, ClusterIssuer, CertificateRequest, Order, Challenge
  "github.com/cert-manager/cert-manager@v1.21.1 deploy/crds"
  # spark-operator chart 2.5.2: SparkApplication, ScheduledSparkApplication, SparkConnect
  "github.com/kubeflow/spark-operator/v2@v2.5.2 config/crd/bases"
  # cloudnative-pg chart 0.29.0 = operator 1.30.0: Cluster, Backup, ScheduledBackup, Pooler, Database ...
  "github.com/cloudnative-pg/cloudnative-pg@v1.30.0 config/crd/bases"
  # plugin-barman-cloud chart 0.7.0 = plugin v0.13.0 (versions.ts): ObjectStore
  "github.com/cloudnative-pg/plugin-barman-cloud@v0.13.0 config/crd/bases"
  # traefik chart 41.3.0 (Traefik v3.7, its values require v3.7.11+): IngressRoute, Middleware, TLSOption ...
  "github.com/traefik/traefik/v3@v3.7.11 docs/content/reference/dynamic-configuration"
  # kube-prometheus-stack 88.5.3 bundles the prometheus-operator CRDs: ServiceMonitor, PodMonitor,
  # PrometheusRule, Probe, ScrapeConfig, AlertmanagerConfig, Prometheus, Alertmanager ...
  # (the operator release of that chart line; the newest on the Go proxy when pinned).
  "github.com/prometheus-operator/prometheus-operator@v0.94.1 example/prometheus-operator-crd-full"
)
