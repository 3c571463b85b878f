"""tenancy.py with the KubeSpawner of the z2jh 4.4.0 hub image (kubespawner 7.0.0, requirements-test.txt):
where a user's server lands, as whom, and the pod KubeSpawner itself builds for it (Pod Security
`restricted`), fed with the chart values the program passes (HUB_VALUES_FILE) or a class like dev's.

Run: python -m pytest components/platform/notebooks/hub (the CI suite 45-notebook-platform.sh does).
"""

import asyncio
import json
import logging
import os
import sys
import types
from pathlib import Path

import tempfile

import pytest

# KubeSpawner loads a kubeconfig when a spawner is made, from $KUBECONFIG as it was when kubernetes_asyncio
# was imported. These tests never call the API (nothing listens at the address).
_KUBECONFIG = Path(tempfile.mkdtemp(prefix="tenancy-kube-")) / "config"
_KUBECONFIG.write_text(
    "apiVersion: v1\nkind: Config\ncurrent-context: none\n"
    "clusters: [{name: none, cluster: {server: 'https://127.0.0.1:9'}}]\n"
    "contexts: [{name: none, context: {cluster: none, user: none}}]\nusers: [{name: none, user: {token: x}}]\n"
)
os.environ.setdefault("KUBECONFIG", str(_KUBECONFIG))

from kubespawner import KubeSpawner  # noqa: E402
from tornado import web
from traitlets.config import Config

HERE = Path(__file__).parent
VALUES_FILE = os.environ.get("HUB_VALUES_FILE")

CLASS = {
    "tenants": [
        {
            "name": "stats-101",
            "namespace": "tenant-stats-101",
            "databaseRole": "tenant_stats_101",
            "members": ["student-a"],
            "owners": ["course-instructor"],
            "groups": ["example-org:stats-101"],
        },
        {
            "name": "data-science",
            "namespace": "tenant-data-science",
            "databaseRole": "tenant_data_science",
            "members": [],
            "owners": ["platform-admin"],
            "groups": [],
        },
    ],
    "contact": "your instructor or the platform's administrators (platform-admin)",
    "serviceAccount": "notebook",
}


def values():
    """The hub chart values: the program's (HUB_VALUES_FILE), or the parts of them these tests need."""
    if VALUES_FILE:
        return json.loads(Path(VALUES_FILE).read_text())
    return {
        "custom": {"datavis": {"maintenance": {"enabled": False}, "tenancy": CLASS}},
        "singleuser": {
            "serviceAccountName": "notebook",
            "extraPodConfig": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}},
        },
    }


def load(custom, c=None):
    """Runs maintenance.py then tenancy.py as the chart does (hub.extraConfig in name order) on `c`."""

    def get_config(key, default=None):
        node = {"custom": custom}
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    sys.modules["z2jh"] = types.SimpleNamespace(get_config=get_config)
    c = c if c is not None else Config()
    for name in ("maintenance.py", "tenancy.py"):
        exec(compile((HERE / name).read_text(), name, "exec"), {"c": c})
    return c


def spawner_config(v, c):
    """What z2jh's jupyterhub_config.py sets from singleuser values that bears on the pod (4.4.0 defaults:
    uid 1000, fsGid 100, allowPrivilegeEscalation false), plus the extra config's hook."""
    s = v.get("singleuser", {})
    c.KubeSpawner.uid = s.get("uid", 1000)
    c.KubeSpawner.fs_gid = s.get("fsGid", 100)
    c.KubeSpawner.allow_privilege_escalation = s.get("allowPrivilegeEscalation", False)
    c.KubeSpawner.service_account = s.get("serviceAccountName")
    c.KubeSpawner.extra_pod_config = s.get("extraPodConfig", {})
    c.KubeSpawner.namespace = "jupyterhub"
    c.KubeSpawner.environment = {"PGUSER": "datavis_app"}
    return c


async def make_spawner(c, name, groups=(), admin=False):
    """A KubeSpawner as the hub makes one for a user (it needs a running event loop)."""
    user = types.SimpleNamespace(
        name=name,
        id=1,
        admin=admin,
        groups=[types.SimpleNamespace(name=g) for g in groups],
        url=f"/user/{name}/",
    )
    spawner = KubeSpawner(_mock=True, config=c, user=user)
    spawner.log = logging.getLogger("spawner")
    return spawner


def in_loop(test):
    """Runs an async test in its own event loop (KubeSpawner needs one), keeping pytest's fixtures."""
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


@pytest.fixture(scope="module")
def v():
    return values()


@pytest.fixture
def tenancy(v):
    t = v["custom"]["datavis"].get("tenancy") or {}
    if not any(x.get("members") or x.get("groups") for x in t.get("tenants", [])):
        pytest.skip("these values map nobody to a tenant: every server stays in the hub's namespace")
    return t


def hook(v):
    c = load(v["custom"], spawner_config(v, Config()))
    return c, c.Spawner.pre_spawn_hook


def member_of(tenancy):
    """A user of the first tenant that names members (or owners), with that tenant."""
    for t in tenancy["tenants"]:
        for m in t["members"] + t["owners"]:
            return m, t
    pytest.skip("no tenant names a member")


