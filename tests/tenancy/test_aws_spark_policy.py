"""The IAM documents the AWS plan generates for tenants' Spark jobs and for the sample-data Job, evaluated
by moto (server mode on loopback, IAM enforcement on: every request after the setup is authenticated and
authorized against the caller's IAM policies).

How a Spark session is modelled: EKS Pod Identity gives a driver or executor in namespace N (service
account `spark`) a session of the one `tenant-spark` role, tagged `kubernetes-namespace=N` by EKS; IAM then
reads `${aws:PrincipalTag/kubernetes-namespace}` in the role's policy as N. moto substitutes no policy
variables and has no session tags, so each namespace's session is an IAM user whose inline policy is the
plan's policy with the variable replaced by N, the substitution IAM makes for that session. The sample-data
Job's IRSA role has no variable: its user holds the plan's policy verbatim.

What moto does not model (so not proven here): policy variables and session tags themselves (compensated
by the substitution above, plus a document check that the only tenant-specific text of the policy is the
variable), policy Conditions on S3 requests (`s3:prefix` of the listing statements, `kms:ViaService`: moto
passes no request context to them, so a listing statement never allows and listings are not tried here),
the trust policies (`pods.eks.amazonaws.com` with request tags; IRSA's web identity; checked as documents
in tests/tenant-spark-identity.test.ts), KMS, bucket policies, SCPs and permission boundaries. On AWS the
database's backups are RDS snapshots, not S3 objects: the S3 backups are `backups/` of the notebooks bucket.
"""

from __future__ import annotations

import json

import pytest

from moto_iam import NS_VAR, client, denied, enforce, principal, setup

A, B = "tenant-stats-101", "tenant-data-science"


def resource(plan, type_, name):
    found = [r for r in plan["resources"] if r["type"] == type_ and r["name"] == name]
    assert len(found) == 1, f"the dev plan registers one {type_} {name}"
    return found[0]


def bucket_of(policy, sid):
    st = next(s for s in policy["Statement"] if s["Sid"] == sid)
    res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
    return res[0].split(":::")[1].split("/")[0]


@pytest.fixture(scope="module")
def docs(dev_plan):
    policy = lambda name: json.loads(resource(dev_plan, "aws:iam/rolePolicy:RolePolicy", name)["inputs"]["policy"])
    spark, stage = policy("tenant-spark"), policy("workload-sampleData")
    return {
        "spark": spark,
        "stage": stage,
        "buckets": {
            "spark": bucket_of(spark, "ListOwnTenantPrefix"),
            "datasets": bucket_of(spark, "ReadSharedDatasets"),
            "notebooks": bucket_of(policy("tenant-notebooks"), "ListOwnTenantPrefix"),
        },
    }


@pytest.fixture(scope="module")
def world(docs, moto_server):
    """The three buckets with each tenant's Spark output, home files and backups; the principals."""
    setup(moto_server)
    b = docs["buckets"]
    s3 = client(moto_server, "s3")
    for name in b.values():
        s3.create_bucket(Bucket=name)
    for ns in (A, B):
        s3.put_object(Bucket=b["spark"], Key=f"tenants/{ns}/event-logs/app-1", Body=b"x")
        s3.put_object(Bucket=b["notebooks"], Key=f"tenants/{ns}/data.csv", Body=b"x")
    for key in ("home/alice/notes.ipynb", "backups/alice/2026-11-30/notes.ipynb"):
        s3.put_object(Bucket=b["notebooks"], Key=key, Body=b"x")
    s3.put_object(Bucket=b["datasets"], Key="raw/flights.csv", Body=b"x")
    s3.put_object(Bucket=b["datasets"], Key="uploads/grades.csv", Body=b"x")
    # What IAM evaluates for a session of the tenant-spark role tagged kubernetes-namespace=<ns>.
    sessions = {ns: principal(moto_server, f"spark-{ns}", json.dumps(docs["spark"]).replace(NS_VAR, ns))
                for ns in (A, B)}
    stager = principal(moto_server, "sample-data", json.dumps(docs["stage"]))
    enforce(moto_server)
    return {"spark": sessions, "stage": stager, "buckets": b}


