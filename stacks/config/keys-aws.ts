/**
 * Keys of the AWS target (read only when `target: aws`). Instance families and sizes come from the AWS
 * catalogue beside the components (components/aws/catalogue.ts).
 */
import { z } from "zod";
import { EC2_FAMILIES, RDS_FAMILIES } from "../../components/aws/catalogue";
import { instanceType, instanceTypeList, int, key, list, oneOf, text, type KeyDef, type Values } from "./kit";

const prod = (v: Values) => v.environment === "prod";

/** An enum schema that accepts only `allowed` where `when(v)` holds, refusing the rest with `why`. */
const onlyWhere =
  <S extends z.ZodType>(schema: S, when: (v: Values) => boolean, allowed: string, why: string) =>
  (v: Values): z.ZodType =>
    when(v) ? schema.refine((m) => m === allowed, { error: why }) : schema;

export const NAT_GATEWAYS = oneOf(["single", "perAz"]);
export const NAT_MODES = oneOf(["gateway", "instance"]);
export const SYSTEM_NODE_CAPACITY = oneOf(["onDemand", "spot"]);
export const INGRESS_MODES = oneOf(["loadBalancer", "natInstance"]);
export const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;

export const AWS_KEYS: KeyDef[] = [
  key({
    key: "aws:region",
    kind: "text",
    schema: text(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as us-east-1"),
    appliesTo: "aws",
    default: "us-east-1",
    prompt: { description: "(aws) AWS region to deploy into", default: "us-east-1" },
  }),
  key({
    key: "azCount",
    kind: "int",
    schema: int(2, 3),
    appliesTo: "aws",
    default: 3,
    doc: { default: "3", description: "availability zones, 2 or 3" },
  }),
  key({
    key: "vpcCidr",
    kind: "text",
    // The subnet plan (components/aws/cidr.ts) checks the range once azCount is known: see rules.ts.
    schema: z.string(),
    appliesTo: "aws",
    default: "10.0.0.0/16",
    doc: { default: "10.0.0.0/16", description: "VPC range, /16 to /20" },
  }),
  key({
    key: "apiAllowedCidrs",
    kind: "list",
    schema: list({ pattern: /^[\d./]+$/, expect: "an IPv4 CIDR such as 203.0.113.0/24" }),
    appliesTo: "aws",
    default: [],
    doc: { default: "[]", description: "CIDRs allowed on the public EKS API; [] = private only" },
    prompt: {
      description:
        '(aws) public CIDRs allowed on the EKS API, e.g. ["<curl -s https://checkip.amazonaws.com>/32"]; [] = private only',
      default: "[]",
    },
  }),
  key({
    key: "systemNodeInstanceType",
    kind: "text",
    schema: instanceType(EC2_FAMILIES),
    appliesTo: "aws",
    // The platform requests about 3.3 GiB in dev and 7.7 GiB in prod (the plan's systemPool estimate): a
    // t4g.large holds dev's with headroom, two t3.xlarge prod's (a t3.medium or t4g.medium keeps only
    // 3.2 GiB for pods even with the system nodes' 40 pod slots). dev runs Graviton (arm64, about 20%
    // cheaper than t3): every image of the system pool is published for arm64 (rules.ts checks it).
    default: (v) => (prod(v) ? "t3.xlarge" : "t4g.large"),
    doc: {
      default: "t4g.large (prod: t3.xlarge)",
      description:
        "system node group (`systemNodeCapacity`: spot or on-demand); a Graviton type (t4g, m7g) runs arm64",
    },
  }),
  key({
    key: "systemNodeCapacity",
    kind: "enum",
    schema: SYSTEM_NODE_CAPACITY,
    // Spot takes about 60% off the system node, the largest part of dev's idle bill the platform can
    // choose; the price is an interruption now and then (docs/aws.md, "Spot system node"): not for prod.
    schemaIn: onlyWhere(
      SYSTEM_NODE_CAPACITY,
      prod,
      "onDemand",
      '"spot" can take the hub, Prometheus and CoreDNS down for minutes when AWS reclaims the node: prod uses onDemand',
    ),
    appliesTo: "aws",
    default: (v) => (prod(v) ? "onDemand" : "spot"),
    doc: {
      default: "spot (prod: onDemand)",
      description: "`spot`: the system nodes from spot capacity, every type of that shape (dev); `onDemand`",
    },
  }),
  key({
    key: "dbInstanceClass",
    kind: "text",
    schema: instanceType(RDS_FAMILIES, "db."),
    appliesTo: "aws",
    default: (v) => (prod(v) ? "db.t4g.medium" : "db.t4g.micro"),
    doc: { default: "db.t4g.micro (prod: db.t4g.medium)", description: "RDS instance class" },
  }),
  key({
    key: "acmeEmail",
    kind: "text",
    schema: text(EMAIL, "an e-mail address for Let's Encrypt notices"),
    appliesTo: "aws",
    required: true,
    doc: { default: "(required)", description: "Let's Encrypt account e-mail" },
    prompt: { description: "(aws) e-mail address registered with Let's Encrypt for the public certificates" },
  }),
  key({
    key: "natGateways",
    kind: "enum",
    schema: NAT_GATEWAYS,
    appliesTo: "aws",
    default: (v) => (prod(v) ? "perAz" : "single"),
    doc: { default: "single (prod: perAz)", description: "`single` or `perAz` (natMode gateway)" },
  }),
  key({
    key: "natMode",
    kind: "enum",
    schema: NAT_MODES,
    // One NAT instance is one zone and minutes of outage on replacement (docs/aws.md): not for production.
    schemaIn: onlyWhere(
      NAT_MODES,
      prod,
      "gateway",
      '"instance" is one NAT instance in one zone, down for minutes when it is replaced: prod uses gateway',
    ),
    appliesTo: "aws",
    default: (v) => (prod(v) ? "gateway" : "instance"),
    doc: {
      default: "instance (prod: gateway)",
      description: "`instance`: one arm64 NAT instance (dev); `gateway`: NAT gateways",
    },
  }),
  key({
    key: "natInstanceType",
    kind: "text",
    schema: instanceType(EC2_FAMILIES),
    appliesTo: "aws",
    // The smallest Graviton type: NAT of a dev cluster's image pulls fits its burst budget.
    default: "t4g.nano",
    doc: { default: "t4g.nano", description: "type of the NAT instance (natMode instance)" },
  }),
  key({
    key: "ingressMode",
    kind: "enum",
    schema: INGRESS_MODES,
    // The NAT instance already has a public address: forwarding 80/443 from it to the system node spares
    // dev the NLB and its address ($20.08 a month) and the load balancer controller (docs/aws.md).
    schemaIn: onlyWhere(
      INGRESS_MODES,
      (v) => v.natMode !== "instance",
      "loadBalancer",
      '"natInstance" needs natMode instance (the NAT instance carries the ingress): set datavis:natMode instance, or use loadBalancer',
    ),
    appliesTo: "aws",
    default: (v) => (v.natMode === "instance" ? "natInstance" : "loadBalancer"),
    doc: {
      default: "natInstance with natMode instance (dev), else loadBalancer",
      description:
        "`loadBalancer`: an NLB (AWS Load Balancer Controller); `natInstance`: the NAT instance forwards 80/443",
    },
  }),
  key({
    key: "clusterAdminArns",
    kind: "list",
    schema: list({
      pattern: /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+$/,
      expect: "an IAM role or user ARN",
    }),
    appliesTo: "aws",
    default: [],
    doc: { default: "[]", description: "IAM principals given cluster-admin" },
  }),
  key({
    key: "notebookInstanceTypes",
    kind: "list",
    schema: instanceTypeList(),
    appliesTo: "aws",
    // dev: Graviton (every image of the notebook pool is published for arm64; rules.ts checks it), about
    // 15% cheaper; prod keeps three x86 types, which spread its spot requests over more capacity pools.
    default: (v) => (prod(v) ? ["m6i.large", "m5.large", "m6a.large"] : ["m7g.large", "m6g.large"]),
    doc: {
      default: '["m7g.large","m6g.large"] (prod: ["m6i.large","m5.large","m6a.large"])',
      description: "spot types for notebook nodes (one architecture)",
    },
  }),
  key({
    key: "sparkInstanceTypes",
    kind: "list",
    schema: instanceTypeList(),
    appliesTo: "aws",
    default: ["m6i.xlarge", "m5.xlarge", "m6a.xlarge"],
    doc: { default: '["m6i.xlarge","m5.xlarge","m6a.xlarge"]', description: "spot types for Spark nodes" },
  }),
  key({
    key: "notebookMaxNodes",
    kind: "int",
    schema: int(1, 1000),
    appliesTo: "aws",
    default: 10,
    doc: { default: "10", description: "notebook node group maximum (minimum is 0)" },
  }),
  key({
    key: "sparkMaxNodes",
    kind: "int",
    schema: int(1, 1000),
    appliesTo: "aws",
    default: 10,
    doc: { default: "10", description: "Spark node group maximum (minimum is 0)" },
  }),
  key({
    key: "dbAllocatedStorageGb",
    kind: "int",
    schema: int(20, 65536),
    appliesTo: "aws",
    default: 20,
    doc: { default: "20", description: "RDS storage (GiB), 20 to 65536" },
  }),
  key({
    key: "dbBackupRetentionDays",
    kind: "int",
    schema: int(7, 35),
    // Production keeps at least two weeks of point-in-time recovery.
    schemaIn: (v) => (prod(v) ? int(14, 35) : int(7, 35)),
    appliesTo: "aws",
    default: (v) => (prod(v) ? 14 : 7),
    doc: { default: "7 (prod: 14)", description: "RDS point-in-time recovery window, 7 to 35" },
  }),
  key({
    key: "auditLogRetentionDays",
    kind: "int",
    schema: int(1, 3653),
    appliesTo: "aws",
    default: (v) => (prod(v) ? 365 : 90),
    doc: { default: "90 (prod: 365)", description: "EKS audit log retention (days)" },
  }),
  key({
    key: "flowLogRetentionDays",
    kind: "int",
    schema: int(1, 3653),
    appliesTo: "aws",
    default: 30,
    doc: { default: "30", description: "VPC flow log retention (days)" },
  }),
  key({
    key: "externalDnsZoneId",
    kind: "text",
    schema: text(
      /^Z[A-Z0-9]{4,31}$/,
      "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (without /hostedzone/; aws route53 list-hosted-zones)",
    ),
    appliesTo: "aws",
    default: "",
    doc: {
      default: '"" (off)',
      description:
        "Route 53 hosted zone ID: ExternalDNS writes hub., grafana., headlamp.<domain> there (off: create the records yourself, docs/aws.md)",
    },
  }),
  key({
    key: "notebookPrePuller",
    kind: "bool",
    schema: z.boolean(),
    appliesTo: "aws",
    default: true,
    doc: {
      default: "true",
      description: "pull the notebook image on each new notebook node before users land there",
    },
  }),
  key({
    key: "notebookPlaceholders",
    kind: "int",
    schema: int(0, 100),
    appliesTo: "aws",
    // A placeholder keeps a notebook node up around the clock (about $28 a month in dev): worth it where
    // users wait on the first server of the day (prod); in dev that first server waits for a node to boot.
    default: (v) => (prod(v) ? 2 : 0),
    doc: {
      default: "0 (prod: 2)",
      description: "placeholder pods keeping room for this many servers warm (cost: see docs); 0 = off",
    },
  }),
  key({
    key: "notebookPlaceholderProfile",
    kind: "enum",
    schema: oneOf(["small", "large", "spark"]),
    appliesTo: "aws",
    default: "small",
    doc: {
      default: "small",
      description: "profile whose size each placeholder reserves: small, large or spark",
    },
  }),
];
