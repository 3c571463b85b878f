"""Home backups end to end, in the hub's namespace and two tenant namespaces: notebook_backup.py's `run`
and `restore` driven as the CronJob and an administrator run them, against a real SeaweedFS with the S3
identities the edge program registers (tests/lib/edge-s3-identities.ts) and the controller's environment
(pod templates, tenant prefixes) from the edge plan's CronJob.

The Kubernetes API is a fake (FakeKube: the calls the script makes: list claims and pods, create Jobs,
per namespace); each Job the script creates is then run here as its pod would run it: the script with the
Job's arguments and exactly the Job's environment (Secret references resolved from the Secrets of the
Job's namespace in the plan), its volume mount pointing at that user's home folder.
RBAC of the controller's account is proven on a real API server (.ci/suites/70-cluster.sh) and in
tests/tenancy.test.ts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from contextlib import contextmanager

import pytest

from edge_s3 import REPO, SETUP, A, B, seaweedfs

sys.path.insert(0, str(REPO / "components" / "platform" / "notebooks" / "backup"))
import notebook_backup as nb  # noqa: E402

HUB, NS_A, NS_B = "jupyterhub", f"tenant-{A}", f"tenant-{B}"
TODAY = dt.date(2026, 11, 30)
# Who has a home volume where, and which servers are running (node names).
USERS = {"root-admin": HUB, "alice": NS_A, "carol": NS_A, "bob": NS_B}
RUNNING = {"alice": "node-3"}


class FakeKube:
    """The Kubernetes API paths notebook_backup.py calls, per namespace, recording the Jobs it creates."""

    def __init__(self, namespaces):
        self.namespaces = set(namespaces)
        self.claims = {ns: [] for ns in namespaces}
        self.pods = {ns: [] for ns in namespaces}
        self.jobs = []  # (namespace, manifest)

    def __call__(self, method, path, body=None):
        parts = path.split("?")[0].strip("/").split("/")
        ns = parts[parts.index("namespaces") + 1]
        assert ns in self.namespaces, f"the controller has no Role in {ns}"
        resource = parts[-1]
        if method == "GET" and resource == "persistentvolumeclaims":
            assert "labelSelector=datavis.io%2Fnotebook-home%3Dtrue" in path or "datavis.io/notebook-home%3Dtrue" in path
            return {"items": self.claims[ns]}
        if method == "GET" and resource == "pods":
            return {"items": self.pods[ns]}
        if method == "POST" and resource == "jobs":
            job = json.loads(json.dumps(body))
            job["metadata"]["name"] = job["metadata"]["generateName"] + str(len(self.jobs))
            self.jobs.append((ns, job))
            return job
        raise AssertionError(f"unexpected call {method} {path}")


@pytest.fixture(scope="module")
def s3(plan, tmp_path_factory):
    with seaweedfs(plan, tmp_path_factory.mktemp("seaweedfs"), versioned_notebooks=True) as (server, admin):
        yield server


def secrets(plan):
    """(namespace, Secret name) -> data: the keys the plan puts where the backup Jobs read them."""
    k = lambda name: {"access-key-id": plan["held"][name]["accessKey"], "secret-access-key": plan["held"][name]["secretKey"]}  # noqa: E731
    return {
        (HUB, "notebook-object-store"): k(HUB),
        (NS_A, "notebook-backup-writer"): k(f"{NS_A}/backup-writer"),
        (NS_B, "notebook-backup-writer"): k(f"{NS_B}/backup-writer"),
    }


def resolve_env(entries, namespace, plan, endpoint):
    out = {}
    for e in entries:
        if "valueFrom" in e:
            ref = e["valueFrom"]["secretKeyRef"]
            out[e["name"]] = secrets(plan)[(namespace, ref["name"])][ref["key"]]
        else:
            out[e["name"]] = e["value"]
    # The in-cluster Service's address is this test's server; the path-style config file is not mounted
    # here (botocore addresses 127.0.0.1 path-style by itself).
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "S3_ENDPOINT_URL"):
        if name in out:
            out[name] = endpoint
    out.pop("AWS_CONFIG_FILE", None)
    return out


@contextmanager
def environment(values):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({k: v for k, v in saved.items() if k in ("PATH", "SYSTEMROOT")})
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def cluster(plan, s3, tmp_path_factory):
    """Homes on disk, the fake API with their claims and pods, and the controller's environment."""
    root = tmp_path_factory.mktemp("homes")
    kube = FakeKube([HUB, NS_A, NS_B])
    homes = {}
    for user, ns in USERS.items():
        home = root / ns / user
        (home / "work").mkdir(parents=True)
        (home / "work" / f"{user}.ipynb").write_text(json.dumps({"cells": [f"{user}'s analysis"]}))
        homes[user] = home
        kube.claims[ns].append({"metadata": {"name": f"claim-{user}", "labels": {"datavis.io/notebook-home": "true"},
                                             "annotations": {"hub.jupyter.org/username": user}}})
        if user in RUNNING:
            kube.pods[ns].append({"metadata": {"annotations": {"hub.jupyter.org/username": user}},
                                  "spec": {"nodeName": RUNNING[user]}})
    (homes["alice"] / "data").mkdir()
    (homes["alice"] / "data" / "big.bin").write_bytes(os.urandom(9 * 1024 * 1024))  # multipart upload
    controller_env = resolve_env(plan["backup"]["env"], plan["backup"]["namespace"], plan, s3.endpoint)
    return {"kube": kube, "homes": homes, "env": controller_env, "claims": {f"claim-{u}": h for u, h in homes.items()}}


