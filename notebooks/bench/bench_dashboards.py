"""Benchmark (not a test): every SQL query of the data dashboards, on 10 million flight events.

Loads the 3 million real flights of vega-datasets (flights-3m.parquet, Jan-Jun 2001) into PostgreSQL
again and again, each copy shifted 26 weeks later (weekdays kept), until there are 10 million events
(COPY), derives what the streaming job derives from them (the per-minute per-airport aggregates with the
job's own definitions, then the job's own rollup statements), loads the real vega-datasets files through
the upload code for the catalogue, and then times every panel query of charts/dashboards/dashboards/
data-*.json over several dashboard time ranges ending at the last event, printing p50/p95 per query.
Goal: p95 < 100 ms for every query.

  npm run bench:dashboards -- [--events 10000000] [--runs 30] [--database datavis_bench] [--keep]

PostgreSQL: the PG* environment variables; the benchmark creates (and with --keep, keeps) its own
database, so it never touches the platform's tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
DASHBOARDS = REPO / "charts" / "dashboards" / "dashboards"
DATA = REPO / "node_modules" / "vega-datasets" / "data"
sys.path.insert(0, str(NOTEBOOKS))
sys.path.insert(0, str(NOTEBOOKS / "spark"))

import streaming_flights  # noqa: E402  (the job's schema, definitions and rollup statements)

# Dashboard time ranges the queries are timed over (ending at the newest event).
RANGES = {"30m": dt.timedelta(minutes=30), "6h": dt.timedelta(hours=6), "24h": dt.timedelta(days=1),
          "7d": dt.timedelta(days=7)}
SHIFT = dt.timedelta(weeks=26)
MACRO = re.compile(r"\$__(timeFilter|timeFrom|timeTo|timeGroupAlias)\(([^)]*)\)")
# Grafana's interval rounding (the steps it picks $__interval from), in seconds.
INTERVAL_STEPS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
DURATION = re.compile(r"^(\d+)(s|m|h|d)$")

DERIVE_MINUTE_ORIGIN = f"""
INSERT INTO flight_minute_origin_stats
    (minute, origin, flights, delayed_flights, sum_delay, max_delay, sum_distance, updated_at)
SELECT date_trunc('minute', event_time), origin, count(*),
       count(*) FILTER (WHERE delay >= {streaming_flights.DELAYED_MINUTES}), sum(delay), max(delay),
       sum(distance), now()
FROM flight_events
GROUP BY 1, 2
ORDER BY 1, 2
"""


def dashboard_queries(folder: Path = DASHBOARDS) -> list[dict]:
    """Every panel query of the data dashboards: {dashboard, panel, ref, sql}."""
    out = []
    for path in sorted(folder.glob("data-*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for t in panel.get("targets", []):
                out.append({"dashboard": path.name, "panel": panel["title"], "ref": t["refId"], "sql": t["rawSql"]})
    return out


def grafana_interval(span: dt.timedelta, max_points: int = 1000, min_seconds: int = 60) -> str:
    """$__interval as Grafana computes it: the time range over the panel's data points, rounded up."""
    raw = max(span.total_seconds() / max_points, min_seconds)
    step = next((s for s in INTERVAL_STEPS if s >= raw), INTERVAL_STEPS[-1])
    return f"{step // 60}m" if step % 60 == 0 and step < 3600 else f"{step // 3600}h" if step % 3600 == 0 else f"{step}s"


def _seconds(duration: str) -> int:
    m = DURATION.match(duration.strip().strip("'"))
    if not m:
        raise ValueError(f"not a Grafana duration: {duration!r}")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def expand_macros(sql: str, start: dt.datetime, end: dt.datetime) -> str:
    """Grafana's PostgreSQL macros as Grafana expands them ($__interval, $__timeFilter, $__timeFrom,
    $__timeTo, $__timeGroupAlias)."""
    sql = sql.replace("$__interval", grafana_interval(end - start))

    def lit(t: dt.datetime) -> str:
        return "'" + t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"

    def repl(m: re.Match) -> str:
        if m.group(1) == "timeFilter":
            return f"{m.group(2).strip()} BETWEEN {lit(start)} AND {lit(end)}"
        if m.group(1) == "timeGroupAlias":
            column, interval = (x.strip() for x in m.group(2).split(","))
            step = _seconds(interval)
            return f'floor(extract(epoch from {column})/{step})*{step} AS "time"'

        return lit(start if m.group(1) == "timeFrom" else end)

    expanded = MACRO.sub(repl, sql)
    if "$" in expanded:
        raise ValueError(f"a Grafana variable or macro the benchmark cannot expand is left in: {expanded}")
    return expanded


