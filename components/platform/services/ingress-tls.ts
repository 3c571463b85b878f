/**
 * Ingress and TLS: Traefik (installed only where the cluster has no ingress controller; k3s ships one),
 * cert-manager, and the ClusterIssuer the target asks for (public ACME or a private CA). Every endpoint
 * is served over HTTPS and plain HTTP is redirected to it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseArgs, type ArtifactSource } from "../../shared/artifacts";
import type { IngressServiceInput, TlsIssuerInput } from "../../shared/inputs";
import { NAMESPACES } from "../../shared/naming";
import { SIZES, type SizeProfile } from "./sizing";
import { traefikValues } from "./traefik-values";

export interface IngressTlsArgs {
  /** Where the ClusterIssuer gets certificates from: ACME (HTTP-01 through the ingress) or a private CA. */
  tls: TlsIssuerInput;
  /** Install Traefik; false where the cluster already runs one (k3s). */
  installIngress: boolean;
  /** Ingress class every platform Ingress uses (and the ACME solver answers through). */
  ingressClass: string;
  /** CPU/memory profile of the controllers. */
  profile: SizeProfile;
  /** Replicas of the controllers (2 in production, each with a PodDisruptionBudget). */
  replicas: number;
  /** Chart archives and registry mirror for air-gapped sites. */
  source: ArtifactSource;
  /** Resources that must exist first (the monitoring stack, whose CRDs the ServiceMonitors need). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The target's load-balancer controller for Traefik's Service; unset: the chart's plain Service. */
  service?: IngressServiceInput;
}

/** cert-manager values: CRDs installed and kept, replicated in production, every container sized. */
export function certManagerValues(a: {
  profile: SizeProfile;
  replicas: number;
  imageRegistry?: string;
}): Record<string, unknown> {
  const s = SIZES[a.profile];
  const pdb = a.replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false };
  return {
    crds: { enabled: true, keep: true },
    replicaCount: a.replicas,
    podDisruptionBudget: pdb,
    resources: s.certManagerController,
    // ACME HTTP-01 solver pods are created by the controller: their size is set by its flags.
    extraArgs: [
      `--acme-http01-solver-resource-request-cpu=${s.acmeSolver.requests.cpu}`,
      `--acme-http01-solver-resource-request-memory=${s.acmeSolver.requests.memory}`,
      `--acme-http01-solver-resource-limits-cpu=${s.acmeSolver.limits.cpu}`,
      `--acme-http01-solver-resource-limits-memory=${s.acmeSolver.limits.memory}`,
    ],
    prometheus: { enabled: true, servicemonitor: { enabled: true } },
    webhook: { replicaCount: a.replicas, podDisruptionBudget: pdb, resources: s.certManagerWebhook },
    cainjector: { replicaCount: a.replicas, podDisruptionBudget: pdb, resources: s.certManagerCainjector },
    startupapicheck: { resources: s.certManagerStartupCheck },
    ...(a.imageRegistry ? { imageRegistry: a.imageRegistry } : {}),
  };
}

export class IngressTls extends pulumi.ComponentResource {
  /** ClusterIssuer every Ingress names in `cert-manager.io/cluster-issuer`. */
  readonly clusterIssuerName: string;
  readonly ingressClass: string;
  /** cert-manager, the ClusterIssuer and (when installed) Traefik: what Ingress-bearing releases wait for. */
  readonly ready: pulumi.Resource[];
  /**
   * Host name (or IP) of the load balancer in front of Traefik, read from its Service once the target's
   * controller made it, or the forwarder's address (`hostPorts`); only where the target brings one.
   */
  readonly loadBalancerAddress?: pulumi.Output<string>;

