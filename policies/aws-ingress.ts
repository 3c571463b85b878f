/**
 * The ingress load balancer on EKS. Traefik's Service of type LoadBalancer must go to the AWS Load Balancer
 * Controller as a Network Load Balancer with an explicit scheme:
 * - without `aws-load-balancer-type: external` (or `spec.loadBalancerClass: service.k8s.aws/nlb`) the cloud
 *   provider makes a Classic Load Balancer: the FSBP controls for CLBs (ELB.2, 3, 5, 7, 9, 14) then apply,
 *   and the plan's cost estimate no longer prices what is made;
 * - without an explicit `aws-load-balancer-scheme` the controller makes an *internal* NLB (its default,
 *   kubernetes-sigs/aws-load-balancer-controller@v3.5.0 docs/guide/service/annotations.md line 651), and the
 *   hub's DNS records and Let's Encrypt's HTTP-01 checks point at an address the internet cannot reach.
 * The rule reads the Helm release's values; a fork that means a private hub writes `internal` explicitly.
 */
import { asArray, get, known, otherControl, stackPolicy, type Rule } from "./lib";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const EKS = new Set(["eks:index:Cluster", "aws:eks/cluster:Cluster"]);
const A = "service.beta.kubernetes.io/aws-load-balancer-";

const chartOf = (props: any): string => String(known(() => props.chart) ?? "");

export const ingressLoadBalancer: Rule = stackPolicy({
  name: "aws-ingress-nlb",
  description:
    "On EKS, Traefik's Service is handed to the AWS Load Balancer Controller (type external or the NLB load balancer class) with an explicit scheme, and the controller is installed: otherwise the cloud provider makes a Classic Load Balancer, or the controller makes an internal NLB the hub's DNS records cannot reach.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: otherControl(
    "Issue 13 item 12 (load balancer and DNS)",
    "ingress-nlb",
    "The ingress is an NLB made by the AWS Load Balancer Controller, internet-facing or explicitly internal",
  ),
  validateStack: (args, report) => {
    if (!args.resources.some((r) => EKS.has(r.type))) return;
    const releases = args.resources.filter((r) => r.type === RELEASE);
    const traefik = releases.filter((r) => /(^|\/)traefik(-[\d.]+\.tgz)?$/.test(chartOf(r.props)));
    if (!traefik.length) return;
    const controller = releases.some((r) => chartOf(r.props).includes("aws-load-balancer-controller"));
    for (const t of traefik) {
      const values = known(() => t.props.values);
      if (values === undefined) continue;
      const service = get(values, "service") ?? {};
      const ann: Record<string, unknown> = service.annotations ?? {};
      const cls = get(service, "spec", "loadBalancerClass");
      const toController =
        ["external", "nlb-ip"].includes(String(ann[`${A}type`])) || cls === "service.k8s.aws/nlb";
      if (get(service, "enabled") === false || asArray(get(service, "spec", "type")).includes("ClusterIP"))
        continue;
      if (!toController)
        report(
          `Traefik's Service has no ${A}type: external: the cloud provider makes a Classic Load Balancer for it`,
          t.urn,
        );
      else if (!controller)
        report(
          "Traefik's Service asks for the AWS Load Balancer Controller, which the stack does not install",
          t.urn,
        );
      const scheme = ann[`${A}scheme`];
      if (toController && scheme !== "internet-facing" && scheme !== "internal")
        report(
          `Traefik's Service sets no ${A}scheme: the controller makes an internal NLB; set internet-facing (or internal for a private hub)`,
          t.urn,
        );
    }
  },
});