@contextmanager
def as_controller(cluster, monkeypatch):
    monkeypatch.setattr(nb, "kube", cluster["kube"])
    monkeypatch.setattr(nb, "namespace", lambda: HUB)
    with environment(cluster["env"]):
        yield


def run_job(namespace, job, cluster, plan, endpoint, monkeypatch):
    """Runs a Job's pod here: its container's args and environment, its claim mounted at the script's path."""
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    claim = next(v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if v["name"] == "home")
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "home")
    home = cluster["claims"][claim]
    monkeypatch.setattr(nb, "SOURCE_DIR" if mount == "/backup-source" else "TARGET_DIR", home)
    with environment(resolve_env(container["env"], namespace, plan, endpoint)):
        nb.main(container["args"])


@pytest.fixture(scope="module")
def backed_up(cluster, plan, s3):
    mp = pytest.MonkeyPatch()
    with as_controller(cluster, mp):
        nb.run(today=TODAY)
    copies = [(ns, j) for ns, j in cluster["kube"].jobs if j["metadata"]["labels"]["datavis.io/backup-step"] == "copy"]
    for ns, job in copies:
        run_job(ns, job, cluster, plan, s3.endpoint, mp)
    mp.undo()
    return copies


def platform(s3, plan):
    keys = plan["held"][HUB]
    return s3.client(keys["accessKey"], keys["secretKey"])


def test_run_starts_one_copier_in_each_volumes_own_namespace(backed_up):
    assert sorted((ns, j["spec"]["template"]["spec"]["containers"][0]["args"][1]) for ns, j in backed_up) == [
        (HUB, "root-admin"), (NS_A, "alice"), (NS_A, "carol"), (NS_B, "bob")]
    alice = next(j for ns, j in backed_up if j["spec"]["template"]["spec"]["containers"][0]["args"][1] == "alice")
    assert alice["spec"]["template"]["spec"]["nodeName"] == "node-3"


