/**
 * The ingress rule (policies/aws-ingress.ts): on EKS, Traefik's Service goes to the AWS Load Balancer
 * Controller as an NLB with an explicit scheme. Fixtures register real releases under the mock runtime.
 */
import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { quiet, reported } from "./fixtures/policies/assert";
import { awsEksCluster } from "./fixtures/policies/aws";

const A = "service.beta.kubernetes.io/aws-load-balancer-";
const NLB = {
  [`${A}type`]: "external",
  [`${A}nlb-target-type`]: "ip",
  [`${A}scheme`]: "internet-facing",
};

function traefik(annotations?: Record<string, string>) {
  return new k8s.helm.v3.Release("traefik", {
    chart: "traefik",
    version: "41.3.0",
    namespace: "traefik",
    values: annotations ? { service: { annotations } } : {},
  });
}

function controller() {
  return new k8s.helm.v3.Release("lbc", {
    chart: "aws-load-balancer-controller",
    version: "3.5.0",
    namespace: "kube-system",
    values: {},
  });
}

describe("policy pack: the ingress load balancer on EKS", () => {
  it("a Traefik Service left to the cloud provider (a Classic LB) is reported", async () => {
    const msgs = await reported("aws-ingress-nlb", () => {
      awsEksCluster();
      controller();
      traefik();
    });
    expect(msgs[0]).to.contain("Classic Load Balancer");
  });

  it("an NLB Service without the controller installed is reported", async () => {
    const msgs = await reported("aws-ingress-nlb", () => {
      awsEksCluster();
      traefik(NLB);
    });
    expect(msgs[0]).to.contain("does not install");
  });

  it("an NLB Service without an explicit scheme (the controller's default is internal) is reported", async () => {
    const noScheme = Object.fromEntries(Object.entries(NLB).filter(([k]) => k !== `${A}scheme`));
    const msgs = await reported("aws-ingress-nlb", () => {
      awsEksCluster();
      controller();
      traefik(noScheme);
    });
    expect(msgs[0]).to.contain("internal NLB");
  });

  it("an internet-facing (or explicitly internal) NLB through the controller passes", async () => {
    await quiet("aws-ingress-nlb", () => {
      awsEksCluster();
      controller();
      traefik(NLB);
    });
    await quiet("aws-ingress-nlb", () => {
      awsEksCluster();
      controller();
      traefik({ ...NLB, [`${A}scheme`]: "internal" });
    });
  });

  it("a cluster that is not EKS (k3s ServiceLB on edge) is not judged", async () => {
    await quiet("aws-ingress-nlb", () => traefik(), { target: "edge" });
  });
});
