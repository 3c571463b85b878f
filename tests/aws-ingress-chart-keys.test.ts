/**
 * The aws-load-balancer-controller 3.5.0 and external-dns 1.21.1 charts' schemas are not in
 * ../shared/chart-schemas, so a misspelt key would be ignored by Helm without a word. Every key path the
 * AWS target sets on them must be one verified in that chart version's own values.yaml:
 *
 * - aws/eks-charts, commit 5239609 ("aws-load-balancer-controller: v3.5.0"),
 *   stable/aws-load-balancer-controller/values.yaml
 * - kubernetes-sigs/external-dns, tag external-dns-helm-chart-1.21.1, charts/external-dns/values.yaml
 *
 * Paths stop at maps the chart passes through (resources, nodeSelector, annotations). When a new key is
 * set, check it in the file above and add it here.
 */
import { expect } from "chai";
import { releaseValues, runStack } from "./harness";

const FREE_FORM = new Set(["resources", "nodeSelector", "annotations"]);

function keyPaths(v: unknown, prefix = ""): string[] {
  if (!v || typeof v !== "object" || Array.isArray(v)) return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [
    prefix + k,
    ...(FREE_FORM.has(k) ? [] : keyPaths(x, `${prefix}${k}.`)),
  ]);
}

const VERIFIED_KEYS: Record<string, string[]> = {
  "aws-load-balancer-controller": [
    "clusterName",
    "region",
    "vpcId",
    "replicaCount",
    "serviceAccount",
    "serviceAccount.create",
    "serviceAccount.name",
    "serviceAccount.annotations",
    "resources",
    "nodeSelector",
    "createIngressClassResource",
    "ingressClassParams",
    "ingressClassParams.create",
    "enableShield",
    "enableWaf",
    "enableWafv2",
    "enableServiceMutatorWebhook",
  ],
  "external-dns": [
    "provider",
    "provider.name",
    "env",
    "serviceAccount",
    "serviceAccount.create",
    "serviceAccount.name",
    "serviceAccount.annotations",
    "sources",
    "domainFilters",
    "extraArgs",
    "policy",
    "registry",
    "txtOwnerId",
    "resources",
    "nodeSelector",
  ],
};

describe("aws ingress charts: every key set is one the pinned chart reads", () => {
  for (const release of Object.keys(VERIFIED_KEYS))
    it(`${release}: every value path exists in the chart's values.yaml`, async () => {
      const run = await runStack("dev", {
        externalDnsZoneId: "Z0123456789ABCDEFGHIJ",
        ingressMode: "loadBalancer",
      });
      const unknown = keyPaths(releaseValues(run, release)).filter(
        (k) => !VERIFIED_KEYS[release].includes(k),
      );
      expect(unknown).to.deep.equal([]);
    });
});
