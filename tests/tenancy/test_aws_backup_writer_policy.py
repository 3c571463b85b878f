"""The IAM documents the AWS plan generates for tenants' home-backup copier Jobs (role tenant-backup-writer,
EKS Pod Identity for each tenant namespace's `notebook-backup` account), evaluated by moto (server mode on
loopback, IAM enforcement on: every request after the setup is authenticated and authorized against the
caller's IAM policies).

How a session is modelled: an IAM user per tenant namespace, holding the plan's policy with the policy
variable replaced by the namespace (moto_iam.py says why).

What moto does not model (so not proven here): the `kms:ViaService` condition and KMS itself, the trust
policy and session tags of `pods.eks.amazonaws.com` (checked below as a document), bucket policies, SCPs.
The platform's own backup role (IRSA, hub namespace; reads, lists, prunes and presigns) is an IAM user
with `s3:*` on the bucket here: it stands for the controller, not the thing under test.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from moto_iam import NS_VAR as VAR
from moto_iam import client, denied, enforce, principal, setup

A, B = "tenant-stats-101", "tenant-data-science"


@pytest.fixture(scope="module")
def plan_docs(dev_plan):
    docs = {"associations": []}
    for r in dev_plan["resources"]:
        if r["name"] == "tenant-backup-writer" and r["type"] == "aws:iam/rolePolicy:RolePolicy":
            docs["policy"] = json.loads(r["inputs"]["policy"])
        if r["name"] == "tenant-backup-writer" and r["type"] == "aws:iam/role:Role":
            docs["trust"] = json.loads(r["inputs"]["assumeRolePolicy"])
        if r["type"] == "aws:eks/podIdentityAssociation:PodIdentityAssociation" and r["name"].startswith("tenant-backup-writer-"):
            docs["associations"].append(r["inputs"])
    assert {"policy", "trust"} <= set(docs), "the dev plan registers the tenants' backup writer role and policy"
    return docs


def notebooks_bucket(policy):
    st = next(s for s in policy["Statement"] if s["Sid"] == "UploadOwnTenantsHomeBackups")
    return st["Resource"].split(":::")[1].split("/")[0]


def day(ns, user):
    return f"backups/tenants/{ns}/{user}/2026-11-30/"


@pytest.fixture(scope="module")
def sessions(plan_docs, moto_server):
    """One IAM user per tenant namespace holding the plan's policy as IAM resolves it for that session, and
    one for the platform's backup controller."""
    setup(moto_server)
    policy = plan_docs["policy"]
    bucket = notebooks_bucket(policy)
    s3 = client(moto_server, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for key in [day(A, "alice") + "thesis.ipynb", day(A, "carol") + "notes.ipynb", day(B, "bob") + "b.ipynb",
                "backups/root-admin/2026-11-30/admin.ipynb", f"tenants/{A}/data.csv", "home/alice/notes.ipynb"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"the copier's copy")
    writer = principal(moto_server, f"session-{A}", json.dumps(policy).replace(VAR, A))
    principal(moto_server, f"session-{B}", json.dumps(policy).replace(VAR, B))
    platform = principal(moto_server, "platform-backup", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    enforce(moto_server)
    return writer, platform, bucket


def test_a_tenants_copier_session_uploads_under_its_namespaces_backup_prefix(sessions):
    writer, platform, bucket = sessions
    writer.put_object(Bucket=bucket, Key=day(A, "alice") + "new.csv", Body=b"a,b")
    assert platform.get_object(Bucket=bucket, Key=day(A, "alice") + "new.csv")["Body"].read() == b"a,b"


def test_a_tenants_copier_session_can_make_a_multipart_upload(sessions):
    writer, platform, bucket = sessions
    key = day(A, "alice") + "big.parquet"
    up = writer.create_multipart_upload(Bucket=bucket, Key=key)
    part = writer.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=1, Body=b"x" * 1024)
    writer.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert platform.head_object(Bucket=bucket, Key=key)["ContentLength"] == 1024


def test_a_tenants_copier_session_reads_and_lists_no_backup_not_even_its_own_tenants(sessions):
    writer, _, bucket = sessions
    for key in [day(A, "alice") + "thesis.ipynb", day(A, "carol") + "notes.ipynb", day(B, "bob") + "b.ipynb"]:
        denied(lambda: writer.get_object(Bucket=bucket, Key=key))
    for prefix in [day(A, "carol"), f"backups/tenants/{A}/", "backups/"]:
        denied(lambda: writer.list_objects_v2(Bucket=bucket, Prefix=prefix))
        denied(lambda: writer.list_object_versions(Bucket=bucket, Prefix=prefix))


@pytest.mark.parametrize("key", [day(B, "bob") + "planted.ipynb", "backups/root-admin/2026-11-30/planted.ipynb",
                                 "backups/restores/planted.json", f"tenants/{A}/planted.csv", "home/alice/planted.ipynb"])
def test_a_tenants_copier_session_writes_nowhere_else(sessions, key):
    writer, _, bucket = sessions
    denied(lambda: writer.put_object(Bucket=bucket, Key=key, Body=b"planted"))


def test_a_tenants_copier_session_cannot_delete_a_backup_or_a_version(sessions):
    writer, platform, bucket = sessions
    key = day(A, "carol") + "notes.ipynb"
    denied(lambda: writer.delete_object(Bucket=bucket, Key=key))
    for v in platform.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]:
        denied(lambda: writer.delete_object(Bucket=bucket, Key=key, VersionId=v["VersionId"]))
    # DeleteObjects answers 200 with a per-key error when a key is refused (or refuses the whole request).
    try:
        errors = writer.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}]}).get("Errors", [])
        assert [e["Code"] for e in errors] == ["AccessDenied"], errors
    except ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDenied"
    assert platform.get_object(Bucket=bucket, Key=key)["Body"].read() == b"the copier's copy"


def test_an_overwrite_by_a_student_with_the_copiers_session_keeps_the_copiers_version(sessions):
    writer, platform, bucket = sessions
    key = day(A, "carol") + "notes.ipynb"
    writer.put_object(Bucket=bucket, Key=key, Body=b"tampered")
    found = platform.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    bodies = {platform.get_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])["Body"].read() for v in found}
    assert bodies == {b"the copier's copy", b"tampered"}


def test_only_pod_identity_sessions_of_a_tenants_backup_account_may_assume_the_role(plan_docs):
    (st,) = plan_docs["trust"]["Statement"]
    assert st["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert st["Condition"]["StringLike"]["aws:RequestTag/kubernetes-namespace"] == "tenant-*"
    assert st["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == "notebook-backup"
    assert plan_docs["associations"], "each tenant namespace's backup account is associated with the role"
    assert all(a["serviceAccount"] == "notebook-backup" and a["namespace"].startswith("tenant-")
               for a in plan_docs["associations"])


def test_the_policy_grants_uploads_and_nothing_that_reads_lists_or_deletes(plan_docs):
    actions = {a for s in plan_docs["policy"]["Statement"] if s["Sid"] == "UploadOwnTenantsHomeBackups" for a in s["Action"]}
    assert actions == {"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
