/**
 * Each student's home is their own, also from classmates: the API server refuses, in every tenant
 * namespace, what would let one student of a class open another's home volume or borrow an identity the
 * platform keeps for itself.
 *
 * Who can do what there: a student's server holds the tenant's Spark role (SparkApplications), and a Spark
 * driver runs the student's code as the tenant's `spark` service account, which may create pods (its
 * executors). Both are in reach of any student of the class, so:
 *  - a SparkApplication (or ScheduledSparkApplication) may mount no PersistentVolumeClaim (home volumes
 *    are claims in the same namespace; Spark data goes through the object store) and runs its driver and
 *    executors as `spark` only;
 *  - a pod created by a service account of the tenant's own namespace (a driver creating executors, or
 *    anything a student's code does with that token) may mount no claim and run only as `spark` or
 *    `default`.
 * The hub (KubeSpawner, in the hub's namespace), the Job controller (the platform's backup copies) and
 * administrators are not tenant service accounts: the policy does not apply to them. Pod Security
 * `restricted` already refuses hostPath and privileged pods there.
 *
 * ValidatingAdmissionPolicy is GA since Kubernetes 1.30 (admissionregistration.k8s.io/v1), so it runs
 * in the API server itself, on k3s and EKS alike, with no webhook to install or keep up.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TENANT_SPARK_SERVICE_ACCOUNT } from "./names";

export interface TenantHomeGuardArgs {
  /** Label every tenant namespace carries (the policies apply where it exists). */
  tenantLabel?: string;
  /** The service account tenant Spark drivers and executors run as. */
  sparkServiceAccount?: string;
}

export const TENANT_HOME_GUARD_DEFAULTS = {
  tenantLabel: "datavis.io/tenant",
  sparkServiceAccount: TENANT_SPARK_SERVICE_ACCOUNT,
  sparkPolicy: "datavis-tenant-spark-jobs",
  podPolicy: "datavis-tenant-pods",
};

const NO_CLAIMS =
  "may not mount a PersistentVolumeClaim in a tenant namespace: users' home volumes are their own; read and write data through the object store";

export class TenantHomeGuard extends pulumi.ComponentResource {
  constructor(name: string, args: TenantHomeGuardArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:TenantHomeGuard", name, {}, opts);
    const d = TENANT_HOME_GUARD_DEFAULTS;
    const label = args.tenantLabel ?? d.tenantLabel;
    const spark = args.sparkServiceAccount ?? d.sparkServiceAccount;
    const inTenants = { namespaceSelector: { matchExpressions: [{ key: label, operator: "Exists" }] } };

    const sparkPolicy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-spark-jobs`,
      {
        metadata: { name: d.sparkPolicy },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ["sparkoperator.k8s.io"],
                apiVersions: ["*"],
                operations: ["CREATE", "UPDATE"],
                resources: ["sparkapplications", "scheduledsparkapplications"],
              },
            ],
          },
          variables: [
            {
              name: "app",
              expression: "object.kind == 'ScheduledSparkApplication' ? object.spec.template : object.spec",
            },
          ],
          validations: [
            {
              expression:
                "!has(variables.app.volumes) || variables.app.volumes.all(v, !has(v.persistentVolumeClaim))",
              message: `A Spark job ${NO_CLAIMS}.`,
            },
            ...(["driver", "executor"] as const).map((role) => ({
              expression: `!has(variables.app.${role}) || !has(variables.app.${role}.serviceAccount) || variables.app.${role}.serviceAccount == '${spark}'`,
              message: `A Spark job's ${role} runs as the tenant's '${spark}' service account only.`,
            })),
          ],
        },
      },
      { parent: this },
    );

    const podPolicy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-pods`,
      {
        metadata: { name: d.podPolicy },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [
              { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] },
            ],
          },
          // Only what the tenant's own service accounts create: drivers' executors, a student's code.
          matchConditions: [
            {
              name: "created-by-a-tenant-service-account",
              expression:
                "request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')",
            },
          ],
          validations: [
            {
              expression:
                "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.persistentVolumeClaim))",
              message: `A pod started by a tenant's service account ${NO_CLAIMS}.`,
            },
            {
              expression: `!has(object.spec.serviceAccountName) || object.spec.serviceAccountName in ['${spark}', 'default']`,
              message: `A pod started by a tenant's service account runs as '${spark}' or 'default' only.`,
            },
          ],
        },
      },
      { parent: this },
    );

    for (const [key, policy] of [
      ["spark-jobs", sparkPolicy],
      ["pods", podPolicy],
    ] as const)
      new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        `${name}-${key}`,
        {
          metadata: { name: policy.metadata.name },
          spec: { policyName: policy.metadata.name, validationActions: ["Deny"], matchResources: inTenants },
        },
        { parent: this },
      );
    this.registerOutputs({});
  }
}
