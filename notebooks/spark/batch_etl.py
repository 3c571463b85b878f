"""Spark batch ETL: raw monthly prices (csv) -> stock_monthly_performance in PostgreSQL.

Persona: Joe, the financial analyst (the job is scheduled by Alex, the data engineer). Reads the
vega-datasets files ``stocks.csv`` (symbol, date, price) and ``sp500.csv`` (date, price) from a folder
(s3a://<datasets bucket>/raw/ in the cluster, which needs org.apache.hadoop:hadoop-aws; a local folder
in tests) and writes one row per symbol and month: price, monthly return, the S&P 500's return, the
excess return and the trailing 12-month return. It computes the same table as
notebooks/datavis_data/etl.py does in SQL (the tests compare both). The table is replaced in one
transaction; ``--output-parquet`` also writes it as parquet (e.g. s3a://<datasets bucket>/analysis/).
PostgreSQL: psycopg where installed, else JDBC (pg_sink.py beside this file). With no arguments (the
example SparkApplication) it reads $RAW_DATA_DIR, else s3a://$DATASETS_BUCKET/raw.

Run: spark-submit batch_etl.py --input s3a://datasets/raw --table stock_monthly_performance
"""

from __future__ import annotations

import argparse
import os
import re
import sys

TABLE_COLUMNS = """
    symbol text NOT NULL,
    month date NOT NULL,
    price double precision NOT NULL,
    monthly_return double precision,
    index_return double precision,
    excess_return double precision,
    return_12m double precision,
    PRIMARY KEY (symbol, month)
"""
COLUMNS = ["symbol", "month", "price", "monthly_return", "index_return", "excess_return", "return_12m"]
COLUMN_TYPES = ["text", "date", "double precision", "double precision", "double precision", "double precision",
                "double precision"]


def default_input() -> str:
    """RAW_DATA_DIR, else s3a://$DATASETS_BUCKET/raw (so the SparkApplication needs no arguments)."""
    if os.environ.get("RAW_DATA_DIR"):
        return os.environ["RAW_DATA_DIR"]
    if os.environ.get("DATASETS_BUCKET"):
        return f"s3a://{os.environ['DATASETS_BUCKET']}/raw"
    return "raw"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--input", default=default_input(), help="folder holding stocks.csv and sp500.csv")
    p.add_argument("--table", default="stock_monthly_performance")
    p.add_argument("--output-parquet", default="", help="also write the table here as parquet")
    p.add_argument("--dsn", default="", help="PostgreSQL DSN (psycopg); empty: the PG* environment variables")
    p.add_argument("--writer", choices=["auto", "psycopg", "jdbc"], default="auto")
    return p.parse_args(argv)


def transform(spark, input_dir: str):
    """The analysis DataFrame, from the two raw csv files."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    def read(name, schema):
        return spark.read.csv(f"{input_dir.rstrip('/')}/{name}", header=True, schema=schema)

    month = F.trunc(F.to_date(F.col("date"), "MMM d yyyy"), "month").alias("month")
    stocks = read("stocks.csv", "symbol string, date string, price double").select("symbol", month, "price")
    index = read("sp500.csv", "date string, price double").select(month, "price")

    by_month = Window.orderBy("month")
    index_returns = index.select(
        "month", (F.col("price") / F.lag("price").over(by_month) - 1).alias("index_return")
    )
    w = Window.partitionBy("symbol").orderBy("month")
    returns = stocks.select(
        "symbol",
        "month",
        "price",
        (F.col("price") / F.lag("price").over(w) - 1).alias("monthly_return"),
        F.when(
            F.lag("month", 12).over(w) == F.add_months("month", -12),
            F.col("price") / F.lag("price", 12).over(w) - 1,
        ).alias("return_12m"),
    )
    return returns.join(index_returns, "month", "left").select(
        "symbol",
        "month",
        "price",
        "monthly_return",
        "index_return",
        (F.col("monthly_return") - F.col("index_return")).alias("excess_return"),
        "return_12m",
    )


def write_table(db, table: str, rows) -> int:
    """Replaces ``table`` with ``rows`` in one transaction (a pg_sink session): readers see the old or the new."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,50}", table):
        raise ValueError(f"not a plain table name: {table!r}")
    db.execute(f"DROP TABLE IF EXISTS {table}__building")
    db.execute(f"CREATE TABLE {table}__building ({TABLE_COLUMNS})")
    db.insert_rows(f"{table}__building", list(zip(COLUMNS, COLUMN_TYPES)), rows)
    db.execute(f"DROP TABLE IF EXISTS {table}")
    db.execute(f"ALTER TABLE {table}__building RENAME TO {table}")
    db.execute(f"ALTER INDEX {table}__building_pkey RENAME TO {table}_pkey")
    return len(rows)


def run(spark, args) -> int:
    import pg_sink

    result = transform(spark, args.input).select(*COLUMNS).orderBy("symbol", "month")
    if args.output_parquet:
        result.write.mode("overwrite").parquet(args.output_parquet)
    rows = [tuple(r) for r in result.collect()]  # one row per symbol and month: small
    with pg_sink.session(spark, args.dsn, args.writer) as db:
        return write_table(db, args.table, rows)


def main(argv=None) -> None:
    from pyspark.sql import SparkSession

    args = parse_args(argv)
    spark = SparkSession.builder.appName("batch-etl-stock-performance").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    count = run(spark, args)
    print(f"batch_etl: wrote {count} rows to {args.table}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
