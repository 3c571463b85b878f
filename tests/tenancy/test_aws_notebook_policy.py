"""The IAM documents the AWS plan generates for tenants' notebooks, evaluated by moto (server mode on
loopback, IAM enforcement on: every request after the setup is authenticated and authorized against the
caller's IAM policies).

How a session is modelled: an IAM user per tenant namespace, holding the plan's policy with the policy
variable replaced by the namespace (moto_iam.py says why).

What moto does not model (so not proven here): policy Conditions on S3 requests (`s3:prefix` of the listing
statement, `kms:ViaService`: moto passes no request context to them, so the listing statement never allows),
the trust policy and session tags of `pods.eks.amazonaws.com` (checked below as documents only), KMS, bucket
policies, SCPs and permission boundaries.
"""

from __future__ import annotations

import json

import pytest

from moto_iam import NS_VAR as VAR
from moto_iam import client, denied, enforce, principal, setup

NAMESPACES = ["tenant-stats-101", "tenant-data-science"]


@pytest.fixture(scope="module")
def plan_docs(dev_plan):
    docs = {}
    for r in dev_plan["resources"]:
        if r["name"] == "tenant-notebooks" and r["type"] == "aws:iam/rolePolicy:RolePolicy":
            docs["policy"] = json.loads(r["inputs"]["policy"])
        if r["name"] == "tenant-notebooks" and r["type"] == "aws:iam/role:Role":
            docs["trust"] = json.loads(r["inputs"]["assumeRolePolicy"])
    assert set(docs) == {"policy", "trust"}, "the dev plan registers the tenants' notebook role and policy"
    return docs


def buckets(policy):
    arns = [s["Resource"] for s in policy["Statement"] if s["Sid"] == "ListOwnTenantPrefix"]
    notebooks = arns[0].split(":::")[1]
    datasets = next(s for s in policy["Statement"] if s["Sid"] == "ReadSharedDatasets")["Resource"][0].split(":::")[1]
    return notebooks, datasets


@pytest.fixture(scope="module")
def sessions(plan_docs, moto_server):
    """One IAM user per tenant namespace holding the plan's policy as IAM resolves it for that session."""
    setup(moto_server)
    policy = plan_docs["policy"]
    notebooks, datasets = buckets(policy)
    s3 = client(moto_server, "s3")
    for b in (notebooks, datasets):
        s3.create_bucket(Bucket=b)
    for key in [f"tenants/{ns}/data.csv" for ns in NAMESPACES] + ["home/alice/notes.ipynb", "backups/2026-11-30/alice.tar.gz"]:
        s3.put_object(Bucket=notebooks, Key=key, Body=b"x")
    s3.put_object(Bucket=datasets, Key="raw/flights.csv", Body=b"x")
    keys = {ns: principal(moto_server, f"session-{ns}", json.dumps(policy).replace(VAR, ns)) for ns in NAMESPACES}
    enforce(moto_server)
    return keys, notebooks, datasets


def test_a_tenant_session_reads_and_writes_its_own_prefix(sessions):
    keys, notebooks, _ = sessions
    me = keys["tenant-stats-101"]
    me.put_object(Bucket=notebooks, Key="tenants/tenant-stats-101/out.parquet", Body=b"mine")
    assert me.get_object(Bucket=notebooks, Key="tenants/tenant-stats-101/out.parquet")["Body"].read() == b"mine"
    me.delete_object(Bucket=notebooks, Key="tenants/tenant-stats-101/out.parquet")


@pytest.mark.parametrize("key", ["tenants/tenant-data-science/data.csv", "home/alice/notes.ipynb",
                                 "backups/2026-11-30/alice.tar.gz"])
def test_a_tenant_session_is_refused_elsewhere_in_the_notebooks_bucket(sessions, key):
    keys, notebooks, _ = sessions
    me = keys["tenant-stats-101"]
    denied(lambda: me.get_object(Bucket=notebooks, Key=key))
    denied(lambda: me.put_object(Bucket=notebooks, Key=key, Body=b"planted"))
    denied(lambda: me.delete_object(Bucket=notebooks, Key=key))


def test_a_tenant_session_reads_the_datasets_but_cannot_change_them(sessions):
    keys, _, datasets = sessions
    me = keys["tenant-data-science"]
    assert me.get_object(Bucket=datasets, Key="raw/flights.csv")["Body"].read() == b"x"
    denied(lambda: me.put_object(Bucket=datasets, Key="raw/flights.csv", Body=b"vandalised"))
    denied(lambda: me.delete_object(Bucket=datasets, Key="raw/flights.csv"))


def test_only_eks_pod_identity_sessions_of_a_tenant_notebook_account_may_assume_the_role(plan_docs):
    # A document check (moto does not evaluate service principals' trust with session tags).
    (st,) = plan_docs["trust"]["Statement"]
    assert st["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(st["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert st["Condition"]["StringLike"]["aws:RequestTag/kubernetes-namespace"] == "tenant-*"
    assert st["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == "notebook"


def test_the_policy_names_no_bucket_beyond_the_notebooks_tenant_prefix_and_the_datasets(plan_docs):
    notebooks, datasets = buckets(plan_docs["policy"])
    for st in plan_docs["policy"]["Statement"]:
        res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        for r in res:
            if r.startswith("arn:aws:s3:::"):
                assert r in (f"arn:aws:s3:::{notebooks}", f"arn:aws:s3:::{notebooks}/tenants/{VAR}/*",
                             f"arn:aws:s3:::{datasets}", f"arn:aws:s3:::{datasets}/*"), r
