/**
 * The kubeflow Spark operator: its chart values and its release, watching the tenant namespaces only.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseArgs, type ArtifactSource } from "../../shared/artifacts";
import { SIZES, type SizeProfile } from "./sizing";

/** Service account Spark drivers and executors run as in every tenant namespace. */
export const SPARK_SERVICE_ACCOUNT = "spark";

/** The values keys set on the spark-operator chart, checked against its values.yaml at 2.5.2 by a test. */
export function sparkOperatorValues(a: {
  jobNamespaces: pulumi.Input<string>[];
  profile: SizeProfile;
  replicas: number;
  imageRegistry?: string;
}): Record<string, unknown> {
  const s = SIZES[a.profile];
  const pdb = { enable: a.replicas > 1, minAvailable: 1 };
  const registry = a.imageRegistry ? { registry: a.imageRegistry } : {};
  return {
    image: { ...registry },
    hook: { image: { ...registry } },
    controller: {
      replicas: a.replicas,
      resources: s.sparkController,
      podDisruptionBudget: pdb,
      // The Spark UI stays inside the cluster (kubectl port-forward); no Ingress without sign-in.
      uiIngress: { enable: false },
    },
    webhook: { enable: true, replicas: a.replicas, resources: s.sparkWebhook, podDisruptionBudget: pdb },
    spark: {
      jobNamespaces: a.jobNamespaces,
      // The platform makes the `spark` service account and its Role itself (on AWS the target associates
      // it with the tenants' Spark role through EKS Pod Identity).
      serviceAccount: { create: false, name: SPARK_SERVICE_ACCOUNT },
      rbac: { create: false },
    },
    prometheus: {
      metrics: { enable: true, labels: "namespace" },
      podMonitor: { create: true },
    },
  };
}

/** The operator's release in `namespace`, watching `jobNamespaces`. */
export function sparkOperatorRelease(
  parent: pulumi.Resource,
  a: {
    namespace: pulumi.Input<string>;
    jobNamespaces: pulumi.Input<string>[];
    profile: SizeProfile;
    replicas: number;
    source: ArtifactSource;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
  },
): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    "spark-operator",
    {
      name: "spark-operator",
      ...releaseArgs(
        "sparkOperator",
        {
          namespace: a.namespace,
          values: sparkOperatorValues({
            jobNamespaces: a.jobNamespaces,
            profile: a.profile,
            replicas: a.replicas,
            imageRegistry: a.source.imageRegistry,
          }),
        },
        a.source,
      ),
    },
    { parent, dependsOn: a.dependsOn },
  );
}
