"""Fixtures: a fresh PostgreSQL database per test session (from the PG* variables), a local Spark session,
and the real vega-datasets files from node_modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
DATA = REPO / "node_modules" / "vega-datasets" / "data"
sys.path.insert(0, str(NOTEBOOKS))
sys.path.insert(0, str(NOTEBOOKS / "spark"))

TEST_DB = os.environ.get("DATAVIS_TEST_DB", "datavis_pytest")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "flights-3m.parquet").exists():
        pytest.fail(f"vega-datasets is not installed at {DATA} (run npm ci)")
    return DATA


@pytest.fixture(scope="session")
def dsn() -> str:
    """A new, empty database for this session; its DSN (host, user, password from PG*)."""
    if not os.environ.get("PGHOST"):
        pytest.fail("set PGHOST, PGPORT, PGUSER, PGPASSWORD (and PGDATABASE for the admin connection)")
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{TEST_DB}"')
    return psycopg.conninfo.make_conninfo(dbname=TEST_DB)


@pytest.fixture
def conn(dsn):
    with psycopg.connect(dsn) as c:
        yield c


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("datavis-tests")
        .config("spark.sql.shuffle.partitions", 4)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


def flight_truth(data_dir: Path, start: str, hours: float):
    """Per-(minute, origin) aggregates of the recorded flights in [start, start + hours), with pandas."""
    import datetime as dt

    import pyarrow.parquet as pq

    t0 = dt.datetime.fromisoformat(start)
    t1 = t0 + dt.timedelta(hours=hours)
    df = pq.read_table(
        data_dir / "flights-3m.parquet", filters=[("date", ">=", t0), ("date", "<", t1)]
    ).to_pandas()
    df["minute"] = df["date"].dt.floor("min").dt.tz_localize("UTC")
    df["is_delayed"] = (df["delay"] >= 15).astype(int)
    g = df.groupby(["minute", "origin"]).agg(
        flights=("delay", "size"),
        delayed_flights=("is_delayed", "sum"),
        sum_delay=("delay", "sum"),
        max_delay=("delay", "max"),
        sum_distance=("distance", "sum"),
    )
    return g.reset_index().sort_values(["minute", "origin"]).reset_index(drop=True)


def read_frame(conn, query: str):
    import pandas as pd

    cur = conn.execute(query)
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
