"""Each tenant's files are its own on the edge's object store: a real SeaweedFS (built from its Go module,
tools/checks/s3/) serves the S3 identities the edge program registers (tests/lib/edge-s3-identities.ts),
and each tenant namespace's notebook keys are tried the way a notebook would use them.

A test-only identity with `Admin` is added for the harness's readiness check and to lay out the objects.
"""

from __future__ import annotations

import pytest

from edge_s3 import A, B, S3Error, seaweedfs


@pytest.fixture(scope="module")
def s3(plan, tmp_path_factory):
    with seaweedfs(plan, tmp_path_factory.mktemp("seaweedfs")) as (server, admin):
        for key in [f"tenants/{A}/a.csv", f"tenants/{B}/b.csv", "backups/2026-11-30/home-alice.tar.gz"]:
            admin.put_object("notebooks", key, b"x")
        admin.put_object("spark", f"tenants/{B}/event-logs/app-1", b"x")
        admin.put_object("datasets", "raw/flights.csv", b"x")
        admin.put_object("backups", "platform-db/base/0001/data.tar", b"x")
        admin.put_object("backups", "platform-db/wals/0001/000000010000000000000001", b"x")
        yield server


def client(server, plan, namespace):
    keys = plan["held"][namespace]
    return server.client(keys["accessKey"], keys["secretKey"])


def refused(call):
    with pytest.raises(S3Error) as err:
        call()
    assert err.value.status == 403, err.value


@pytest.fixture(scope="module")
def student_a(s3, plan):
    return client(s3, plan, f"tenant-{A}")


def test_a_tenant_reads_writes_and_lists_its_own_prefix(student_a):
    student_a.put_object("notebooks", f"tenants/{A}/results.parquet", b"mine")
    assert student_a.get_object("notebooks", f"tenants/{A}/results.parquet") == b"mine"
    assert f"tenants/{A}/a.csv" in student_a.list_keys("notebooks", f"tenants/{A}/")
    student_a.put_object("spark", f"tenants/{A}/checkpoints/q1/offsets", b"0")


def test_a_tenant_reads_the_shared_datasets_but_cannot_change_them(student_a):
    assert student_a.get_object("datasets", "raw/flights.csv") == b"x"
    assert "raw/flights.csv" in student_a.list_keys("datasets", "raw/")
    refused(lambda: student_a.put_object("datasets", "raw/flights.csv", b"vandalised"))
    refused(lambda: student_a.delete_object("datasets", "raw/flights.csv"))


@pytest.mark.parametrize("bucket,key", [("notebooks", f"tenants/{B}/b.csv"), ("spark", f"tenants/{B}/event-logs/app-1")])
def test_a_tenant_is_refused_on_another_tenants_prefix(student_a, bucket, key):
    refused(lambda: student_a.get_object(bucket, key))
    refused(lambda: student_a.put_object(bucket, key, b"planted"))
    refused(lambda: student_a.delete_object(bucket, key))
    refused(lambda: student_a.list_keys(bucket, f"tenants/{B}/"))


def test_a_tenant_is_refused_on_every_home_backup(student_a):
    refused(lambda: student_a.get_object("notebooks", "backups/2026-11-30/home-alice.tar.gz"))
    refused(lambda: student_a.list_keys("notebooks", "backups/"))
    refused(lambda: student_a.delete_object("notebooks", "backups/2026-11-30/home-alice.tar.gz"))


@pytest.mark.parametrize("namespace", [f"tenant-{A}", f"tenant-{B}", "jupyterhub", "platform-jobs"])
def test_no_notebook_or_job_key_reaches_the_database_backups(s3, plan, namespace):
    c = client(s3, plan, namespace)
    refused(lambda: c.get_object("backups", "platform-db/base/0001/data.tar"))
    refused(lambda: c.list_keys("backups", ""))
    refused(lambda: c.delete_object("backups", "platform-db/wals/0001/000000010000000000000001"))
    refused(lambda: c.put_object("backups", "platform-db/wals/0001/000000010000000000000002", b"forged"))


def test_the_database_backup_identity_works_on_its_bucket_alone(s3, plan):
    ident = next(i for i in plan["identities"]["identities"] if i["name"] == "database-backup")
    keys = ident["credentials"][0]
    barman = s3.client(keys["accessKey"], keys["secretKey"])
    barman.put_object("backups", "platform-db/wals/0001/000000010000000000000002", b"wal")
    assert "platform-db/base/0001/data.tar" in barman.list_keys("backups", "platform-db/")
    refused(lambda: barman.get_object("notebooks", f"tenants/{A}/a.csv"))


