"""The example SparkApplications of the edge plan, run as the cluster runs them, against a real S3 server.

SeaweedFS (the edge's own object store, built from its Go module) on loopback serves the identities document
the edge program registers (tests/lib/edge-s3-identities.ts); the plan's sample-data Job stages the data with
the sample-data keys (the datasets bucket's raw/ only), then each application runs with exactly the
sparkConf, arguments and env the plan gives it, holding its tenant's keys (the `spark-s3` Secret: the
tenant's prefix of the Spark bucket, the datasets read-only), as a student's job does. Hadoop S3A probes
ancestor paths (tenants/, tenants/<t>) in mkdirs, create and getFileStatus: these runs show they do not
stop a job whose keys reach only its prefix (spark_on_s3.py says what stands in for the image).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import spark_on_s3 as sos
from conftest import REPO, flight_truth, read_frame
from test_etl import expected_performance

sys.path.insert(0, str(REPO / "tools" / "checks" / "s3"))
from seaweedfs_harness import S3Error, s3_server  # noqa: E402

# Test-only identity: the harness's readiness check, creating the buckets (the chart's bucket hook does
# that on the edge) and reading what the jobs wrote. No job runs with it.
ADMIN = ("TESTSETUPADMIN000000", "test-setup-admin-secret-key-000000000000")
# A second class, to show the first class's keys stop at its own prefix.
OTHER_TENANT = "physics-101"
STREAM_START, STREAM_HOURS = "2001-01-02T06:00:00", 2.0
# The replay the test bounds the streaming example to: 2 recorded hours in 1-second micro-batches.
BOUNDED_REPLAY = ["--replay-start", STREAM_START, "--replay-hours", str(STREAM_HOURS), "--speed", "7200",
                  "--trigger-seconds", "1", "--event-time", "recorded", "--timeout-seconds", "600"]


OPERATOR_RETRY = Path(__file__).resolve().parent / "operator_retry"


@pytest.fixture(scope="module")
def should_retry_bin():
    """The Spark operator's own retry rule (operator_retry/main.go), built once into the cache."""
    if os.environ.get("DATAVIS_SHOULD_RETRY"):
        return os.environ["DATAVIS_SHOULD_RETRY"]
    cache = Path(os.environ.get("DATAVIS_CACHE", Path.home() / ".cache" / "datavis")) / "spark-operator-retry"
    version = next(line.split()[-1] for line in (OPERATOR_RETRY / "go.mod").read_text().splitlines()
                   if line.startswith("require github.com/kubeflow/spark-operator/v2 "))
    binary = cache / version / "should-retry"
    if not binary.exists():
        binary.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["go", "build", "-o", str(binary), "."], cwd=OPERATOR_RETRY, check=True, timeout=3600,
                       env={**os.environ, "GOFLAGS": "-buildvcs=false", "GOTOOLCHAIN": "local"})
    return str(binary)


