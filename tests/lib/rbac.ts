/**
 * Kubernetes RBAC decided the way kube-apiserver decides it, over the Roles, ClusterRoles and bindings a
 * plan registers (plus the default bindings every cluster has). Follows kubernetes/kubernetes
 * plugin/pkg/auth/authorizer/rbac/rbac.go (`RBACAuthorizer.Authorize` visits ClusterRoleBindings, then the
 * RoleBindings of the request's namespace; the first rule that allows wins; there is no deny) and
 * pkg/apis/rbac/v1/evaluation_helpers.go (`VerbMatches`, `APIGroupMatches`, `ResourceMatches` with
 * the `*` wildcard and the star-slash-subresource form, `ResourceNameMatches`), and rbac.go `appliesToUser` for subjects (User by
 * name, Group by membership, ServiceAccount as `system:serviceaccount:<ns>:<name>`).
 *
 * What it leaves out: aggregated ClusterRoles (edit, view, admin) are not expanded (a binding to one that
 * applies to the asker throws, so a test never silently passes through one), and no other authorizer
 * (Node, webhook) is consulted: EKS and k3s run Node,RBAC, and Node only answers for kubelets.
 */

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
export interface Binding {
  kind: "RoleBinding" | "ClusterRoleBinding";
  namespace?: string;
  name: string;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}
export interface RoleDef {
  kind: "Role" | "ClusterRole";
  namespace?: string;
  name: string;
  rules: Rule[];
}
export interface Requester {
  user: string;
  groups: string[];
}
export interface Request {
  verb: string;
  /** API group, "" for the core group. */
  group: string;
  /** `pods`, or `pods/log` for a subresource. */
  resource: string;
  namespace?: string;
  name?: string;
}

/**
 * ClusterRoles and ClusterRoleBindings every cluster bootstraps for authenticated users
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go: system:basic-user, system:discovery,
 * system:public-info-viewer). None grants anything on namespaced resources; they are here so a request a
 * real API server would allow through them is allowed here too.
 */
export const DEFAULT_ROLES: RoleDef[] = [
  {
    kind: "ClusterRole",
    name: "system:basic-user",
    rules: [
      {
        apiGroups: ["authorization.k8s.io"],
        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        verbs: ["create"],
      },
      { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
    ],
  },
];
export const DEFAULT_BINDINGS: Binding[] = [
  {
    kind: "ClusterRoleBinding",
    name: "system:basic-user",
    roleRef: { kind: "ClusterRole", name: "system:basic-user" },
    subjects: [{ kind: "Group", name: "system:authenticated" }],
  },
];

/** A service account as the API server authenticates its token. */
export function serviceAccount(namespace: string, name: string): Requester {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

const has = (list: string[] | undefined, x: string) => (list ?? []).includes(x);

function appliesTo(s: Subject, who: Requester, bindingNamespace?: string): boolean {
  switch (s.kind) {
    case "User":
      return s.name === who.user;
    case "Group":
      return who.groups.includes(s.name);
    case "ServiceAccount":
      // rbac.go: a ServiceAccount subject without a namespace takes the binding's.
      return `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}` === who.user;
    default:
      return false;
  }
}

function ruleAllows(r: Rule, q: Request): boolean {
  if (!(has(r.verbs, "*") || has(r.verbs, q.verb))) return false;
  if (!(has(r.apiGroups, "*") || has(r.apiGroups, q.group))) return false;
  const [, sub] = q.resource.split("/");
  const resourceOk = (r.resources ?? []).some(
    (x) => x === "*" || x === q.resource || (sub !== undefined && x === `*/${sub}`),
  );
  if (!resourceOk) return false;
  return !r.resourceNames?.length || (q.name !== undefined && r.resourceNames.includes(q.name));
}

export class Authorizer {
  constructor(
    private readonly roles: RoleDef[],
    private readonly bindings: Binding[],
  ) {
    this.roles = [...roles, ...DEFAULT_ROLES];
    this.bindings = [...bindings, ...DEFAULT_BINDINGS];
  }

  private rulesOf(b: Binding): Rule[] {
    const role = this.roles.find(
      (r) =>
        r.kind === b.roleRef.kind &&
        r.name === b.roleRef.name &&
        (r.kind === "ClusterRole" || r.namespace === b.namespace),
    );
    if (!role)
      throw new Error(
        `${b.kind} ${b.namespace ?? ""}/${b.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, not in the plan`,
      );
    return role.rules;
  }

  /** Allowed, and by which binding (for messages). */
  authorize(who: Requester, q: Request): { allowed: boolean; by?: string } {
    for (const b of this.bindings) {
      if (b.kind === "RoleBinding" && (q.namespace === undefined || b.namespace !== q.namespace)) continue;
      if (!b.subjects.some((s) => appliesTo(s, who, b.namespace))) continue;
      if (this.rulesOf(b).some((r) => ruleAllows(r, q)))
        return { allowed: true, by: `${b.kind} ${b.namespace ?? ""}/${b.name}` };
    }
    return { allowed: false };
  }
}