@pytest.fixture(scope="module")
def k3s_servers(s3, plan):
    return client(s3, plan, "k3s-servers")


def test_the_k3s_servers_copy_list_fetch_and_prune_etcd_snapshots_in_their_bucket(k3s_servers, plan):
    # What k3s's etcd-s3 client does: check the bucket, upload, list the folder, fetch for a restore, and
    # delete the snapshots beyond the retention count.
    bucket, folder = plan["held"]["k3s-servers"]["bucket"], plan["held"]["k3s-servers"]["folder"]
    k3s_servers.request("HEAD", f"/{bucket}")
    for n in (1, 2):
        k3s_servers.put_object(bucket, f"{folder}/etcd-snapshot-pi-1-{n}", b"snapshot %d" % n)
    assert set(k3s_servers.list_keys(bucket, f"{folder}/")) == {
        f"{folder}/etcd-snapshot-pi-1-1", f"{folder}/etcd-snapshot-pi-1-2"}
    assert k3s_servers.get_object(bucket, f"{folder}/etcd-snapshot-pi-1-2") == b"snapshot 2"
    k3s_servers.delete_object(bucket, f"{folder}/etcd-snapshot-pi-1-1")
    assert list(k3s_servers.list_keys(bucket, f"{folder}/")) == [f"{folder}/etcd-snapshot-pi-1-2"]


def test_the_etcd_snapshot_keys_reach_nothing_but_their_bucket(k3s_servers):
    refused(lambda: k3s_servers.get_object("notebooks", f"tenants/{A}/a.csv"))
    refused(lambda: k3s_servers.list_keys("backups", ""))
    refused(lambda: k3s_servers.put_object("datasets", "raw/flights.csv", b"x"))
    refused(lambda: k3s_servers.get_object("backups", "platform-db/base/0001/data.tar"))


@pytest.mark.parametrize("namespace", [f"tenant-{A}", "jupyterhub", "platform-jobs"])
def test_no_notebook_or_job_key_reaches_the_etcd_snapshots(s3, plan, namespace, k3s_servers):
    bucket, folder = plan["held"]["k3s-servers"]["bucket"], plan["held"]["k3s-servers"]["folder"]
    k3s_servers.put_object(bucket, f"{folder}/etcd-snapshot-pi-2-1", b"cluster state, secrets included")
    c = client(s3, plan, namespace)
    refused(lambda: c.get_object(bucket, f"{folder}/etcd-snapshot-pi-2-1"))
    refused(lambda: c.list_keys(bucket, ""))
    refused(lambda: c.delete_object(bucket, f"{folder}/etcd-snapshot-pi-2-1"))


@pytest.mark.parametrize("namespace", [f"tenant-{A}", f"tenant-{B}"])
def test_a_tenants_spark_keys_are_its_own_and_reach_no_other_tenant(s3, plan, namespace):
    # The spark-s3 Secret the tenant's drivers and executors read: the tenant's own identity.
    assert plan["spark"][namespace] == plan["held"][namespace]
    me, other = (A, B) if namespace == f"tenant-{A}" else (B, A)
    c = s3.client(plan["spark"][namespace]["accessKey"], plan["spark"][namespace]["secretKey"])
    c.put_object("spark", f"tenants/{me}/event-logs/app-9", b"mine")
    refused(lambda: c.put_object("spark", f"tenants/{other}/event-logs/app-9", b"planted"))
    refused(lambda: c.get_object("notebooks", "backups/2026-11-30/home-alice.tar.gz"))


def test_the_sample_data_keys_write_raw_of_the_datasets_and_nothing_else(s3, plan):
    keys = plan["sampleData"]
    assert keys not in plan["held"].values() and keys not in plan["spark"].values()
    stage = s3.client(keys["accessKey"], keys["secretKey"])
    stage.put_object("datasets", "raw/stocks.csv", b"date,price")
    assert stage.get_object("datasets", "raw/stocks.csv") == b"date,price"
    assert "raw/flights.csv" in stage.list_keys("datasets", "raw/")
    refused(lambda: stage.put_object("datasets", "uploads/grades.csv", b"planted"))
    refused(lambda: stage.put_object("spark", f"tenants/{A}/event-logs/app-1", b"planted"))
    refused(lambda: stage.get_object("notebooks", f"tenants/{A}/a.csv"))
    refused(lambda: stage.get_object("notebooks", "backups/2026-11-30/home-alice.tar.gz"))
    refused(lambda: stage.get_object("backups", "platform-db/base/0001/data.tar"))
    refused(lambda: stage.list_keys("backups", ""))
