"""Batch ETL (SQL in PostgreSQL, and the Spark job batch_etl.py): returns match an independent pandas computation."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import NOTEBOOKS, read_frame
from datavis_data import etl, upload


def expected_performance(data_dir) -> pd.DataFrame:
    stocks = pd.read_csv(data_dir / "stocks.csv")
    index = pd.read_csv(data_dir / "sp500.csv")
    for f in (stocks, index):
        f["month"] = pd.to_datetime(f["date"], format="%b %d %Y").dt.date
    index = index.sort_values("month")
    index["index_return"] = index["price"] / index["price"].shift() - 1
    stocks = stocks.sort_values(["symbol", "month"])
    stocks["monthly_return"] = stocks["price"] / stocks.groupby("symbol")["price"].shift() - 1
    out = stocks.merge(index[["month", "index_return"]], on="month", how="left")
    out["excess_return"] = out["monthly_return"] - out["index_return"]
    return out[["symbol", "month", "price", "monthly_return", "index_return", "excess_return"]]


@pytest.fixture
def raw_tables(conn, data_dir):
    upload.upload(conn, str(data_dir / "stocks.csv"), "stocks", uploaded_by="pytest")
    upload.upload(conn, str(data_dir / "sp500.csv"), "sp500", uploaded_by="pytest")


def assert_matches_pandas(actual: pd.DataFrame, expected: pd.DataFrame):
    actual = actual.sort_values(["symbol", "month"]).reset_index(drop=True)
    expected = expected.sort_values(["symbol", "month"]).reset_index(drop=True)
    assert len(actual) == len(expected) == 560
    assert list(actual["symbol"]) == list(expected["symbol"])
    assert list(actual["month"]) == list(expected["month"])
    for column in ("price", "monthly_return", "index_return", "excess_return"):
        pd.testing.assert_series_equal(
            actual[column].astype(float), expected[column].astype(float), check_names=False, rtol=1e-9
        )


def test_sql_etl_builds_returns_against_the_index(conn, data_dir, raw_tables):
    assert etl.build_stock_performance(conn, output_table="perf_sql") == 560
    assert_matches_pandas(read_frame(conn, "SELECT * FROM perf_sql"), expected_performance(data_dir))


def test_sql_etl_twelve_month_return_only_with_a_full_year(conn, raw_tables):
    etl.build_stock_performance(conn, output_table="perf_12m")
    first = conn.execute(
        "SELECT min(month) FROM perf_12m WHERE symbol = 'MSFT' AND return_12m IS NOT NULL"
    ).fetchone()[0]
    assert str(first) == "2001-01-01"
    jan01, jan00 = (
        conn.execute("SELECT price FROM perf_12m WHERE symbol = 'MSFT' AND month = %s", (m,)).fetchone()[0]
        for m in ("2001-01-01", "2000-01-01")
    )
    r = conn.execute("SELECT return_12m FROM perf_12m WHERE symbol = 'MSFT' AND month = '2001-01-01'").fetchone()[0]
    assert r == pytest.approx(jan01 / jan00 - 1)


def test_sql_etl_rerun_gives_the_same_table(conn, raw_tables):
    etl.build_stock_performance(conn, output_table="perf_rerun")
    before = read_frame(conn, "SELECT * FROM perf_rerun ORDER BY symbol, month")
    assert etl.build_stock_performance(conn, output_table="perf_rerun") == 560
    pd.testing.assert_frame_equal(before, read_frame(conn, "SELECT * FROM perf_rerun ORDER BY symbol, month"))


def test_spark_batch_job_file_runs_and_matches_the_sql_etl(conn, dsn, data_dir, raw_tables, tmp_path):
    """spark/batch_etl.py as the SparkApplication runs it (a script), in local mode."""
    etl.build_stock_performance(conn, output_table="perf_reference")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    proc = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "spark" / "batch_etl.py"), "--input", str(data_dir),
         "--table", "perf_spark", "--dsn", dsn, "--output-parquet", str(tmp_path / "perf.parquet")],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "wrote 560 rows" in proc.stderr
    diff = conn.execute(
        "SELECT count(*) FROM ((SELECT * FROM perf_spark EXCEPT SELECT * FROM perf_reference)"
        " UNION ALL (SELECT * FROM perf_reference EXCEPT SELECT * FROM perf_spark)) d"
    ).fetchone()[0]
    assert diff == 0
    assert len(pd.read_parquet(tmp_path / "perf.parquet")) == 560
