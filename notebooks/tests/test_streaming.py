"""The streaming job: replayed real flights -> per-minute aggregates upserted into PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pandas as pd
import psycopg
import pytest
import streaming_flights
from conftest import NOTEBOOKS, flight_truth, read_frame

# 7200 recorded seconds per 1-second micro-batch: every run below covers whole batches of 2 hours.
START, HOURS = "2001-01-02T06:00:00", 4.0
TABLES = "flight_minute_origin_stats, flight_minute_stats, flight_origin_hour_stats, stream_progress"


def reset(dsn):
    with psycopg.connect(dsn) as c:
        c.execute(f"DROP TABLE IF EXISTS {TABLES}")


def replay_args(dsn, data_dir, checkpoint, *extra, hours=HOURS):
    return [
        "--flights", str(data_dir / "flights-3m.parquet"), "--replay-start", START,
        "--replay-hours", str(hours), "--speed", "7200", "--trigger-seconds", "1",
        "--event-time", "recorded", "--checkpoint", str(checkpoint), "--stop-at-end",
        "--timeout-seconds", "300", "--dsn", dsn, *extra,
    ]


def minute_origin(conn):
    frame = read_frame(
        conn,
        "SELECT minute, origin, flights, delayed_flights, sum_delay, max_delay, sum_distance"
        " FROM flight_minute_origin_stats ORDER BY minute, origin",
    )
    frame["minute"] = pd.to_datetime(frame["minute"], utc=True)
    return frame


def assert_equals_truth(frame, truth):
    pd.testing.assert_frame_equal(
        frame.astype({c: "int64" for c in frame.columns[2:]}).reset_index(drop=True),
        truth.astype({c: "int64" for c in truth.columns[2:]}).reset_index(drop=True),
        check_dtype=False,
    )


@pytest.fixture(scope="module")
def replayed(dsn, data_dir, tmp_path_factory):
    """The job file run as the SparkApplication runs it: a script, local mode, a local checkpoint."""
    reset(dsn)
    checkpoint = tmp_path_factory.mktemp("checkpoint")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    proc = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "spark" / "streaming_flights.py"), *replay_args(dsn, data_dir, checkpoint)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with psycopg.connect(dsn) as c:
        return {
            "minute_origin": minute_origin(c),
            "minute": read_frame(c, "SELECT * FROM flight_minute_stats ORDER BY minute"),
            "hour": read_frame(c, "SELECT * FROM flight_origin_hour_stats ORDER BY hour, origin"),
            "progress": read_frame(c, "SELECT * FROM stream_progress"),
            "checkpoint": checkpoint,
        }


def test_per_minute_aggregates_equal_the_recorded_flights(replayed, data_dir):
    truth = flight_truth(data_dir, START, HOURS)
    assert len(truth) > 1000
    assert_equals_truth(replayed["minute_origin"], truth)


def test_minute_rollup_sums_the_airports(replayed, data_dir):
    truth = flight_truth(data_dir, START, HOURS)
    per_minute = truth.groupby("minute")["flights"].sum()
    minute = replayed["minute"]
    assert list(minute["flights"]) == list(per_minute)
    assert list(minute["airports"]) == list(truth.groupby("minute").size())


def test_hourly_rollup_per_airport(replayed, data_dir):
    truth = flight_truth(data_dir, START, HOURS)
    truth["hour"] = truth["minute"].dt.floor("h")
    expected = truth.groupby(["hour", "origin"])["sum_delay"].sum().reset_index()
    hour = replayed["hour"]
    assert len(hour) == len(expected)
    assert list(hour["sum_delay"]) == list(expected["sum_delay"])


def test_progress_records_the_last_batch(replayed):
    progress = replayed["progress"]
    assert list(progress["query_name"]) == ["flights_per_minute"]
    assert progress["max_event_time"][0] == dt.datetime(2001, 1, 2, 10, 0, tzinfo=dt.timezone.utc)


def test_resuming_from_the_checkpoint_continues_the_replay(replayed, dsn, data_dir, spark):
    """A restart with the same checkpoint carries on where it stopped; nothing is counted twice."""
    args = streaming_flights.parse_args(replay_args(dsn, data_dir, replayed["checkpoint"], hours=HOURS + 2))
    streaming_flights.run(spark, args)
    with psycopg.connect(dsn) as c:
        assert_equals_truth(minute_origin(c), flight_truth(data_dir, START, HOURS + 2))


def test_replay_end_rounds_up_to_whole_micro_batches(dsn, data_dir):
    args = streaming_flights.parse_args(replay_args(dsn, data_dir, "/unused", hours=3))
    start, end = streaming_flights.replay_window(args)
    assert (end - start) == dt.timedelta(hours=4)
    assert streaming_flights.replay_ticks_needed(args) == 4 * 3600


def test_replaying_the_same_hours_again_does_not_double_counts(dsn, data_dir, spark, tmp_path):
    """Upserts, not appends: a fresh checkpoint over data already written gives the same rows."""
    args = streaming_flights.parse_args(replay_args(dsn, data_dir, tmp_path / "fresh", hours=2))
    streaming_flights.run(spark, args)
    with psycopg.connect(dsn) as c:
        assert_equals_truth(minute_origin(c), flight_truth(data_dir, START, HOURS + 2))


def test_wallclock_mode_stamps_events_with_the_replay_time(dsn, data_dir, spark, tmp_path):
    reset(dsn)
    before = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    args = streaming_flights.parse_args(
        replay_args(dsn, data_dir, tmp_path / "wall", hours=2) + ["--event-time", "wallclock"]
    )
    streaming_flights.run(spark, args)
    with psycopg.connect(dsn) as c:
        total, first = c.execute("SELECT sum(flights), min(minute) FROM flight_minute_stats").fetchone()
    assert total == flight_truth(data_dir, START, 2)["flights"].sum()
    assert first >= before
