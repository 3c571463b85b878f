"""spark-job.ipynb's helpers (datavis_data.spark_jobs) over the SparkApplication the platform registers in
a tenant namespace (the dev plan's example-batch-etl), and the notebook's shape."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from datavis_data import spark_jobs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template():
    """The example SparkApplication of tenant-data-science in the dev plan, as the API would return it."""
    out = subprocess.run(["npm", "run", "-s", "plan", "--", "--stack", "dev", "--json"], cwd=REPO,
                         capture_output=True, text=True)
    plan = json.loads(out.stdout)
    for r in plan["resources"]:
        i = r["inputs"]
        if i.get("kind") == "SparkApplication" and i["metadata"]["namespace"] == "tenant-data-science" \
                and i["metadata"]["name"] == "example-batch-etl":
            return i
    pytest.fail("the dev plan registers no example-batch-etl in tenant-data-science")


def test_a_job_is_a_copy_of_the_example_in_the_same_tenant_run_once(template):
    app = spark_jobs.application_from_template(template, "student-a-batch-123456", ["--input", "s3a://datasets/raw"],
                                               owner="student-a@example.org")
    assert app["metadata"]["namespace"] == "tenant-data-science"
    assert app["spec"]["driver"]["serviceAccount"] == "spark"
    assert app["spec"]["image"] == template["spec"]["image"]
    assert app["spec"]["arguments"] == ["--input", "s3a://datasets/raw"]
    assert app["spec"]["restartPolicy"] == {"type": "Never"}
    assert app["metadata"]["labels"]["datavis.io/owner"] == "student-a-example.org"
    assert template["spec"]["restartPolicy"]["type"] != "Never", "the template itself is left as it was"


def test_a_copy_of_another_class_example_writes_under_its_own_class_prefix(template):
    """The examples exist in the first class only; an instructor copies one unchanged into another class, whose
    keys or role reach only its own prefix (the data suite shows another class's prefix is refused)."""
    copied = json.loads(json.dumps(template).replace('"tenant-data-science"', '"tenant-physics-101"'))
    copied["metadata"]["namespace"] = "tenant-physics-101"
    before = json.dumps(copied)
    assert "/tenants/tenant-data-science/" in before  # the first class's prefix (AWS form: the namespace)
    app = spark_jobs.application_from_template(copied, "student-b-batch-123456")
    conf = app["spec"]["sparkConf"]
    assert conf["spark.eventLog.dir"] == "s3a://" + conf["spark.eventLog.dir"].split("/")[2] + \
        "/tenants/tenant-physics-101/event-logs"
    init = app["spec"]["driver"]["initContainers"][0]["command"]
    assert conf["spark.eventLog.dir"] in init
    assert "tenant-data-science" not in json.dumps(app["spec"])
    assert app["spec"]["arguments"] == copied["spec"]["arguments"]  # the datasets bucket is shared: unchanged
    assert json.dumps(copied) == before, "the template itself is left as it was"


def test_on_the_edge_a_class_prefix_is_its_name():
    spec = {"sparkConf": {"spark.eventLog.dir": "s3a://spark/tenants/lab/event-logs",
                          "spark.sql.streaming.checkpointLocation": "s3a://spark/tenants/lab/checkpoints/q",
                          "spark.hadoop.fs.s3a.endpoint": "http://seaweedfs:8333"},
            "arguments": ["--input", "s3a://datasets/raw"]}
    moved = spark_jobs.own_prefixes(spec, "tenant-physics-101")
    assert moved["sparkConf"]["spark.eventLog.dir"] == "s3a://spark/tenants/physics-101/event-logs"
    assert moved["sparkConf"]["spark.sql.streaming.checkpointLocation"] == \
        "s3a://spark/tenants/physics-101/checkpoints/q"
    assert moved["arguments"] == spec["arguments"]
    assert spark_jobs.own_prefixes(spec, "tenant-lab") == spec  # the first class's own copy is unchanged


@pytest.mark.parametrize("user", ["student-a", "Alice.Smith@Example.org", "x" * 80])
def test_job_names_are_dns_labels_short_enough_for_the_driver_pod(user):
    name = spark_jobs.job_name(user, "batch", stamp=1764480000)
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", name)
    assert len(name) <= 50


def test_the_notebook_has_parameters_and_submits_with_the_kubernetes_client():
    nb = json.loads((REPO / "notebooks" / "spark-job.ipynb").read_text())
    assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
    src = "".join("".join(c["source"]) for c in nb["cells"])
    assert "load_incluster_config" in src and "spark_jobs.submit" in src
