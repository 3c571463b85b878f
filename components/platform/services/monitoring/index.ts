/**
 * Monitoring: kube-prometheus-stack (Prometheus, Alertmanager, kube-state-metrics, node exporter; its own
 * Grafana off), the platform's alert rules, a PostgreSQL exporter that tells whether the database answers,
 * and Grafana from the grafana-community chart with its datasources and dashboards provisioned as code.
 */
export * from "./alerts";
export * from "./dashboards";
export * from "./exporter";
export * from "./grafana";
export * from "./metrics";