def operator_decision(binary, spec, state: str, executions: int, submissions: int = 0) -> str:
    proc = subprocess.run([binary, "-state", state, "-execution-attempts", str(executions),
                           "-submission-attempts", str(submissions)],
                          input=json.dumps(spec), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def plan():
    found = sos.spark_resources(sos.load_plan())
    assert found["stage"], "the edge plan has no sample-data Job (spark-stage-sample-data-<tenant>)"
    assert len(found["apps"]) == 2, sorted(found["apps"])
    assert len(found["tenants"]) == 1, found["tenants"]  # the examples run in the first tenant only
    found["tenant"] = next(iter(found["tenants"]))
    return found


@pytest.fixture(scope="module")
def store(plan):
    """The edge program's identities and keys, for the plan's example tenant and a second class."""
    return sos.edge_object_store([plan["tenant"], OTHER_TENANT])


@pytest.fixture(scope="module")
def tenant_keys(plan, store):
    """What the example tenant's `spark-s3` Secret holds."""
    keys = store["spark"][f"tenant-{plan['tenant']}"]
    return keys["accessKey"], keys["secretKey"]


@pytest.fixture(scope="module")
def s3(store, tmp_path_factory):
    doc = json.loads(json.dumps(store["identities"]))
    doc["identities"].append({"name": "test-setup", "credentials": [{"accessKey": ADMIN[0], "secretKey": ADMIN[1]}],
                              "actions": ["Admin"]})
    with s3_server(doc, tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="module")
def admin(s3):
    return s3.client(*ADMIN)


@pytest.fixture(scope="module")
def buckets(plan, admin, store):
    """The buckets the plan's applications name, created as the edge object store's bucket hook does."""
    app = next(iter(plan["apps"].values()))
    datasets = next(e["value"] for e in app["driver"]["env"] if e["name"] == "DATASETS_BUCKET")
    spark = app["sparkConf"]["spark.eventLog.dir"].split("/")[2]
    assert {datasets, spark} <= set(store["buckets"]), store["buckets"]
    for b in store["buckets"]:
        admin.create_bucket(b)
    return {"datasets": datasets, "spark": spark}


@pytest.fixture(scope="module")
def local(s3, data_dir, tmp_path_factory):
    return sos.Localizer(s3.endpoint, sos.image_jars(), sos.sample_data(data_dir, tmp_path_factory.mktemp("sample")))


def pod_env(dsn, keys) -> dict:
    """A pod's env: its S3 keys (a Secret's), the spark-db Secret's PG* variables."""
    pg = psycopg.conninfo.conninfo_to_dict(dsn)
    return {**os.environ, "PYSPARK_PYTHON": sys.executable, "AWS_ACCESS_KEY_ID": keys[0],
            "AWS_SECRET_ACCESS_KEY": keys[1], "AWS_REGION": "us-east-1", "PGDATABASE": pg["dbname"]}


@pytest.fixture(scope="module")
def env(dsn, tenant_keys):
    """The example tenant's driver and executors: its spark-s3 keys, its spark-db Secret."""
    return pod_env(dsn, tenant_keys)


@pytest.fixture(scope="module")
def stage_env(dsn, store):
    """The sample-data Job's pod: its own keys (sample-data-s3: raw/ of the datasets bucket only)."""
    return pod_env(dsn, (store["sampleData"]["accessKey"], store["sampleData"]["secretKey"]))


def run(cmd, env, extra_env=None, timeout=1200):
    return subprocess.run(cmd, env={**env, **(extra_env or {})}, capture_output=True, text=True, timeout=timeout)


def driver_env(spec) -> dict:
    return {e["name"]: e["value"] for e in spec["driver"].get("env", [])}


@pytest.fixture(scope="module")
def staged(plan, buckets, local, stage_env, admin):
    proc = run(local.command(plan["stage"]), stage_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def app_named(plan, part):
    return next(spec for name, spec in plan["apps"].items() if part in name)


def test_the_sample_data_job_stages_the_files_the_examples_read(staged, admin, buckets, local):
    raw = admin.list_keys(buckets["datasets"], "raw/")
    expected = {f"raw/{p.name}": p.stat().st_size for p in local.sample_dir.iterdir()}
    assert {k: v for k, v in raw.items() if k in expected} == expected
    assert set(expected) == {"raw/flights-3m.parquet", "raw/sp500.csv", "raw/stocks.csv"}


def test_staging_again_copies_nothing(staged, plan, local, stage_env):
    again = run(local.command(plan["stage"]), stage_env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("sample data present:") == 3, again.stdout


def test_the_keys_the_jobs_hold_reach_only_their_tenant_prefix(s3, plan, buckets, tenant_keys):
    """Without this, the runs below would prove nothing about prefix-limited keys."""
    job = s3.client(*tenant_keys)
    own, other = f"tenants/{plan['tenant']}/", f"tenants/{OTHER_TENANT}/"
    job.put_object(buckets["spark"], own + "probe", b"x")
    assert own + "probe" in job.list_keys(buckets["spark"], own)
    job.delete_object(buckets["spark"], own + "probe")
    for call in (lambda: job.put_object(buckets["spark"], other + "probe", b"x"),
                 lambda: job.list_keys(buckets["spark"], other),
                 lambda: job.list_keys(buckets["spark"], "tenants/"),
                 lambda: job.request("HEAD", f"/{buckets['spark']}/tenants/{plan['tenant']}"),
                 lambda: job.put_object(buckets["datasets"], "raw/probe", b"x")):
        with pytest.raises(S3Error) as refused:
            call()
        assert refused.value.status == 403, refused.value


def test_a_job_cannot_put_its_event_logs_under_another_class_prefix(staged, plan, local, env):
    """A SparkApplication copied from another class unchanged names that class's prefix: its driver's
    event-log folder is refused (the copy must name its own class's prefix)."""
    spec = app_named(plan, "batch")
    own = spec["sparkConf"]["spark.eventLog.dir"]
    other = own.replace(f"/tenants/{plan['tenant']}/", f"/tenants/{OTHER_TENANT}/")
    cmd = [other if c == own else c for c in spec["driver"]["initContainers"][0]["command"]]
    assert other in cmd
    proc = run(local.command(cmd), env)
    assert proc.returncode != 0
    assert "AccessDenied" in proc.stdout + proc.stderr, (proc.stdout + proc.stderr)[-3000:]


def test_the_batch_example_reads_the_staged_data_and_logs_events_to_the_spark_bucket(
        staged, plan, local, env, admin, buckets, dsn, data_dir):
    spec = app_named(plan, "batch")
    with psycopg.connect(dsn) as c:
        c.execute("DROP TABLE IF EXISTS stock_monthly_performance")
    init = run(local.command(spec["driver"]["initContainers"][0]["command"]), env)
    assert init.returncode == 0, init.stderr[-3000:]
    before = set(admin.list_keys(buckets["spark"], "tenants/"))
    proc = run(local.application(spec), env, driver_env(spec))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with psycopg.connect(dsn) as c:
        actual = read_frame(c, "SELECT symbol, month, price FROM stock_monthly_performance ORDER BY symbol, month")
    expected = expected_performance(data_dir).sort_values(["symbol", "month"]).reset_index(drop=True)
    assert list(actual["symbol"]) == list(expected["symbol"])
    assert list(actual["price"]) == pytest.approx(list(expected["price"]))
    # The tenant's own prefix (s3a://<spark>/tenants/<tenant>/event-logs); object keys only (SeaweedFS lists
    # folders as keys ending in "/").
    folder = spec["sparkConf"]["spark.eventLog.dir"].split("/", 3)[3] + "/"
    assert folder == f"tenants/{plan['tenant']}/event-logs/", folder
    logs = {k for k in admin.list_keys(buckets["spark"], folder) if not k.endswith("/")} - before
    assert logs, f"no event log written under s3a://<spark>/{folder}"
    # Spark 4 rolls event logs by default: eventlog_v2_<app id>/events_<n>_<app id>.zstd (zstd by default).
    apps = [k for k in logs if re.fullmatch(re.escape(folder) + r"eventlog_v2_(local-\d+)/events_\d+_\1\.zstd", k)]
    assert len(apps) == 1, sorted(logs)
    assert admin.get_object(buckets["spark"], apps[0])[:4] == b"\x28\xb5\x2f\xfd"  # a zstd frame


def test_the_streaming_example_ends_by_itself_with_its_checkpoints_in_the_spark_bucket(
        staged, plan, local, env, admin, buckets, dsn, data_dir):
    spec = app_named(plan, "streaming")
    assert "--stop-at-end" in spec["arguments"]  # the plan's own arguments end the replay
    with psycopg.connect(dsn) as c:
        c.execute("DROP TABLE IF EXISTS flight_minute_origin_stats, flight_minute_stats,"
                  " flight_origin_hour_stats, stream_progress")
    proc = run(local.application(spec, BOUNDED_REPLAY), env, driver_env(spec))
    assert proc.returncode == 0, proc.stderr[-3000:]
    checkpoint = spec["sparkConf"]["spark.sql.streaming.checkpointLocation"]
    # A session-wide checkpointLocation holds one folder per query, named after it.
    prefix = checkpoint.split("/", 3)[3] + "/flights_per_minute/"
    keys = admin.list_keys(buckets["spark"], prefix)
    assert any(k.startswith(prefix + "offsets/") for k in keys), sorted(keys)[:20]
    assert any(k.startswith(prefix + "commits/") for k in keys), sorted(keys)[:20]
    with psycopg.connect(dsn) as c:
        got = read_frame(c, "SELECT minute, origin, flights FROM flight_minute_origin_stats ORDER BY minute, origin")
    truth = flight_truth(data_dir, STREAM_START, STREAM_HOURS)
    assert len(got) == len(truth) > 100
    assert list(got["flights"]) == list(truth["flights"])


def test_the_operator_resubmits_no_example_that_succeeded(plan, should_retry_bin):
    for name, spec in plan["apps"].items():
        assert operator_decision(should_retry_bin, spec, "SUCCEEDING", 1) == "stop", name


def test_a_failing_streaming_example_stops_after_its_bounded_retries(
        plan, local, env, admin, should_retry_bin):
    """The real job fails (its input bucket was never staged, nor is it the tenant's to read), and the
    operator's rule decides each retry."""
    spec = app_named(plan, "streaming")
    admin.create_bucket("datasets-never-staged")
    failing_env = {**driver_env(spec), "DATASETS_BUCKET": "datasets-never-staged"}
    runs, errors = 0, []
    while True:
        runs += 1
        assert runs <= 6, "the operator would run the failing application more than 6 times"
        proc = run(local.application(spec, BOUNDED_REPLAY), env, failing_env)
        assert proc.returncode != 0, "the job ran without its input"
        errors.append(proc.stdout + proc.stderr)
        if operator_decision(should_retry_bin, spec, "FAILING", runs) == "stop":
            break
    assert runs == 1 + spec["restartPolicy"]["onFailureRetries"]
    assert all("datasets-never-staged/raw/flights-3m.parquet" in e for e in errors), errors[-1][-2000:]


def test_failed_submissions_of_either_example_are_retried_a_bounded_number_of_times(plan, should_retry_bin):
    for name, spec in plan["apps"].items():
        attempts = 1
        while operator_decision(should_retry_bin, spec, "SUBMISSION_FAILED", 0, submissions=attempts) == "retry":
            attempts += 1
            assert attempts <= 10, f"{name}: submissions retried more than 10 times"
        assert attempts == 1 + spec["restartPolicy"]["onSubmissionFailureRetries"], name
