/**
 * Traefik's chart values (traefik 41.3.0): the HTTPS redirect, metrics, sizing and replicas, and how the
 * target exposes it (a load balancer's Service annotations, or the nodes' host ports behind a forwarder).
 */
import type * as pulumi from "@pulumi/pulumi";
import { SIZES, type SizeProfile } from "./sizing";

/** Traefik values: HTTP redirected to HTTPS at the entrypoint, metrics scraped, sized and replicated. */
export function traefikValues(a: {
  ingressClass: string;
  profile: SizeProfile;
  replicas: number;
  acme: boolean;
  imageRegistry?: string;
  /** Annotations of Traefik's Service of type LoadBalancer (which load balancer the target makes). */
  serviceAnnotations?: Record<string, pulumi.Input<string>>;
  /** The target forwards 80/443 from this public address to the nodes' host ports (no LoadBalancer). */
  hostPortsAddress?: pulumi.Input<string>;
}): Record<string, unknown> {
  return {
    deployment: { replicas: a.replicas },
    ...(a.hostPortsAddress !== undefined ? hostPortValues(a.hostPortsAddress) : {}),
    podDisruptionBudget: a.replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
    // Replicas in different zones where the nodes have zones (AWS: each zone of the NLB gets a target);
    // a preference only, so nodes without a zone label (k3s) take them all. The chart passes the list
    // through `tpl` (traefik/templates/_podtemplate.tpl), so the selector names the chart's own label.
    ...(a.replicas > 1
      ? {
          topologySpreadConstraints: [
            {
              labelSelector: { matchLabels: { "app.kubernetes.io/name": '{{ template "traefik.name" . }}' } },
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
            },
          ],
        }
      : {}),
    ingressClass: { enabled: true, isDefaultClass: true, name: a.ingressClass },
    ports: {
      web: {
        // Cert-manager's HTTP-01 solver routes must answer on port 80 despite the redirect.
        allowACMEByPass: a.acme,
        http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
        ...(a.hostPortsAddress !== undefined ? { hostPort: 80 } : {}),
      },
      ...(a.hostPortsAddress !== undefined ? { websecure: { hostPort: 443 } } : {}),
    },
    metrics: { prometheus: { serviceMonitor: { enabled: true } } },
    resources: SIZES[a.profile].traefik,
    ...(a.imageRegistry ? { image: { registry: a.imageRegistry } } : {}),
    ...(a.serviceAnnotations ? { service: { annotations: a.serviceAnnotations } } : {}),
  };
}

/**
 * Traefik on the nodes' own ports 80 and 443, for a target that forwards them (AWS dev's NAT instance): a
 * DaemonSet, so every node the forwarder may pick (the untainted system nodes) answers, also while one is
 * being replaced; updated one node at a time without a surge (two pods cannot hold one host port); its
 * Service stays inside the cluster, and Ingress status carries the forwarder's address (what ExternalDNS
 * publishes). Keys: traefik-41.3.0 values.yaml `deployment.kind`, `ports.<name>.hostPort` (lines 922, 1013),
 * `updateStrategy` (272-277), `service.spec` (1143-1145), `providers.kubernetesIngress.publishedService` and
 * `ingressEndpoint` (352-364).
 */
function hostPortValues(address: pulumi.Input<string>): Record<string, unknown> {
  return {
    deployment: { kind: "DaemonSet" },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    service: { spec: { type: "ClusterIP" } },
    providers: {
      kubernetesIngress: { publishedService: { enabled: false }, ingressEndpoint: { ip: address } },
    },
  };
}
