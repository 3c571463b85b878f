/** The platform's own alert rules (PrometheusRule groups). */

/** The platform's own alerts: hub down, database unreachable, a volume filling, a certificate expiring. */
export function platformAlertRules(jupyterhubNamespace: string): Record<string, unknown>[] {
  return [
    {
      name: "datavis.platform",
      rules: [
        {
          alert: "JupyterHubDown",
          expr: `sum by (deployment) (kube_deployment_status_replicas_available{namespace="${jupyterhubNamespace}", deployment=~"hub|proxy"}) < 1`,
          for: "5m",
          labels: { severity: "critical" },
          annotations: {
            summary: "JupyterHub {{ $labels.deployment }} has no available pod",
            description: "Users cannot sign in or start notebooks. Check `kubectl -n jupyterhub get pods`.",
          },
        },
        {
          alert: "DatabaseUnreachable",
          expr: 'pg_up{job="postgres-exporter"} == 0 or absent(pg_up{job="postgres-exporter"})',
          for: "3m",
          labels: { severity: "critical" },
          annotations: {
            summary: "The platform database does not answer",
            description: "The PostgreSQL exporter cannot connect with the read-only role for 3 minutes.",
          },
        },
        {
          alert: "VolumeFillingUp",
          expr:
            "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10 " +
            "and predict_linear(kubelet_volume_stats_available_bytes[6h], 24 * 3600) < 0",
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} fills within a day",
            description: "Less than 10% free and the trend of the last 6 hours reaches zero within 24 hours.",
          },
        },
        {
          alert: "VolumeAlmostFull",
          expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.03",
          for: "5m",
          labels: { severity: "critical" },
          annotations: {
            summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over 97% full",
            description: "Writes will fail soon; grow the volume or free space.",
          },
        },
        {
          alert: "CertificateExpiringSoon",
          expr: "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600",
          for: "1h",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within 14 days",
            description:
              "cert-manager renews 30 days ahead by default: renewal is failing. See `kubectl describe certificate`.",
          },
        },
        {
          alert: "CertificateNotReady",
          expr: 'certmanager_certificate_ready_status{condition="False"} == 1',
          for: "30m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
            description: "An endpoint may be serving no or an invalid certificate.",
          },
        },
      ],
    },
  ];
}
