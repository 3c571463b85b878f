"""The JDBC path of spark/pg_sink.py: what the plain apache/spark image uses (no psycopg there).

The PostgreSQL driver comes the way the project's Spark image provides it: the jars of images/spark/jars.txt
(fetched once into a cache, checksum-verified) on the driver's class path, nothing resolved at job start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import spark_on_s3
from conftest import NOTEBOOKS, flight_truth, read_frame

@pytest.fixture(scope="module")
def classpath():
    """The jars of the project's Spark image, as a class path."""
    return ":".join(str(j) for j in spark_on_s3.image_jars())


def spark_submit(dsn, classpath, job, *args, timeout=900):
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PGDATABASE": psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]}
    return subprocess.run(
        [str(Path(sys.executable).parent / "spark-submit"), "--master", "local[2]",
         "--conf", f"spark.driver.extraClassPath={classpath}", str(NOTEBOOKS / "spark" / job), "--writer", "jdbc", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_streaming_job_writes_the_same_aggregates_over_jdbc(dsn, data_dir, tmp_path, classpath):
    with psycopg.connect(dsn) as c:
        c.execute("DROP TABLE IF EXISTS flight_minute_origin_stats, flight_minute_stats, flight_origin_hour_stats, stream_progress")
    start = "2001-05-14T15:00:00"
    proc = spark_submit(
        dsn, classpath, "streaming_flights.py",
        "--flights", str(data_dir / "flights-3m.parquet"), "--replay-start", start, "--replay-hours", "2",
        "--speed", "7200", "--trigger-seconds", "1", "--event-time", "recorded",
        "--checkpoint", str(tmp_path / "checkpoint"), "--stop-at-end", "--timeout-seconds", "300",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    truth = flight_truth(data_dir, start, 2)
    with psycopg.connect(dsn) as c:
        frame = read_frame(c, "SELECT origin, flights, sum_delay, max_delay FROM flight_minute_origin_stats ORDER BY minute, origin")
    assert len(frame) == len(truth)
    assert list(frame["origin"]) == list(truth["origin"])
    assert list(frame["flights"]) == list(truth["flights"])
    assert list(frame["sum_delay"]) == list(truth["sum_delay"])
    assert list(frame["max_delay"]) == list(truth["max_delay"])


def test_batch_job_writes_the_same_table_over_jdbc(conn, dsn, data_dir, classpath):
    from datavis_data import etl, upload

    upload.upload(conn, str(data_dir / "stocks.csv"), "stocks", uploaded_by="pytest")
    upload.upload(conn, str(data_dir / "sp500.csv"), "sp500", uploaded_by="pytest")
    etl.build_stock_performance(conn, output_table="jdbc_perf_reference")
    proc = spark_submit(dsn, classpath, "batch_etl.py", "--input", str(data_dir), "--table", "jdbc_perf")
    assert proc.returncode == 0, proc.stderr[-3000:]
    diff = conn.execute(
        "SELECT count(*) FROM ((SELECT * FROM jdbc_perf EXCEPT SELECT * FROM jdbc_perf_reference)"
        " UNION ALL (SELECT * FROM jdbc_perf_reference EXCEPT SELECT * FROM jdbc_perf)) d"
    ).fetchone()[0]
    assert diff == 0
    assert conn.execute("SELECT count(*) FROM jdbc_perf").fetchone()[0] == 560
