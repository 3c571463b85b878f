/**
 * The spark-operator 2.5.2, kube-prometheus-stack 88.5.3 and grafana 12.11.1 charts ship no values schema,
 * so a misspelt key would be ignored by Helm without a word. Every key path the platform services set on
 * them must be one verified in that chart version's own values.yaml (or, for kube-prometheus-stack's
 * subcharts, the subchart's values.yaml at the version its Chart.yaml pins):
 *
 * - kubeflow/spark-operator, tag v2.5.2, charts/spark-operator-chart/values.yaml
 * - prometheus-community/helm-charts, tag kube-prometheus-stack-88.5.3, charts/kube-prometheus-stack/values.yaml,
 *   with kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1 (tags kube-state-metrics-8.4.0,
 *   prometheus-node-exporter-4.56.1)
 * - grafana-community/helm-charts, tag grafana-12.11.1, charts/grafana/values.yaml
 *
 * Paths stop at maps whose contents the chart passes through unvalidated (resources, grafana.ini,
 * datasources, envValueFrom, podDisruptionBudget, storageSpec ...). When a new key is set, check it in
 * the file above and add it to VERIFIED_KEYS.
 */
import { expect } from "chai";
import type { AuthConfig } from "../stacks/config";
import { kubePrometheusStackValues, grafanaValues } from "../components/platform/services/monitoring";
import { sparkOperatorValues } from "../components/platform/services/spark";
import type { SizeProfile } from "../components/platform/services/sizing";

/** Maps under which the chart accepts any key (its default is {} or free-form config). */
const FREE_FORM = new Set([
  "resources",
  "grafana.ini",
  "datasources",
  "envValueFrom",
  "podDisruptionBudget",
  "storageSpec",
  "annotations",
]);

function keyPaths(v: unknown, prefix = ""): string[] {
  if (!v || typeof v !== "object" || Array.isArray(v)) return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [
    prefix + k,
    ...(FREE_FORM.has(k) ? [] : keyPaths(x, `${prefix}${k}.`)),
  ]);
}

const AUTHS: AuthConfig[] = [
  {
    provider: "github",
    clientId: "Iv1.x",
    allowedOrganizations: ["org"],
    allowedDomains: [],
    entraTenantId: "",
    allowedUsers: [],
  },
  {
    provider: "local",
    clientId: "",
    allowedOrganizations: [],
    allowedDomains: [],
    entraTenantId: "",
    allowedUsers: [],
  },
];

