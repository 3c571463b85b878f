# Users belong to tenants: each user's server runs in their tenant's namespace (loaded by the z2jh chart as
# hub.extraConfig, after maintenance.py).
#
# Settings come from the chart's `custom.datavis.tenancy` values, written by the platform layer
# (components/platform/tenancy/hub.ts):
#   tenants: [{name, namespace, databaseRole, members, owners, groups}]
#   contact: str   whom a user in no tenant should ask (shown in the refusal)
#   serviceAccount: str   the service account of servers in tenant namespaces
# With no tenant that lists members or groups, nothing changes: every server runs in the hub's namespace.
#
# How: KubeSpawner keeps one pod reflector per namespace unless enable_user_namespaces is on (kubespawner
# 7.0.0 spawner.py `_get_reflector_key` and `_start_reflector`), and `_start` starts watching only after
# load_user_options, because "namespace can be changed via kubespawner_override". JupyterHub runs
# pre_spawn_hook before Spawner.start (jupyterhub 5.5 user.py `spawn`), so setting `spawner.namespace`
# there puts the pod, its volume claim and its events in the tenant's namespace, with the hub's own
# namespaced Roles there (no ClusterRole, no namespace creation). The namespace is also saved in the
# spawner's state (get_state), so a running server is found again after a hub restart.
from tornado import web
from z2jh import get_config

_tenancy = get_config("custom.datavis.tenancy", {}) or {}
_tenants = _tenancy.get("tenants") or []
_contact = _tenancy.get("contact") or "the platform's administrators"
_service_account = _tenancy.get("serviceAccount") or "notebook"

# Pod Security `restricted` for the server's container (KubeSpawner's container_security_context keys are
# the Kubernetes names; objects.py `make_pod` merges them over its own allowPrivilegeEscalation/runAs*).
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def tenant_of(tenants, user, groups=()):
    """The tenant (dict) of a user: listed as member or owner first, else by group. None: no tenant.

    The same rule as tenantOf in components/platform/tenancy/names.ts (names compared without case)."""
    u = user.lower()
    for t in tenants:
        if any(m.lower() == u for m in (t.get("members") or []) + (t.get("owners") or [])):
            return t
    g = {x.lower() for x in groups}
    for t in tenants:
        if any(x.lower() in g for x in t.get("groups") or []):
            return t
    return None


def github_team_names(auth_state):
    """GitHub teams as hub groups, named `org:team-slug` (the form tenants[].groups and allowed_organizations
    use, oauthenticator 17.4.0 github.py lines 104-111). auth_state["teams"] is GitHub's answer to GET
    /user/teams, stored by github.py `update_auth_model` (lines 225-236) when populate_teams_in_auth_state is
    on; GitHubOAuthenticator has no get_user_groups of its own, and the base one (oauth2.py lines 1218-1256)
    cannot make a set of those team objects, so the platform names them here."""
    return [f"{t['organization']['login']}:{t['slug']}" for t in auth_state.get("teams") or []]


def enforced(tenants):
    return any((t.get("members") or t.get("groups")) for t in tenants)


def not_in_a_tenant(user):
    return (
        f"{user} is not in any class or team on this platform, so no notebook server can start. "
        f"Ask {_contact} to add {user} to a tenant (members or groups in the platform's config)."
    )


def place_in_tenant(spawner):
    """pre_spawn_hook: the server runs in its user's tenant namespace, as that tenant, or not at all."""
    user = spawner.user
    groups = [g.name for g in getattr(user, "groups", [])]
    tenant = tenant_of(_tenants, user.name, groups)
    if tenant is None:
        if getattr(user, "admin", False):
            # Administrators outside every tenant keep the hub's namespace (and the platform's app role).
            return
        spawner.log.warning("tenancy: %s is in no tenant; server refused", user.name)
        raise web.HTTPError(403, not_in_a_tenant(user.name))
    spawner.namespace = tenant["namespace"]
    # dns_name was computed in KubeSpawner.__init__ from the hub's namespace.
    if hasattr(spawner, "dns_name_template"):
        spawner.dns_name = spawner.dns_name_template.format(namespace=spawner.namespace, name=spawner.pod_name)
    spawner.service_account = _service_account
    # The token is how the notebook submits SparkApplications to its tenant (Role notebook-spark).
    spawner.automount_service_account_token = True
    spawner.container_security_context = dict(RESTRICTED_CONTAINER)
    spawner.environment = {
        **spawner.environment,
        # The tenant's database role (its password is in the tenant namespace's notebook-database Secret).
        "PGUSER": tenant["databaseRole"],
        "DATAVIS_TENANT": tenant["name"],
        "DATAVIS_NAMESPACE": tenant["namespace"],
    }
    spawner.log.info("tenancy: %s's server runs in %s", user.name, spawner.namespace)


# The platform turns on populate_teams_in_auth_state (with manage_groups) when a tenant maps GitHub teams
# (components/platform/notebooks/hub-groups.ts): the teams then become the user's hub groups at sign-in.
if get_config("hub.config.GitHubOAuthenticator.populate_teams_in_auth_state"):
    c.GitHubOAuthenticator.auth_state_groups_key = github_team_names  # noqa: F821

if enforced(_tenants):
    _previous = c.Spawner.pre_spawn_hook if "pre_spawn_hook" in c.Spawner else None  # noqa: F821

    def _pre_spawn(spawner):
        # Maintenance (maintenance.py) refuses first; then the tenant decides where the server runs.
        if _previous is not None:
            _previous(spawner)
        place_in_tenant(spawner)

    c.Spawner.pre_spawn_hook = _pre_spawn  # noqa: F821 (c is the hub's config)
