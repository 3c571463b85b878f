"""Tenants' home backups on the edge's object store: a real SeaweedFS (tools/checks/s3/) serves the S3
identities the edge program registers (tests/lib/edge-s3-identities.ts), the notebooks bucket versioned as
the chart creates it, and each tenant namespace's backup-writer keys (its Secret notebook-backup-writer,
which any student of the tenant can read) are tried the way a student who took them would.

A test-only identity with `Admin` lays out the objects and enables versioning (the chart's bucket hook
does that on the cluster).
"""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from edge_s3 import A, B, S3Error, seaweedfs

NS_A, NS_B = f"tenant-{A}", f"tenant-{B}"
ALICE_DAY = f"backups/tenants/{NS_A}/alice/2026-11-30/"
CAROL_DAY = f"backups/tenants/{NS_A}/carol/2026-11-30/"
BOB_DAY = f"backups/tenants/{NS_B}/bob/2026-11-30/"


@pytest.fixture(scope="module")
def s3(plan, tmp_path_factory):
    with seaweedfs(plan, tmp_path_factory.mktemp("seaweedfs"), versioned_notebooks=True) as (server, admin):
        for key in [ALICE_DAY + "thesis.ipynb", CAROL_DAY + "notes.ipynb", BOB_DAY + "b.ipynb",
                    "backups/root-admin/2026-11-30/admin.ipynb"]:
            admin.put_object("notebooks", key, b"the copier's copy of " + key.encode())
        yield server


def held(server, plan, name):
    keys = plan["held"][name]
    return server.client(keys["accessKey"], keys["secretKey"])


@pytest.fixture(scope="module")
def writer_a(s3, plan):
    return held(s3, plan, f"{NS_A}/backup-writer")


@pytest.fixture(scope="module")
def platform(s3, plan):
    # The hub namespace's keys: the platform's identity, which the backup controller uses.
    return held(s3, plan, "jupyterhub")


def refused(call):
    with pytest.raises(S3Error) as err:
        call()
    assert err.value.status == 403, err.value


def versions(client, key):
    root = ElementTree.fromstring(client.request("GET", "/notebooks", {"versions": "", "prefix": key}))
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return [v.findtext(f"{ns}VersionId") for v in root.findall(f"{ns}Version") if v.findtext(f"{ns}Key") == key]


def test_a_tenants_backup_writer_uploads_under_its_tenants_backup_prefix(writer_a, platform):
    writer_a.put_object("notebooks", ALICE_DAY + "new.csv", b"a,b\n1,2\n")
    assert platform.get_object("notebooks", ALICE_DAY + "new.csv") == b"a,b\n1,2\n"


def test_a_multipart_upload_works_for_the_backup_writer(s3, plan, platform):
    # What the copier does with a file over boto3's 8 MiB threshold: create, upload parts, complete.
    import boto3
    from boto3.s3.transfer import TransferConfig

    keys = plan["held"][f"{NS_A}/backup-writer"]
    client = boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1",
                          aws_access_key_id=keys["accessKey"], aws_secret_access_key=keys["secretKey"])
    body = bytes(range(256)) * (9 * 4096)  # 9 MiB
    import io
    client.upload_fileobj(io.BytesIO(body), "notebooks", ALICE_DAY + "big.parquet",
                          Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
    assert platform.get_object("notebooks", ALICE_DAY + "big.parquet") == body


def test_the_backup_writer_reads_and_lists_no_backup_not_even_its_tenants(writer_a):
    for key in [ALICE_DAY + "thesis.ipynb", CAROL_DAY + "notes.ipynb", BOB_DAY + "b.ipynb",
                "backups/root-admin/2026-11-30/admin.ipynb"]:
        refused(lambda: writer_a.get_object("notebooks", key))
    for prefix in [ALICE_DAY, f"backups/tenants/{NS_A}/", "backups/tenants/", "backups/", ""]:
        refused(lambda: writer_a.list_keys("notebooks", prefix))
    refused(lambda: writer_a.request("GET", "/notebooks", {"versions": "", "prefix": ALICE_DAY}))


@pytest.mark.parametrize("key", [
    BOB_DAY + "planted.ipynb",
    "backups/root-admin/2026-11-30/planted.ipynb",
    "backups/restores/planted.json",
    f"tenants/{A}/planted.csv",
    "home/alice/planted.ipynb",
])
def test_the_backup_writer_writes_nowhere_but_its_tenants_backup_prefix(writer_a, key):
    refused(lambda: writer_a.put_object("notebooks", key, b"planted"))


def test_the_backup_writer_cannot_delete_a_backup(writer_a, platform):
    key = CAROL_DAY + "notes.ipynb"
    refused(lambda: writer_a.delete_object("notebooks", key))
    for version in versions(platform, key):
        refused(lambda: writer_a.request("DELETE", f"/notebooks/{key}", {"versionId": version}))
    assert platform.get_object("notebooks", key) == b"the copier's copy of " + key.encode()


def test_an_overwrite_by_a_student_with_the_writer_keys_keeps_the_copiers_version(writer_a, platform):
    key = CAROL_DAY + "notes.ipynb"
    writer_a.put_object("notebooks", key, b"tampered by a classmate")
    found = versions(platform, key)
    assert len(found) >= 2
    bodies = [platform.request("GET", f"/notebooks/{key}", {"versionId": v}) for v in found]
    assert b"the copier's copy of " + key.encode() in bodies
    assert b"tampered by a classmate" in bodies


def test_a_tenants_notebook_keys_reach_no_backup_of_their_own_tenant(s3, plan):
    student = held(s3, plan, NS_A)
    refused(lambda: student.get_object("notebooks", ALICE_DAY + "thesis.ipynb"))
    refused(lambda: student.list_keys("notebooks", f"backups/tenants/{NS_A}/"))
    refused(lambda: student.put_object("notebooks", ALICE_DAY + "thesis.ipynb", b"x"))


def test_the_platform_identity_lists_reads_and_prunes_every_tenants_backups(platform):
    assert set(platform.list_keys("notebooks", "backups/tenants/")) >= {ALICE_DAY + "thesis.ipynb", BOB_DAY + "b.ipynb"}
    platform.put_object("notebooks", BOB_DAY + "old.ipynb", b"x")
    platform.delete_object("notebooks", BOB_DAY + "old.ipynb")