def test_a_tenant_copier_holds_its_tenants_write_only_keys_and_no_platform_key(backed_up):
    for ns, job in backed_up:
        env = {e["name"]: e for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
        secret = env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["name"]
        assert secret == ("notebook-object-store" if ns == HUB else "notebook-backup-writer"), (ns, secret)


def test_every_volume_is_backed_up_under_its_namespaces_prefix(backed_up, s3, plan):
    keys = set(platform(s3, plan).list_keys("notebooks", "backups/"))
    assert "backups/root-admin/2026-11-30/work/root-admin.ipynb" in keys
    assert f"backups/tenants/{NS_A}/alice/2026-11-30/work/alice.ipynb" in keys
    assert f"backups/tenants/{NS_A}/alice/2026-11-30/data/big.bin" in keys
    assert f"backups/tenants/{NS_A}/carol/2026-11-30/work/carol.ipynb" in keys
    assert f"backups/tenants/{NS_B}/bob/2026-11-30/work/bob.ipynb" in keys


def test_list_finds_a_tenant_users_days(backed_up, cluster, s3, plan, monkeypatch):
    with as_controller(cluster, monkeypatch):
        found = nb.list_everywhere("alice", nb.s3_client(), "notebooks")
    assert found == {f"backups/tenants/{NS_A}": ["2026-11-30"]}


def restore(user, cluster, plan, s3, monkeypatch):
    with as_controller(cluster, monkeypatch):
        ns, job = nb.restore(user, TODAY)
    run_job(ns, job, cluster, plan, s3.endpoint, monkeypatch)
    return ns, job


def test_a_tenant_users_restore_runs_next_to_the_volume_without_any_key(backed_up, cluster, plan, s3, monkeypatch):
    (cluster["homes"]["alice"] / "work" / "alice.ipynb").write_text("overwritten by mistake")
    ns, job = restore("alice", cluster, plan, s3, monkeypatch)
    spec = job["spec"]["template"]["spec"]
    env = {e["name"] for e in spec["containers"][0]["env"]}
    assert ns == NS_A
    assert spec["serviceAccountName"] == "default" and not spec["automountServiceAccountToken"]
    assert not env & {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    restored = cluster["homes"]["alice"] / "restored-2026-11-30"
    assert json.loads((restored / "work" / "alice.ipynb").read_text()) == {"cells": ["alice's analysis"]}
    assert (restored / "data" / "big.bin").read_bytes() == (cluster["homes"]["alice"] / "data" / "big.bin").read_bytes()


def test_a_restore_manifest_names_only_that_users_day(backed_up, cluster, plan, s3, monkeypatch):
    with as_controller(cluster, monkeypatch):
        _, job = nb.restore("bob", TODAY)
    url = next(e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"] == "BACKUP_RESTORE_MANIFEST_URL")
    manifest = json.loads(nb._fetch(url))
    assert manifest["prefix"] == f"backups/tenants/{NS_B}/bob/2026-11-30/"
    assert [f["path"] for f in manifest["files"]] == ["work/bob.ipynb"]


def test_an_administrators_restore_in_the_hub_namespace_works_as_before(backed_up, cluster, plan, s3, monkeypatch):
    ns, job = restore("root-admin", cluster, plan, s3, monkeypatch)
    assert ns == HUB and job["spec"]["template"]["spec"]["containers"][0]["args"] == ["put-back", "root-admin", "2026-11-30"]
    restored = cluster["homes"]["root-admin"] / "restored-2026-11-30" / "work" / "root-admin.ipynb"
    assert json.loads(restored.read_text()) == {"cells": ["root-admin's analysis"]}


def test_run_prunes_expired_days_of_tenants_and_of_the_hub_namespace(backed_up, cluster, plan, s3, monkeypatch):
    admin = s3.client(SETUP["accessKey"], SETUP["secretKey"])
    old = [f"backups/tenants/{NS_B}/bob/2026-10-01/work/bob.ipynb", "backups/root-admin/2026-10-01/x.ipynb"]
    for key in old:
        admin.put_object("notebooks", key, b"old")
    kube = cluster["kube"]
    before = len(kube.jobs)
    with as_controller(cluster, monkeypatch):
        nb.run(today=TODAY)
    keys = set(platform(s3, plan).list_keys("notebooks", "backups/"))
    assert not keys & set(old)
    assert f"backups/tenants/{NS_B}/bob/2026-11-30/work/bob.ipynb" in keys
    assert len(kube.jobs) == before + len(USERS)