@in_loop
async def test_a_students_server_lands_in_their_tenants_namespace_as_the_tenant(v, tenancy):
    c, pre_spawn = hook(v)
    user, tenant = member_of(tenancy)
    spawner = await make_spawner(c, user)
    pre_spawn(spawner)
    assert spawner.namespace == tenant["namespace"]
    assert f".{tenant['namespace']}.svc" in spawner.dns_name
    pod = await spawner.get_pod_manifest()
    assert pod.spec.service_account_name == "notebook"
    assert pod.spec.automount_service_account_token is True
    env = {e.name: e.value for e in pod.spec.containers[0].env}
    assert env["PGUSER"] == tenant["databaseRole"]
    assert env["DATAVIS_TENANT"] == tenant["name"]


@in_loop
async def test_two_students_of_different_tenants_land_in_different_namespaces(v):
    c, pre_spawn = hook(v)
    tenants = values_tenancy = v["custom"]["datavis"]["tenancy"] if "tenancy" in v["custom"]["datavis"] else CLASS
    by_group = [t for t in values_tenancy["tenants"] if t["groups"]]
    named = [t for t in tenants["tenants"] if t["owners"] or t["members"]]
    if len(named) < 2:
        pytest.skip("fewer than two tenants with members")
    a, b = await make_spawner(c, (named[0]["members"] + named[0]["owners"])[0]), await make_spawner(c, (named[1]["members"] + named[1]["owners"])[0])
    pre_spawn(a)
    pre_spawn(b)
    assert {a.namespace, b.namespace} == {named[0]["namespace"], named[1]["namespace"]}
    assert a.environment["PGUSER"] != b.environment["PGUSER"]
    if by_group:
        g = await make_spawner(c, "someone-new", groups=[by_group[0]["groups"][0].upper()])
        pre_spawn(g)
        assert g.namespace == by_group[0]["namespace"]


@in_loop
async def test_a_user_in_no_tenant_is_refused_with_whom_to_ask(v, tenancy):
    c, pre_spawn = hook(v)
    spawner = await make_spawner(c, "stranger", groups=["some-other-team"])
    with pytest.raises(web.HTTPError) as err:
        pre_spawn(spawner)
    assert err.value.status_code == 403
    assert "stranger" in err.value.log_message
    assert tenancy["contact"] in err.value.log_message


@in_loop
async def test_an_administrator_in_no_tenant_keeps_the_hubs_namespace(v, tenancy):
    c, pre_spawn = hook(v)
    spawner = await make_spawner(c, "root-admin", admin=True)
    pre_spawn(spawner)
    assert spawner.namespace == "jupyterhub"
    assert spawner.environment["PGUSER"] == "datavis_app"


@in_loop
async def test_in_read_only_maintenance_a_server_still_lands_in_its_tenant_with_the_maintenance_settings(v, tenancy):
    custom = json.loads(json.dumps(v["custom"]))
    custom["datavis"]["maintenance"] = {"enabled": True, "message": "Back at ten"}
    # z2jh sets the spawner's config from the chart values first, then runs the extra config files.
    c = load(custom, spawner_config(v, Config()))
    user, tenant = member_of(tenancy)
    spawner = await make_spawner(c, user)
    c.Spawner.pre_spawn_hook(spawner)
    assert spawner.namespace == tenant["namespace"]
    assert spawner.environment["PGUSER"] == tenant["databaseRole"]
    assert spawner.environment["JUPYTER_RUNTIME_DIR"] == "/tmp/jupyter-runtime"


def restricted_violations(pod):
    """Pod Security Standards `restricted` (kubernetes.io/docs/concepts/security/pod-security-standards),
    the checks a server pod can fail: runAsNonRoot, seccomp, privilege escalation, capabilities, hostPath.
    `pod` is the manifest as the API server receives it (camelCase JSON)."""
    out = []
    spec = pod["spec"]
    psc = spec.get("securityContext") or {}
    for ctr in spec.get("initContainers", []) + spec["containers"]:
        sc = ctr.get("securityContext") or {}
        if not sc.get("runAsNonRoot", psc.get("runAsNonRoot")):
            out.append(f"{ctr['name']}: runAsNonRoot")
        seccomp = sc.get("seccompProfile") or psc.get("seccompProfile") or {}
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            out.append(f"{ctr['name']}: seccompProfile")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{ctr['name']}: allowPrivilegeEscalation")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"{ctr['name']}: capabilities.drop ALL")
        if any(a != "NET_BIND_SERVICE" for a in caps.get("add") or []):
            out.append(f"{ctr['name']}: capabilities.add")
    for vol in spec.get("volumes") or []:
        if "hostPath" in vol:
            out.append(f"volume {vol['name']}: hostPath")
    return out


@in_loop
async def test_the_server_pod_kubespawner_builds_passes_pod_security_restricted(v, tenancy):
    c, pre_spawn = hook(v)
    user, _ = member_of(tenancy)
    spawner = await make_spawner(c, user)
    pre_spawn(spawner)
    from kubernetes_asyncio.client import ApiClient

    pod = ApiClient().sanitize_for_serialization(await spawner.get_pod_manifest())
    assert restricted_violations(pod) == []
