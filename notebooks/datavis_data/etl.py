"""Batch ETL for the financial analyst: raw monthly prices -> an analysis table of returns.

Raw tables (loaded by upload-dataset from vega-datasets): ``stocks`` (symbol, date, price) and
``sp500`` (date, price), monthly closing prices. The analysis table has one row per symbol and month:
the price, the month's return, the S&P 500's return that month, the excess return over the index and
the trailing 12-month return. It is rebuilt in one transaction, so re-running gives the same table and
readers never see it half-built. notebooks/spark/batch_etl.py computes the same table with Spark.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .db import identifier

ANALYSIS_SELECT = """
WITH prices AS (
    SELECT symbol, date_trunc('month', date)::date AS month, price::double precision AS price
    FROM {stocks}
), index_prices AS (
    SELECT date_trunc('month', date)::date AS month, price::double precision AS price
    FROM {index}
), index_returns AS (
    SELECT month, price / lag(price) OVER (ORDER BY month) - 1 AS index_return
    FROM index_prices
), stock_returns AS (
    SELECT symbol, month, price,
           price / lag(price) OVER w - 1 AS monthly_return,
           CASE WHEN lag(month, 12) OVER w = (month - interval '12 months')::date
                THEN price / lag(price, 12) OVER w - 1 END AS return_12m
    FROM prices
    WINDOW w AS (PARTITION BY symbol ORDER BY month)
)
SELECT s.symbol, s.month, s.price, s.monthly_return, i.index_return,
       s.monthly_return - i.index_return AS excess_return, s.return_12m
FROM stock_returns s LEFT JOIN index_returns i USING (month)
"""

ANALYSIS_COLUMNS = """
    symbol text NOT NULL,
    month date NOT NULL,
    price double precision NOT NULL,
    monthly_return double precision,
    index_return double precision,
    excess_return double precision,
    return_12m double precision,
    PRIMARY KEY (symbol, month)
"""


def build_stock_performance(
    conn: psycopg.Connection,
    stocks_table: str = "stocks",
    index_table: str = "sp500",
    output_table: str = "stock_monthly_performance",
) -> int:
    """Rebuilds ``output_table`` from the raw tables; returns its row count."""
    out = identifier(output_table)
    staging = identifier(f"{output_table[:50]}__building")
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staging))
        conn.execute(sql.SQL("CREATE TABLE {} (" + ANALYSIS_COLUMNS + ")").format(staging))
        conn.execute(
            sql.SQL("INSERT INTO {} " + ANALYSIS_SELECT).format(
                staging, stocks=identifier(stocks_table), index=identifier(index_table)
            )
        )
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(out))
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(staging, out))
        conn.execute(
            sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                identifier(f"{output_table[:50]}__building_pkey"), identifier(f"{output_table[:58]}_pkey")
            )
        )
        return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(out)).fetchone()[0]
