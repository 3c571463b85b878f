/**
 * The RBAC authorizer (./rbac.ts) over the Roles, ClusterRoles and their bindings one plan run registers:
 * the one place the tests turn a plan's rbac.authorization.k8s.io objects into what the authorizer reads.
 */
import { ofType, type ProgramRun } from "../harness";
import { Authorizer, type Binding, type RoleDef } from "./rbac";

export function authorizer(run: ProgramRun): Authorizer {
  const roles: RoleDef[] = [
    ...ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:Role"),
    ...ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"),
  ].map((r) => ({
    kind: r.type.endsWith(":ClusterRole") ? "ClusterRole" : "Role",
    namespace: r.inputs.metadata?.namespace,
    name: r.inputs.metadata?.name,
    rules: r.inputs.rules ?? [],
  }));
  const bindings: Binding[] = [
    ...ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"),
    ...ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"),
  ].map((b) => ({
    kind: b.type.endsWith(":ClusterRoleBinding") ? "ClusterRoleBinding" : "RoleBinding",
    namespace: b.inputs.metadata?.namespace,
    name: b.inputs.metadata?.name,
    roleRef: b.inputs.roleRef,
    subjects: b.inputs.subjects ?? [],
  }));
  return new Authorizer(roles, bindings);
}