def load_events(conn, total: int) -> int:
    """COPYs `total` events: the real flights, shifted 26 weeks per pass, in parquet-batch-sized chunks."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    source = pq.ParquetFile(DATA / "flights-3m.parquet")
    loaded, shift = 0, 0
    with conn.cursor() as cur:
        while loaded < total:
            for batch in source.iter_batches(batch_size=500_000, columns=["date", "delay", "distance", "origin", "destination"]):
                if loaded >= total:
                    break
                batch = batch.slice(0, min(batch.num_rows, total - loaded))
                shifted = pc.add(batch.column("date"), pa.scalar(SHIFT * shift, pa.duration("us")))
                table = pa.table(
                    {
                        "event_time": pc.strftime(shifted, format="%Y-%m-%d %H:%M:%S+00"),
                        "delay": batch.column("delay"),
                        "distance": batch.column("distance"),
                        "origin": batch.column("origin"),
                        "destination": batch.column("destination"),
                    }
                )
                buf = io.BytesIO()
                pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="none"))
                with cur.copy("COPY flight_events FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buf.getvalue())
                loaded += batch.num_rows
            shift += 1
    conn.commit()
    return loaded


def prepare(conn, events: int) -> dict:
    """Creates and fills the benchmark database; returns timings and row counts."""
    from datavis_data import upload

    facts = {}
    t = time.perf_counter()
    with conn.transaction():
        streaming_flights.ensure_schema(conn)
        conn.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS flight_events (event_time timestamptz NOT NULL,"
            " delay integer NOT NULL, distance integer NOT NULL, origin text NOT NULL, destination text NOT NULL)"
        )
    facts["events"] = load_events(conn, events)
    facts["load_s"] = time.perf_counter() - t

    t = time.perf_counter()
    with conn.transaction():
        conn.execute(DERIVE_MINUTE_ORIGIN)
        for statement in streaming_flights.ROLLUP_SQL:
            conn.execute(statement.format(start="'-infinity'::timestamptz", end="'infinity'::timestamptz"))
        conn.execute(
            "INSERT INTO stream_progress (query_name, batch_id, rows_upserted, max_event_time)"
            " SELECT 'flights_per_minute', 0, count(*), max(minute) FROM flight_minute_origin_stats"
            " ON CONFLICT (query_name) DO NOTHING"
        )
    facts["derive_s"] = time.perf_counter() - t

    for name, table in (
        ("stocks.csv", "stocks"),
        ("sp500.csv", "sp500"),
        ("unemployment-across-industries.json", "unemployment_across_industries"),
        ("us-employment.csv", "us_employment"),
        ("iowa-electricity.csv", "iowa_electricity"),
        ("disasters.csv", "disasters"),
    ):
        upload.upload(conn, str(DATA / name), table, uploaded_by="benchmark")
    conn.autocommit = True
    t = time.perf_counter()
    conn.execute("VACUUM ANALYZE")
    facts["vacuum_s"] = time.perf_counter() - t
    conn.autocommit = False
    for table in ("flight_events", "flight_minute_origin_stats", "flight_minute_stats", "flight_origin_hour_stats"):
        facts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    conn.rollback()
    return facts


def time_queries(conn, runs: int) -> list[dict]:
    end = conn.execute("SELECT max(minute) + interval '1 minute' FROM flight_minute_stats").fetchone()[0]
    conn.rollback()
    if end is None:
        raise SystemExit("no flight aggregates in the database: run without --skip-load first")
    results = []
    for q in dashboard_queries():
        uses_time = "$__" in q["sql"]
        for label, span in RANGES.items() if uses_time else [("-", None)]:
            sql = expand_macros(q["sql"], end - span, end) if span else q["sql"]
            times = []
            for i in range(runs + 2):
                t = time.perf_counter()
                conn.execute(sql).fetchall()
                if i >= 2:  # two warm-up runs
                    times.append((time.perf_counter() - t) * 1000)
            conn.rollback()
            times.sort()
            results.append(
                {
                    **{k: q[k] for k in ("dashboard", "panel")},
                    "range": label,
                    "p50_ms": statistics.median(times),
                    "p95_ms": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
                }
            )
    return results


def main(argv=None) -> int:
    import psycopg

    p = argparse.ArgumentParser(description="Times every data-dashboard query on 10 million events.")
    p.add_argument("--events", type=int, default=10_000_000)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--database", default="datavis_bench")
    p.add_argument("--skip-load", action="store_true", help="reuse the database a previous --keep run left")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    a = p.parse_args(argv)

    if not a.skip_load:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{a.database}"')
            admin.execute(f'CREATE DATABASE "{a.database}"')
    conn = psycopg.connect(dbname=a.database)
    conn.execute("SET work_mem = '256MB'")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET synchronous_commit = off")
    conn.commit()
    if not a.skip_load:
        facts = prepare(conn, a.events)
        print(
            f"loaded {facts['events']:,} events in {facts['load_s']:.1f} s (COPY); derived aggregates in "
            f"{facts['derive_s']:.1f} s; VACUUM ANALYZE {facts['vacuum_s']:.1f} s"
        )
        print(
            "rows: "
            + ", ".join(f"{t} {facts[t]:,}" for t in ("flight_events", "flight_minute_origin_stats",
                                                      "flight_minute_stats", "flight_origin_hour_stats"))
        )
    conn.execute("RESET work_mem")
    conn.commit()
    results = time_queries(conn, a.runs)
    conn.close()

    width = max(len(r["panel"]) for r in results)
    print(f"\n{'dashboard':<20} {'panel':<{width}} {'range':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for r in results:
        flag = "" if r["p95_ms"] < 100 else "  (over the 100 ms goal)"
        print(f"{r['dashboard']:<20} {r['panel']:<{width}} {r['range']:>5} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f}{flag}")
    worst = max(results, key=lambda r: r["p95_ms"])
    print(f"\n{len(results)} query/range pairs, {len(dashboard_queries())} panel queries; worst p95 "
          f"{worst['p95_ms']:.1f} ms ({worst['panel']}, {worst['range']}); goal p95 < 100 ms")

    if not a.keep:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{a.database}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