  constructor(name: string, args: IngressTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:IngressTls", name, {}, opts);
    this.ingressClass = args.ingressClass;
    const registry = args.source.imageRegistry;
    const ready: pulumi.Resource[] = [];

    if (args.installIngress) {
      const lb = args.service?.kind === "loadBalancer" ? args.service : undefined;
      const hostPorts = args.service?.kind === "hostPorts" ? args.service : undefined;
      const labels = lb?.namespaceLabels;
      const ns = new k8s.core.v1.Namespace(
        "traefik",
        { metadata: { name: NAMESPACES.ingress, ...(labels ? { labels } : {}) } },
        { parent: this },
      );
      const traefik = new k8s.helm.v3.Release(
        "traefik",
        {
          name: "traefik",
          ...releaseArgs(
            "traefik",
            {
              namespace: ns.metadata.name,
              values: traefikValues({
                ingressClass: args.ingressClass,
                profile: args.profile,
                replicas: args.replicas,
                acme: args.tls.kind === "acme",
                imageRegistry: registry,
                serviceAnnotations: lb?.annotations,
                hostPortsAddress: hostPorts?.address,
              }),
            },
            args.source,
          ),
        },
        { parent: this, dependsOn: [...(args.dependsOn ?? []), ...(lb?.dependsOn ?? [])] },
      );
      ready.push(traefik);
      if (hostPorts) this.loadBalancerAddress = pulumi.output(hostPorts.address);
      if (lb) {
        // The chart names its Service after the release (traefik/traefik-helm-chart@v41.3.0:
        // traefik/templates/_service.tpl lines 1-11, _helpers.tpl lines 74-85). Helm's wait (atomic;
        // helm/helm pkg/kube/ready.go, ReadyChecker.serviceReady) holds the release until a Service of
        // type LoadBalancer has an address, so the read finds it.
        const svc = k8s.core.v1.Service.get(
          "traefik-service",
          pulumi.interpolate`${ns.metadata.name}/traefik`,
          { parent: this, dependsOn: [traefik] },
        );
        this.loadBalancerAddress = svc.status.loadBalancer.ingress.apply(
          (i) => i?.[0]?.hostname ?? i?.[0]?.ip ?? "",
        );
      }
    }

    const cmNs = new k8s.core.v1.Namespace(
      "cert-manager",
      { metadata: { name: NAMESPACES.certManager } },
      { parent: this },
    );
    const certManager = new k8s.helm.v3.Release(
      "cert-manager",
      {
        name: "cert-manager",
        ...releaseArgs(
          "certManager",
          {
            namespace: cmNs.metadata.name,
            values: certManagerValues({
              profile: args.profile,
              replicas: args.replicas,
              imageRegistry: registry,
            }),
          },
          args.source,
        ),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    ready.push(certManager);

    const issuerOpts = { parent: this, dependsOn: [certManager] };
    if (args.tls.kind === "acme") {
      this.clusterIssuerName = "acme";
      ready.push(
        new k8s.apiextensions.CustomResource(
          "cluster-issuer-acme",
          {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: this.clusterIssuerName },
            spec: {
              acme: {
                email: args.tls.email,
                server: args.tls.server,
                privateKeySecretRef: { name: "acme-account-key" },
                solvers: [{ http01: { ingress: { ingressClassName: args.ingressClass } } }],
              },
            },
          },
          issuerOpts,
        ),
      );
    } else {
      // Private CA: a self-signed issuer signs the root certificate, whose key then signs every endpoint.
      const selfSigned = new k8s.apiextensions.CustomResource(
        "cluster-issuer-selfsigned",
        {
          apiVersion: "cert-manager.io/v1",
          kind: "ClusterIssuer",
          metadata: { name: "selfsigned-root" },
          spec: { selfSigned: {} },
        },
        issuerOpts,
      );
      const rootCa = new k8s.apiextensions.CustomResource(
        "private-ca-root",
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          // The CA issuer reads its key pair from cert-manager's own (cluster resource) namespace.
          metadata: { name: "private-ca-root", namespace: cmNs.metadata.name },
          spec: {
            isCA: true,
            commonName: args.tls.commonName,
            secretName: "private-ca-root",
            duration: "87600h", // 10 years: the root is distributed to browsers once.
            renewBefore: "720h",
            // Never: a renewal keeps the key, so browsers and nodes that trust the root keep trusting it
            // (Always would mint a new key at every renewal and every client would have to re-trust it).
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
            issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "selfsigned-root" },
          },
        },
        { parent: this, dependsOn: [selfSigned] },
      );
      this.clusterIssuerName = "private-ca";
      ready.push(
        new k8s.apiextensions.CustomResource(
          "cluster-issuer-private-ca",
          {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: this.clusterIssuerName },
            spec: { ca: { secretName: "private-ca-root" } },
          },
          { parent: this, dependsOn: [rootCa] },
        ),
      );
    }
    this.ready = ready;
    this.registerOutputs({ clusterIssuerName: this.clusterIssuerName, ingressClass: this.ingressClass });
  }
}

/** Annotations of an Ingress served over TLS with a certificate from the platform's ClusterIssuer. */
export function tlsIngressAnnotations(clusterIssuer: string): Record<string, string> {
  return {
    "cert-manager.io/cluster-issuer": clusterIssuer,
    "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
    "traefik.ingress.kubernetes.io/router.tls": "true",
  };
}

export { HTTPS_REDIRECT_MIDDLEWARE, HttpsRedirect, type HttpsRedirectArgs } from "./https-redirect";