def refused_get_put_delete(s3, bucket, key):
    """The session may neither read, write nor delete `key`."""
    denied(lambda: s3.get_object(Bucket=bucket, Key=key))
    denied(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"planted"))
    denied(lambda: s3.delete_object(Bucket=bucket, Key=key))


def test_a_tenants_spark_job_writes_reads_and_deletes_under_its_own_prefix(world):
    me, spark = world["spark"][A], world["buckets"]["spark"]
    for key in (f"tenants/{A}/event-logs/app-2", f"tenants/{A}/checkpoints/streaming-flights/offsets/0"):
        me.put_object(Bucket=spark, Key=key, Body=b"mine")
        assert me.get_object(Bucket=spark, Key=key)["Body"].read() == b"mine"
        me.delete_object(Bucket=spark, Key=key)


@pytest.mark.parametrize("key", [f"tenants/{B}/event-logs/app-1", f"tenants/{B}/checkpoints/q/offsets/0",
                                 "tenants/event-logs-of-everyone", f"tenants/{A}-evil/x", "event-logs/app-1"])
def test_a_tenants_spark_job_is_refused_on_another_tenants_prefix_and_outside_its_own(world, key):
    me, spark = world["spark"][A], world["buckets"]["spark"]
    refused_get_put_delete(me, spark, key)


def test_the_other_tenants_spark_job_is_refused_on_the_first_ones_prefix(world):
    them, spark = world["spark"][B], world["buckets"]["spark"]
    denied(lambda: them.get_object(Bucket=spark, Key=f"tenants/{A}/event-logs/app-1"))
    denied(lambda: them.put_object(Bucket=spark, Key=f"tenants/{A}/event-logs/app-9", Body=b"planted"))


@pytest.mark.parametrize("key", ["backups/alice/2026-11-30/notes.ipynb", "home/alice/notes.ipynb",
                                 f"tenants/{A}/data.csv"])
def test_a_tenants_spark_job_reaches_no_backup_and_nothing_of_the_notebooks_bucket(world, key):
    me, notebooks = world["spark"][A], world["buckets"]["notebooks"]
    refused_get_put_delete(me, notebooks, key)


def test_a_tenants_spark_job_reads_the_datasets_but_cannot_change_them(world):
    me, datasets = world["spark"][A], world["buckets"]["datasets"]
    assert me.get_object(Bucket=datasets, Key="raw/flights.csv")["Body"].read() == b"x"
    denied(lambda: me.put_object(Bucket=datasets, Key="raw/flights.csv", Body=b"vandalised"))
    denied(lambda: me.delete_object(Bucket=datasets, Key="raw/flights.csv"))


def test_the_sample_data_job_writes_and_reads_raw_of_the_datasets(world):
    stage, datasets = world["stage"], world["buckets"]["datasets"]
    stage.put_object(Bucket=datasets, Key="raw/stocks.csv", Body=b"date,price")
    assert stage.get_object(Bucket=datasets, Key="raw/stocks.csv")["Body"].read() == b"date,price"
    # The size check of a second run (stage_sample_data.py: exists + getFileStatus) is a HEAD.
    assert stage.head_object(Bucket=datasets, Key="raw/flights.csv")["ContentLength"] == 1


@pytest.mark.parametrize("bucket,key", [
    ("datasets", "uploads/grades.csv"), ("datasets", "rawdata/x.csv"), ("datasets", "x.csv"),
    ("spark", f"tenants/{A}/event-logs/app-1"), ("notebooks", "backups/alice/2026-11-30/notes.ipynb"),
    ("notebooks", "home/alice/notes.ipynb"),
])
def test_the_sample_data_job_can_do_nothing_else(world, bucket, key):
    stage, name = world["stage"], world["buckets"][bucket]
    refused_get_put_delete(stage, name, key)


def test_the_only_tenant_specific_text_of_the_spark_policy_is_the_session_tag(docs):
    # The substitution above stands for IAM's; this is what makes it the only tenant-specific part.
    text = json.dumps(docs["spark"])
    for ns in (A, B):
        assert ns not in text and ns.removeprefix("tenant-") not in text
    own = [r for s in docs["spark"]["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list)
                                                          else [s["Resource"]]) if "/tenants/" in r]
    assert own == [f"arn:aws:s3:::{docs['buckets']['spark']}/tenants/{NS_VAR}/*"]
