"""Spark batch ETL: raw monthly prices (csv) -> stock_monthly_performance in PostgreSQL.

Persona: Joe, the financial analyst (the job is scheduled by Alex, the data engineer). Reads the
vega-datasets files ``stocks.csv`` (symbol, date, price) and ``sp500.csv`` (date, price) from a folder
(s3a://<datasets bucket>/raw/ in the cluster, which needs org.apache.hadoop:hadoop-aws; a local folder
in tests) and writes one row per symbol and month: price, monthly return, the S&P 500's return, the
excess return and the trailing 12-month return. It computes the same table as
notebooks/datavis_data/etl.py does in SQL (the tests compare both). The table is replaced in one
transaction; ``--output-parquet`` also writes it as parquet (e.g. s3a://<datasets bucket>/analysis/).

Run: spark-submit batch_etl.py --input s3a://datasets/raw --table stock_monthly_performance
"""

from __future__ import annotations

import argparse
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


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--input", required=True, help="folder holding stocks.csv and sp500.csv")
    p.add_argument("--table", default="stock_monthly_performance")
    p.add_argument("--output-parquet", default="", help="also write the table here as parquet")
    p.add_argument("--dsn", default="", help="PostgreSQL DSN; empty: the PG* environment variables")
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


def write_table(conn, table: str, rows) -> int:
    """Replaces ``table`` with ``rows`` in one transaction (readers see the old or the new table)."""
    from psycopg import sql

    staging = sql.Identifier(f"{table}__building")
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staging))
        conn.execute(sql.SQL("CREATE TABLE {} (" + TABLE_COLUMNS + ")").format(staging))
        with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(staging)) as copy:
            for r in rows:
                copy.write_row(r)
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(staging, sql.Identifier(table)))
        conn.execute(
            sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                sql.Identifier(f"{table}__building_pkey"), sql.Identifier(f"{table}_pkey")
            )
        )
    return len(rows)


def run(spark, args) -> int:
    import psycopg

    result = transform(spark, args.input).select(*COLUMNS).orderBy("symbol", "month")
    if args.output_parquet:
        result.write.mode("overwrite").parquet(args.output_parquet)
    rows = [tuple(r) for r in result.collect()]  # one row per symbol and month: small
    with psycopg.connect(args.dsn) as conn:
        return write_table(conn, args.table, rows)


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
