"""Helpers of the edge object-store tests: the S3 identities and buckets the edge program registers for two
tenants (tests/lib/edge-s3-identities.ts), and a real SeaweedFS (built from its Go module, tools/checks/s3/)
serving them plus a test-only `Admin` identity that lays out the objects."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "checks" / "s3"))
from seaweedfs_harness import S3Error, SeaweedS3, weed_binary  # noqa: E402, F401 (S3Error: for the tests)

A, B = "physics-101", "stats-101"
SETUP = {"accessKey": "TESTSETUPADMIN000000", "secretKey": "test-setup-admin-secret-key-000000000000"}
VERSIONING_ON = (
    b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Status>Enabled</Status></VersioningConfiguration>"
)


def edge_identities():
    """The edge program's S3 identities, buckets and the keys each namespace holds, for tenants A and B."""
    out = subprocess.run(
        ["node", "-r", "./tools/register.js", "tests/lib/edge-s3-identities.ts", A, B],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


@contextmanager
def seaweedfs(plan, folder, versioned_notebooks=False):
    """A SeaweedFS serving the plan's identities and the setup identity, with the plan's buckets created
    (the notebooks bucket versioned as the chart makes it, when asked); yields the server and the setup
    identity's client."""
    doc = json.loads(json.dumps(plan["identities"]))
    doc["identities"].append({"name": "test-setup", "credentials": [SETUP], "actions": ["Admin"]})
    with SeaweedS3(weed_binary(), doc, folder) as server:
        admin = server.client(SETUP["accessKey"], SETUP["secretKey"])
        for bucket in plan["buckets"]:
            admin.create_bucket(bucket)
        if versioned_notebooks:
            admin.request("PUT", "/notebooks", {"versioning": ""}, body=VERSIONING_ON)
        yield server, admin
