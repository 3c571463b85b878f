/**
 * Facts of the AWS-only charts that serve the ingress (./matrix.ts documents the format): the AWS Load
 * Balancer Controller and ExternalDNS. Read with `git show <tag>:<path>` in clones of aws/eks-charts,
 * kubernetes-sigs/aws-load-balancer-controller and kubernetes-sigs/external-dns.
 */
import type { ChartFacts } from "./matrix";

export const AWS_INGRESS_CHART_FACTS: Record<string, ChartFacts> = {
  awsLoadBalancerController: {
    version: "3.5.0",
    appVersion: "v3.5.0",
    // Chart.yaml declares no kubeVersion; the controller's docs (docs/deploy/installation.md) support the
    // Kubernetes versions EKS supports.
    targets: ["aws"],
    source:
      "aws/eks-charts@5239609 (aws-load-balancer-controller: v3.5.0):stable/aws-load-balancer-controller/Chart.yaml (no kubeVersion); image in values.yaml lines 9-11",
    images: [
      {
        ref: "public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0",
        arches: ["amd64", "arm64"],
        source:
          "kubernetes-sigs/aws-load-balancer-controller@v3.5.0:Makefile line 11 (IMG_PLATFORM ?= linux/amd64,linux/arm64)",
      },
    ],
  },
  externalDns: {
    version: "1.21.1",
    appVersion: "0.21.0",
    targets: ["aws"],
    source:
      "kubernetes-sigs/external-dns@external-dns-helm-chart-1.21.1:charts/external-dns/Chart.yaml (no kubeVersion); image tag v<appVersion> from templates/_helpers.tpl line 81",
    images: [
      {
        ref: "registry.k8s.io/external-dns/external-dns:v0.21.0",
        arches: ["amd64", "arm", "arm64"],
        source:
          "kubernetes-sigs/external-dns@v0.21.0:Makefile lines 123-141 (build.push for amd64, arm64, arm/v7)",
      },
    ],
  },
};
