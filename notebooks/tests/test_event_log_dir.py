"""The init container of the example SparkApplications (components/platform/services/ensure_event_log_dir.py):
Spark refuses to start when spark.eventLog.dir is missing, so the driver pod creates it first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SCRIPT = REPO / "components" / "platform" / "services" / "ensure_event_log_dir.py"


def submit(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    return subprocess.run(
        [str(Path(sys.executable).parent / "spark-submit"), "--master", "local[1]", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )


def test_a_job_with_event_logs_fails_without_the_directory_and_runs_once_the_init_script_made_it(tmp_path):
    log_dir = tmp_path / "tenants" / "physics" / "event-logs"
    job = tmp_path / "job.py"
    job.write_text("from pyspark.sql import SparkSession\nSparkSession.builder.getOrCreate().range(3).count()\n")
    conf = ["--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir=file://{log_dir}"]

    assert submit(*conf, str(job)).returncode != 0  # what the example drivers would hit without it

    made = submit("--conf", "spark.eventLog.enabled=false", str(SCRIPT), f"file://{log_dir}")
    assert made.returncode == 0, made.stderr[-2000:]
    assert log_dir.is_dir()
    again = submit("--conf", "spark.eventLog.enabled=false", str(SCRIPT), f"file://{log_dir}")
    assert again.returncode == 0, again.stderr[-2000:]  # idempotent

    ran = submit(*conf, str(job))
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert any(log_dir.iterdir()), "the job wrote its event log"
