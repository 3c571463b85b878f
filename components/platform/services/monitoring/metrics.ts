/**
 * Metrics: kube-prometheus-stack (Prometheus, Alertmanager, kube-state-metrics, node exporter; its own
 * Grafana off), installed first because its CRDs carry every other release's monitors.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseArgs, type ArtifactSource } from "../../../shared/artifacts";
import type { DatabaseInput } from "../../../shared/inputs";
import { NAMESPACES } from "../../../shared/naming";
import { PROMETHEUS_STORAGE, SIZES, type SizeProfile } from "../sizing";
import { platformAlertRules } from "./alerts";
import { PostgresExporter } from "./exporter";

/** kube-prometheus-stack's resource-name prefix, so that Service names are known in advance. */
export const KPS_FULLNAME = "kps";
export const PROMETHEUS_URL = `http://${KPS_FULLNAME}-prometheus.${NAMESPACES.monitoring}.svc:9090`;

/** Label the Grafana sidecar watches; every dashboard ConfigMap carries it. */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;

export function kubePrometheusStackValues(a: {
  profile: SizeProfile;
  replicas: number;
  storageClass: string;
  imageRegistry?: string;
}): Record<string, unknown> {
  const s = SIZES[a.profile];
  const store = PROMETHEUS_STORAGE[a.profile];
  const pdb = { enabled: a.replicas > 1, minAvailable: 1 };
  return {
    fullnameOverride: KPS_FULLNAME,
    crds: { enabled: true },
    ...(a.imageRegistry ? { global: { imageRegistry: a.imageRegistry } } : {}),
    // Grafana comes from the grafana-community chart below, configured by this program.
    grafana: { enabled: false },
    // Managed control planes (EKS) and k3s expose none of these to scraping: alerts on them only cry wolf.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    kubeEtcd: { enabled: false },
    defaultRules: {
      rules: {
        etcd: false,
        kubeControllerManager: false,
        kubeProxy: false,
        kubeSchedulerAlerting: false,
        windows: false,
      },
    },
    windowsMonitoring: { enabled: false },
    prometheusOperator: {
      resources: s.prometheusOperator,
      admissionWebhooks: { patch: { resources: s.prometheusAdmissionPatch } },
      prometheusConfigReloader: { resources: s.prometheusConfigReloader },
    },
    prometheus: {
      podDisruptionBudget: pdb,
      prometheusSpec: {
        replicas: a.replicas,
        retention: store.retention,
        retentionSize: store.retentionSize,
        resources: s.prometheus,
        // Select every rule and monitor in the cluster, not only this release's (Spark, cert-manager, ...).
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: a.storageClass,
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: `${store.volumeGi}Gi` } },
            },
          },
        },
      },
    },
    alertmanager: {
      podDisruptionBudget: pdb,
      alertmanagerSpec: { replicas: a.replicas, resources: s.alertmanager },
    },
    "kube-state-metrics": {
      resources: s.kubeStateMetrics,
      // The labels the usage dashboard groups by: user of a notebook pod or volume, tenant of a namespace.
      metricLabelsAllowlist: [
        "pods=[hub.jupyter.org/username,component,datavis.io/tenant]",
        "persistentvolumeclaims=[hub.jupyter.org/username]",
        "namespaces=[datavis.io/tenant]",
      ],
    },
    "prometheus-node-exporter": { resources: s.nodeExporter },
  };
}

export interface MetricsArgs {
  database: DatabaseInput;
  storageClass: string;
  readerRole: { username: string; password: pulumi.Input<string> };
  /** The job that creates the database roles (the exporter signs in with the reader role). */
  databaseReady: pulumi.Resource;
  profile: SizeProfile;
  replicas: number;
  source: ArtifactSource;
}

/** Prometheus and its alert rules: installed first, as its CRDs carry every other release's monitors. */
export class Metrics extends pulumi.ComponentResource {
  /** kube-prometheus-stack: installs the CRDs (ServiceMonitor, PodMonitor, PrometheusRule) others use. */
  readonly stack: k8s.helm.v3.Release;
  readonly namespace: pulumi.Output<string>;
  /** ConfigMap `db-ca` in the monitoring namespace, when the database needs its CA verified. */
  readonly caConfigMap?: string;

  constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Metrics", name, {}, opts);
    const registry = args.source.imageRegistry;
    const ns = new k8s.core.v1.Namespace(
      "monitoring",
      { metadata: { name: NAMESPACES.monitoring } },
      { parent: this },
    );
    const namespace = ns.metadata.name;
    this.namespace = namespace;

    this.stack = new k8s.helm.v3.Release(
      "kube-prometheus-stack",
      {
        name: "kube-prometheus-stack",
        ...releaseArgs(
          "kubePrometheusStack",
          {
            namespace,
            values: kubePrometheusStackValues({
              profile: args.profile,
              replicas: args.replicas,
              storageClass: args.storageClass,
              imageRegistry: registry,
            }),
            timeoutSeconds: 900,
          },
          args.source,
        ),
      },
      { parent: this },
    );

    new k8s.apiextensions.CustomResource(
      "platform-alerts",
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "datavis-platform", namespace },
        spec: { groups: platformAlertRules(NAMESPACES.jupyterhub) },
      },
      { parent: this, dependsOn: [this.stack] },
    );

    const db = args.database;
    const ca = db.caCertificate
      ? new k8s.core.v1.ConfigMap(
          "monitoring-db-ca",
          { metadata: { name: "db-ca", namespace }, data: { "ca.crt": db.caCertificate } },
          { parent: this },
        )
      : undefined;
    this.caConfigMap = ca ? "db-ca" : undefined;
    new PostgresExporter(
      "postgres-exporter",
      {
        namespace,
        database: db,
        reader: args.readerRole,
        caConfigMap: ca?.metadata.name,
        profile: args.profile,
        source: args.source,
      },
      { parent: this, dependsOn: [this.stack, args.databaseReady] },
    );
    this.registerOutputs({});
  }
}