/** Every key path the platform sets on each schema-less chart, over profiles, replicas and options. */
export function keyPathsOfOurValues(): Record<string, string[]> {
  const out: Record<string, Set<string>> = {
    sparkOperator: new Set(),
    kubePrometheusStack: new Set(),
    grafana: new Set(),
  };
  const profiles: SizeProfile[] = ["edge", "standard", "production"];
  for (const profile of profiles) {
    for (const replicas of [1, 2]) {
      for (const imageRegistry of [undefined, "registry.lab.local:5000"]) {
        const add = (chart: string, v: unknown) => keyPaths(v).forEach((k) => out[chart].add(k));
        add(
          "sparkOperator",
          sparkOperatorValues({ jobNamespaces: ["tenant-a"], profile, replicas, imageRegistry }),
        );
        add(
          "kubePrometheusStack",
          kubePrometheusStackValues({ profile, replicas, storageClass: "local-path", imageRegistry }),
        );
        for (const auth of AUTHS) {
          for (const caConfigMap of [undefined, "db-ca"]) {
            add(
              "grafana",
              grafanaValues({
                host: "grafana.example.org",
                clusterIssuer: "acme",
                ingressClass: "traefik",
                profile,
                replicas,
                signIn: auth,
                admins: ["admin"],
                database: { host: "db", port: 5432, database: "datavis", sslMode: "require" },
                readerUser: "r",
                grafanaUser: "g",
                secretName: "s",
                caConfigMap,
                imageRegistry,
              }),
            );
          }
        }
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/**
 * Key paths verified to exist in each chart's values.yaml at the pinned version (see the header).
 * Sources: spark-operator v2.5.2 = commit 43afb8bbd32463037d8fb6e414e252c69081882b; kube-prometheus-stack-88.5.3
 * = commit ea930baeebeba39f56d6b44e351f23b2a072a600; grafana-12.11.1 = commit
 * 864f7794683680e5100a38670e103c4fa6e37e29. `ingress.ingressClassName` is documented in grafana's
 * values.yaml only as a comment; its templates/ingress.yaml reads `.Values.ingress.ingressClassName`.
 */
const VERIFIED_KEYS: Record<string, string[]> = {
  sparkOperator: [
    "controller",
    "controller.podDisruptionBudget",
    "controller.replicas",
    "controller.resources",
    "controller.uiIngress",
    "controller.uiIngress.enable",
    "hook",
    "hook.image",
    "hook.image.registry",
    "image",
    "image.registry",
    "prometheus",
    "prometheus.metrics",
    "prometheus.metrics.enable",
    "prometheus.metrics.labels",
    "prometheus.podMonitor",
    "prometheus.podMonitor.create",
    "spark",
    "spark.jobNamespaces",
    "spark.rbac",
    "spark.rbac.create",
    "spark.serviceAccount",
    "spark.serviceAccount.create",
    "spark.serviceAccount.name",
    "webhook",
    "webhook.enable",
    "webhook.podDisruptionBudget",
    "webhook.replicas",
    "webhook.resources",
  ],
  kubePrometheusStack: [
    "alertmanager",
    "alertmanager.alertmanagerSpec",
    "alertmanager.alertmanagerSpec.replicas",
    "alertmanager.alertmanagerSpec.resources",
    "alertmanager.podDisruptionBudget",
    "crds",
    "crds.enabled",
    "defaultRules",
    "defaultRules.rules",
    "defaultRules.rules.etcd",
    "defaultRules.rules.kubeControllerManager",
    "defaultRules.rules.kubeProxy",
    "defaultRules.rules.kubeSchedulerAlerting",
    "defaultRules.rules.windows",
    "fullnameOverride",
    "global",
    "global.imageRegistry",
    "grafana",
    "grafana.enabled",
    "kube-state-metrics",
    "kube-state-metrics.metricLabelsAllowlist",
    "kube-state-metrics.resources",
    "kubeControllerManager",
    "kubeControllerManager.enabled",
    "kubeEtcd",
    "kubeEtcd.enabled",
    "kubeProxy",
    "kubeProxy.enabled",
    "kubeScheduler",
    "kubeScheduler.enabled",
    "prometheus",
    "prometheus-node-exporter",
    "prometheus-node-exporter.resources",
    "prometheus.podDisruptionBudget",
    "prometheus.prometheusSpec",
    "prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues",
    "prometheus.prometheusSpec.probeSelectorNilUsesHelmValues",
    "prometheus.prometheusSpec.replicas",
    "prometheus.prometheusSpec.resources",
    "prometheus.prometheusSpec.retention",
    "prometheus.prometheusSpec.retentionSize",
    "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues",
    "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues",
    "prometheus.prometheusSpec.storageSpec",
    "prometheusOperator",
    "prometheusOperator.admissionWebhooks",
    "prometheusOperator.admissionWebhooks.patch",
    "prometheusOperator.admissionWebhooks.patch.resources",
    "prometheusOperator.prometheusConfigReloader",
    "prometheusOperator.prometheusConfigReloader.resources",
    "prometheusOperator.resources",
    "windowsMonitoring",
    "windowsMonitoring.enabled",
  ],
  grafana: [
    "admin",
    "admin.existingSecret",
    "admin.passwordKey",
    "admin.userKey",
    "datasources",
    "envValueFrom",
    "extraConfigmapMounts",
    "global",
    "global.imageRegistry",
    "grafana.ini",
    "ingress",
    "ingress.annotations",
    "ingress.enabled",
    "ingress.hosts",
    "ingress.ingressClassName",
    "ingress.path",
    "ingress.pathType",
    "ingress.tls",
    "initChownData",
    "initChownData.enabled",
    "persistence",
    "persistence.enabled",
    "podDisruptionBudget",
    "replicas",
    "resources",
    "sidecar",
    "sidecar.dashboards",
    "sidecar.dashboards.enabled",
    "sidecar.dashboards.folderAnnotation",
    "sidecar.dashboards.label",
    "sidecar.dashboards.labelValue",
    "sidecar.dashboards.provider",
    "sidecar.dashboards.provider.allowUiUpdates",
    "sidecar.dashboards.provider.foldersFromFilesStructure",
    "sidecar.dashboards.resource",
    "sidecar.resources",
    "testFramework",
    "testFramework.enabled",
  ],
};

describe("platform services: values of charts without a schema exist upstream", () => {
  for (const [chart, verified] of Object.entries(VERIFIED_KEYS)) {
    it(`every ${chart} key the platform sets is one its values.yaml defines at the pinned version`, () => {
      const unverified = keyPathsOfOurValues()[chart].filter((k) => !verified.includes(k));
      expect(unverified, "keys not verified upstream").to.deep.equal([]);
    });
  }

  it("the check is not vacuous: a misspelt key is reported", () => {
    const keys = keyPaths({ controller: { replica: 2 } });
    expect(keys.filter((k) => !VERIFIED_KEYS.sparkOperator.includes(k))).to.deep.equal([
      "controller.replica",
    ]);
  });
});
