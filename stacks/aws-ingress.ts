/**
 * How the internet reaches the AWS cluster's ingress (Traefik), by `ingressMode`:
 *   - `loadBalancer`: the AWS Load Balancer Controller turns Traefik's Service into an internet-facing NLB
 *     in the system nodes' zones (IP targets, client addresses kept);
 *   - `natInstance` (dev): the NAT instance's Elastic IP takes 80/443 and forwards them to the oldest
 *     running system node, where Traefik answers on host ports (components/aws/nat-scripts.ts); the system
 *     nodes admit those ports from the NAT instance's ingress group only. No NLB, no address of its own, no
 *     controller: about $20 a month less, one zone and the NAT instance's availability (docs/aws.md).
 * Either way ExternalDNS (optional) keeps the endpoints' records in Route 53.
 */
import * as aws from "@pulumi/aws";
import type { EksCluster } from "../components/aws/eks";
import { POOL_LABEL } from "../components/aws/eks";
import { ExternalDns } from "../components/aws/external-dns";
import { LoadBalancerController } from "../components/aws/load-balancer-controller";
import type { NatIngress } from "../components/aws/nat-scripts";
import { nodeInstanceTags } from "../components/aws/node-groups";
import type { Vpc } from "../components/aws/vpc";
import { ONLINE } from "../components/shared/artifacts";
import type { IngressServiceInput } from "../components/shared/inputs";
import type { PlatformConfig } from "./config";
import { systemNodeCount } from "./aws-nodes";

/** The ports the ingress takes: HTTP (redirected, and ACME's HTTP-01) and HTTPS. */
const INGRESS_PORTS = [80, 443];

/** What the NAT instance forwards (ingressMode natInstance), for the Vpc; undefined otherwise. */
export function natIngressFor(cfg: PlatformConfig, clusterName: string): NatIngress | undefined {
  if (cfg.aws?.ingressMode !== "natInstance") return undefined;
  return { ports: INGRESS_PORTS, targetTags: nodeInstanceTags(clusterName, "system") };
}

/** The ingress's way in, and what it needs on the cluster (controllers, security-group rules). */
export function awsIngress(
  cfg: PlatformConfig,
  name: string,
  vpc: Vpc,
  cluster: EksCluster,
  provider: aws.Provider,
): IngressServiceInput {
  const a = cfg.aws!;
  const opts = { providers: [provider] };
  const issuer = { oidcProviderArn: cluster.oidcProviderArn, oidcIssuer: cluster.oidcIssuer };
  const system = { nodeSelector: { [POOL_LABEL]: "system" }, provider: cluster.provider, source: ONLINE };
  // Optional: the endpoints' DNS records kept in an existing Route 53 zone (else made by hand, docs/aws.md).
  if (a.externalDnsZoneId)
    new ExternalDns(
      "external-dns",
      {
        ...issuer,
        ...system,
        zoneId: a.externalDnsZoneId,
        domain: cfg.domain,
        txtOwnerId: name,
        region: a.region,
      },
      { ...opts, dependsOn: [cluster] },
    );

  if (a.ingressMode === "natInstance") {
    // The NAT instance masquerades what it forwards, so the nodes see its address: they admit the ingress
    // ports from its ingress group, not from the internet.
    for (const port of INGRESS_PORTS)
      new aws.vpc.SecurityGroupIngressRule(
        `ingress-from-nat-${port}`,
        {
          securityGroupId: cluster.nodeSecurityGroupId,
          referencedSecurityGroupId: vpc.ingressSecurityGroupId!,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `ingress ${port} forwarded by the NAT instance`,
        },
        { provider },
      );
    return { kind: "hostPorts", address: vpc.ingressAddress! };
  }

  // The ingress NLB's maker, on the system pool; Traefik's Service waits for it (its ingressService).
  const lbController = new LoadBalancerController(
    "load-balancer-controller",
    {
      ...issuer,
      ...system,
      clusterName: cluster.clusterName,
      vpcId: vpc.vpcId,
      region: a.region,
      // The NLB only in the zones of the system nodes, where Traefik runs (public and private subnets are
      // made zone by zone in the same order).
      ingressSubnetIds: vpc.publicSubnetIds.slice(0, systemNodeCount(cfg)),
      // One per system node: a second replica on dev's only node would survive no node loss, only take
      // 128 MiB of it (the NLB keeps serving while a lone controller restarts).
      replicas: systemNodeCount(cfg),
    },
    { ...opts, dependsOn: [cluster] },
  );
  return lbController.ingressService;
}
