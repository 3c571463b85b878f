/**
 * ExternalDNS (chart external-dns, CHARTS.externalDns) for one existing Route 53 hosted zone: it writes the
 * records of the platform's Ingress hosts (hub., grafana., headlamp.<domain>), aliases of the ingress load
 * balancer that Traefik publishes in each Ingress's status, so Let's Encrypt's HTTP-01 challenges reach
 * Traefik without anyone creating records by hand. Optional (`externalDnsZoneId`); the stack never
 * creates or owns the zone.
 *
 * IAM policy written from kubernetes-sigs/external-dns@v0.21.0 docs/tutorials/aws.md ("IAM Policy" and
 * "IAM Permissions with ABAC"), narrowed from every zone (`hostedzone/*`) to this one, and from every
 * record name to those under `domain`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseArgs, type ArtifactSource } from "../shared/artifacts";
import { IrsaRole, SYSTEM_SERVICE_ACCOUNTS } from "./identity";

export interface ExternalDnsArgs {
  /** Route 53 hosted zone ID (e.g. `Z0123456789ABCDEFGHIJ`) whose records ExternalDNS may change. */
  zoneId: string;
  /** Only names under this domain are written (`--domain-filter`, and the role's record-name condition). */
  domain: string;
  /**
   * Owner recorded in ExternalDNS's TXT registry records: it only changes records it owns, so two stacks
   * (or a hand-made record) in the same zone are never overwritten. The stack's name.
   */
  txtOwnerId: string;
  region: string;
  /** ARN of the cluster's IAM OIDC provider and its issuer (IRSA). */
  oidcProviderArn: pulumi.Input<string>;
  oidcIssuer: pulumi.Input<string>;
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Node selector that keeps ExternalDNS on the system pool. */
  nodeSelector: Record<string, string>;
  /** Where the chart comes from. */
  source: ArtifactSource;
}

export const EXTERNAL_DNS_DEFAULTS = {
  /**
   * upsert-only (the chart's default): records are created and updated, never deleted, so a renamed
   * endpoint leaves a stale record rather than risking a deletion.
   */
  policy: "upsert-only",
  /** The chart sets no requests; ExternalDNS idles at a few tens of MiB. */
  resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
};

/** A Route 53 hosted zone ID as `aws route53 list-hosted-zones` prints it, without `/hostedzone/`. */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{4,31}$/;

/** ExternalDNS's role policy: change records under `domain` in one zone; list zones (no resource scope). */
export function externalDnsPolicy(zoneId: string, domain: string): string {
  const name = domain.toLowerCase().replace(/\.$/, "");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RecordsUnderDomainInZone",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: `arn:aws:route53:::hostedzone/${zoneId}`,
        Condition: {
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [name, `*.${name}`],
          },
        },
      },
      {
        Sid: "ReadZone",
        Effect: "Allow",
        Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
        Resource: `arn:aws:route53:::hostedzone/${zoneId}`,
      },
      {
        // ListHostedZones has no resource-level permission; `--zone-id-filter` keeps it to the one zone.
        Sid: "FindZone",
        Effect: "Allow",
        Action: "route53:ListHostedZones",
        Resource: "*",
      },
    ],
  });
}

export class ExternalDns extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:aws:ExternalDns", name, {}, opts);
    const sa = SYSTEM_SERVICE_ACCOUNTS.externalDns;
    const role = new IrsaRole(
      name,
      {
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuer: args.oidcIssuer,
        ...sa,
        policy: externalDnsPolicy(args.zoneId, args.domain),
      },
      { parent: this },
    );
    this.roleArn = role.arn;
    const d = EXTERNAL_DNS_DEFAULTS;
    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: "external-dns",
        ...releaseArgs(
          "externalDns",
          {
            namespace: sa.namespace,
            values: {
              provider: { name: "aws" },
              env: [{ name: "AWS_DEFAULT_REGION", value: args.region }],
              serviceAccount: {
                create: true,
                name: sa.serviceAccount,
                annotations: { "eks.amazonaws.com/role-arn": role.arn },
              },
              // The platform's endpoints are Ingresses; Traefik copies the NLB's host name into their status.
              sources: ["ingress"],
              domainFilters: [args.domain],
              extraArgs: [`--zone-id-filter=${args.zoneId}`],
              policy: d.policy,
              registry: "txt",
              txtOwnerId: args.txtOwnerId,
              resources: d.resources,
              nodeSelector: args.nodeSelector,
            },
          },
          args.source,
        ),
      },
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
