"""notebook_backup.py against an in-memory S3 (the boto3 calls it makes) and a temporary home folder."""

import datetime as dt
import json

import pytest

import notebook_backup as nb


class FakeS3:
    """list_objects_v2 (with Delimiter), upload_file, download_file, delete_objects: what the script uses."""

    def __init__(self):
        self.objects = {}

    def upload_file(self, filename, bucket, key):
        self.objects[(bucket, key)] = open(filename, "rb").read()

    def download_file(self, bucket, key, filename):
        with open(filename, "wb") as f:
            f.write(self.objects[(bucket, key)])

    def delete_objects(self, Bucket, Delete):
        for o in Delete["Objects"]:
            self.objects.pop((Bucket, o["Key"]), None)

    def get_paginator(self, _name):
        s3 = self

        class Paginator:
            def paginate(self, Bucket, Prefix, Delimiter=None):
                keys = sorted(k for (b, k) in s3.objects if b == Bucket and k.startswith(Prefix))
                if Delimiter:
                    prefixes = sorted({Prefix + k[len(Prefix):].split(Delimiter)[0] + Delimiter for k in keys if Delimiter in k[len(Prefix):]})
                    yield {"CommonPrefixes": [{"Prefix": p} for p in prefixes]}
                else:
                    yield {"Contents": [{"Key": k} for k in keys]}

        return Paginator()


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    monkeypatch.setenv("BACKUP_PREFIX", "backups")
    monkeypatch.setenv(
        "BACKUP_POD_TEMPLATE",
        json.dumps({"serviceAccountName": "notebook-backup", "containers": [{"name": "copy", "image": "img:1"}]}),
    )


def test_a_user_gets_yesterdays_notebook_back(tmp_path):
    s3, home, restored = FakeS3(), tmp_path / "home", tmp_path / "target"
    (home / "project").mkdir(parents=True)
    (home / "project" / "analysis.ipynb").write_text('{"cells": ["yesterday"]}')
    yesterday = dt.date(2026, 11, 24)
    assert nb.copy("alice", s3, "notebooks", home, today=yesterday) == 1
    (home / "project" / "analysis.ipynb").write_text("overwritten by mistake")
    restored.mkdir()
    assert nb.put_back("alice", yesterday, s3, "notebooks", restored) == 1
    assert (restored / "restored-2026-11-24" / "project" / "analysis.ipynb").read_text() == '{"cells": ["yesterday"]}'


def test_backups_older_than_the_retention_are_deleted(tmp_path):
    s3, home = FakeS3(), tmp_path / "home"
    home.mkdir()
    (home / "a.ipynb").write_text("x")
    for day in (1, 2, 3, 10):
        nb.copy("alice", s3, "notebooks", home, today=dt.date(2026, 11, day))
    removed = nb.prune(s3, "notebooks", dt.date(2026, 11, 10), retention_days=8)
    assert removed == 2
    assert nb.list_days("alice", s3, "notebooks") == ["2026-11-03", "2026-11-10"]


def test_copy_jobs_mount_the_home_volume_read_only_on_the_servers_node():
    job = nb.job_manifest("copy", "Alice@Example.org", "claim-alice", dt.date(2026, 11, 24), "node-7")
    spec = job["spec"]["template"]["spec"]
    assert spec["volumes"][-1] == {"name": "home", "persistentVolumeClaim": {"claimName": "claim-alice", "readOnly": True}}
    assert spec["containers"][0]["volumeMounts"][-1]["readOnly"] is True
    assert spec["containers"][0]["args"] == ["copy", "Alice@Example.org", "2026-11-24"]
    assert spec["nodeName"] == "node-7"
    assert job["metadata"]["generateName"].startswith("notebook-copy-alice-example-org-")


def test_a_restore_never_writes_outside_the_restore_folder(tmp_path):
    s3 = FakeS3()
    s3.objects[("notebooks", "backups/bob/2026-11-24/../../escape.txt")] = b"no"
    target = tmp_path / "target"
    target.mkdir()
    assert nb.put_back("bob", dt.date(2026, 11, 24), s3, "notebooks", target) == 0
    assert not (tmp_path / "escape.txt").exists()


TENANT_TEMPLATE = {
    "serviceAccountName": "notebook-backup",
    "containers": [{"name": "copy", "image": "img:1", "env": [
        {"name": "AWS_ACCESS_KEY_ID", "valueFrom": {"secretKeyRef": {"name": "notebook-backup-writer", "key": "access-key-id"}}},
        {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "notebook-backup-writer", "key": "secret-access-key"}}},
        {"name": "BACKUP_BUCKET", "value": "notebooks"},
    ]}],
}


@pytest.fixture
def tenants(monkeypatch):
    monkeypatch.setenv("BACKUP_TENANT_POD_TEMPLATE", json.dumps(TENANT_TEMPLATE))
    monkeypatch.setenv("BACKUP_TENANTS", json.dumps({"tenant-physics-101": "backups/tenants/tenant-physics-101"}))


def test_a_tenant_copier_uploads_under_the_tenants_prefix_with_the_writer_keys(tenants):
    job = nb.job_manifest("copy", "alice", "claim-alice", dt.date(2026, 11, 24), None, "backups/tenants/tenant-physics-101")
    env = {e["name"]: e for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["BACKUP_PREFIX"]["value"] == "backups/tenants/tenant-physics-101"
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "notebook-backup-writer"


def test_a_tenant_put_back_holds_no_key_and_no_identity_only_the_manifest_url(tenants):
    job = nb.job_manifest("put-back", "alice", "claim-alice", dt.date(2026, 11, 24), None,
                          "backups/tenants/tenant-physics-101", "https://s3/presigned")
    spec = job["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
    assert spec["serviceAccountName"] == "default"
    assert spec["containers"][0]["args"] == ["put-back-urls", "alice", "2026-11-24"]
    assert "AWS_ACCESS_KEY_ID" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["BACKUP_RESTORE_MANIFEST_URL"] == "https://s3/presigned"


def test_pruning_covers_tenants_backups_and_leaves_the_tenants_root_alone(tmp_path, tenants):
    s3, home = FakeS3(), tmp_path / "home"
    home.mkdir()
    (home / "a.ipynb").write_text("x")
    for day in (1, 10):
        nb.copy("alice", s3, "notebooks", home, today=dt.date(2026, 11, day))
    with pytest.MonkeyPatch.context() as m:
        m.setenv("BACKUP_PREFIX", "backups/tenants/tenant-physics-101")
        for day in (1, 10):
            nb.copy("carol", s3, "notebooks", home, today=dt.date(2026, 11, day))
    assert nb.prune(s3, "notebooks", dt.date(2026, 11, 10), retention_days=8) == 2
    assert sorted(k for (_, k) in s3.objects) == [
        "backups/alice/2026-11-10/a.ipynb", "backups/tenants/tenant-physics-101/carol/2026-11-10/a.ipynb"]


def test_a_presigned_restore_never_writes_outside_the_restore_folder(tmp_path, monkeypatch):
    target = tmp_path / "target"
    target.mkdir()
    manifest = {"files": [{"path": "../../escape.txt", "url": "u1"}, {"path": "ok/n.ipynb", "url": "u2"}]}
    monkeypatch.setattr(nb, "_fetch", lambda url: json.dumps(manifest).encode() if url == "m" else b"data")
    assert nb.put_back_urls("bob", dt.date(2026, 11, 24), "m", target) == 1
    assert not (tmp_path / "escape.txt").exists()
    assert (target / "restored-2026-11-24" / "ok" / "n.ipynb").read_bytes() == b"data"
