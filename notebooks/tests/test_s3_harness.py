"""The loopback SeaweedFS harness (tools/checks/s3/seaweedfs_harness.py) enforces the identities it is given.

Other suites build on it (per-tenant identities refused on other tenants' prefixes), so its own behaviour is
checked here: a prefix-scoped identity (SeaweedFS `-s3.config` actions with wildcards) reads and writes its
prefix and is refused elsewhere, with S3's own AccessDenied.
"""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "tools" / "checks" / "s3"))
from seaweedfs_harness import S3Error, SeaweedS3, weed_binary  # noqa: E402

IDENTITIES = {
    "identities": [
        {"name": "admin", "credentials": [{"accessKey": "harness-admin", "secretKey": "harness-admin-secret"}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "tenant-a", "credentials": [{"accessKey": "tenant-a", "secretKey": "tenant-a-secret"}],
         "actions": ["Read:datasets/tenants/a/*", "Write:datasets/tenants/a/*"]},
    ]
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with SeaweedS3(weed_binary(), IDENTITIES, tmp_path_factory.mktemp("harness")) as s3:
        s3.client("harness-admin", "harness-admin-secret").create_bucket("datasets")
        yield s3


def test_the_server_listens_on_loopback_only(server):
    assert server.endpoint.startswith("http://127.0.0.1:")


def test_a_tenant_identity_reads_and_writes_its_own_prefix(server):
    tenant = server.client("tenant-a", "tenant-a-secret")
    tenant.put_object("datasets", "tenants/a/hello.txt", b"hello")
    assert tenant.get_object("datasets", "tenants/a/hello.txt") == b"hello"


def test_a_tenant_identity_is_refused_on_another_prefix(server):
    tenant = server.client("tenant-a", "tenant-a-secret")
    server.client("harness-admin", "harness-admin-secret").put_object("datasets", "tenants/b/x.txt", b"b")
    with pytest.raises(S3Error) as write:
        tenant.put_object("datasets", "tenants/b/intruder.txt", b"no")
    with pytest.raises(S3Error) as read:
        tenant.get_object("datasets", "tenants/b/x.txt")
    assert (write.value.status, write.value.code) == (403, "AccessDenied")
    assert (read.value.status, read.value.code) == (403, "AccessDenied")


def test_a_wrong_secret_is_refused(server):
    with pytest.raises(S3Error) as e:
        server.client("tenant-a", "not-the-secret").get_object("datasets", "tenants/a/hello.txt")
    assert e.value.status == 403
