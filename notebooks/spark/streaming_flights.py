"""Spark Structured Streaming: flight events -> per-minute aggregates upserted into PostgreSQL.

Persona: Alex, the data engineer. Sources:
- ``replay`` (tests, demos, air-gapped sites): the real recorded US flights of vega-datasets
  (flights-3m.parquet, Jan-Jun 2001) replayed in recorded order at ``--speed`` recorded seconds per
  wall-clock second. A ``rate-micro-batch`` source is the clock: every tick is one recorded second,
  joined to the flights that departed in that second. ``--event-time recorded`` keeps the flights' own
  times (deterministic, what the tests check); ``wallclock`` stamps each event with the time it is
  replayed, so a live dashboard ("last 15 minutes") moves.
- ``kafka`` (production): JSON flight events {date, delay, distance, origin, destination} on a topic
  (needs the package org.apache.spark:spark-sql-kafka-0-10_2.13:<spark version>).

Every micro-batch (foreachBatch) upserts the changed (minute, origin) aggregates with
INSERT ... ON CONFLICT DO UPDATE, recomputes the rollups of the hours it touched (minute totals,
hourly per-origin) and records its progress, in one transaction: a batch replayed after a failure
writes the same rows again, so results are exactly-once. Checkpoints go to ``--checkpoint``
(s3a://<spark bucket>/checkpoints/... in the cluster, which needs org.apache.hadoop:hadoop-aws; a local
folder in tests). PostgreSQL is reached through the PG* environment variables or ``--dsn``.

With no arguments (the example SparkApplication) it replays $DATASETS_BUCKET/raw/flights-3m.parquet at
60x with wall-clock event times, checkpointing to spark.sql.streaming.checkpointLocation. PostgreSQL is
reached with psycopg where installed, else over JDBC (pg_sink.py beside this file).

Run: spark-submit streaming_flights.py --flights /data/flights-3m.parquet \
       --checkpoint s3a://spark/checkpoints/flights --speed 600 --event-time recorded
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import sys
import time

SCHEMA_DDL = """
CREATE TABLE IF NOT EXISTS flight_minute_origin_stats (
    minute          timestamptz NOT NULL,
    origin          text NOT NULL,
    flights         integer NOT NULL,
    delayed_flights integer NOT NULL,
    sum_delay       bigint NOT NULL,
    max_delay       integer NOT NULL,
    sum_distance    bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (minute, origin)
);
CREATE TABLE IF NOT EXISTS flight_minute_stats (
    minute          timestamptz PRIMARY KEY,
    flights         integer NOT NULL,
    delayed_flights integer NOT NULL,
    sum_delay       bigint NOT NULL,
    max_delay       integer NOT NULL,
    sum_distance    bigint NOT NULL,
    airports        integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS flight_origin_hour_stats (
    hour            timestamptz NOT NULL,
    origin          text NOT NULL,
    flights         integer NOT NULL,
    delayed_flights integer NOT NULL,
    sum_delay       bigint NOT NULL,
    max_delay       integer NOT NULL,
    sum_distance    bigint NOT NULL,
    PRIMARY KEY (hour, origin)
);
CREATE TABLE IF NOT EXISTS stream_progress (
    query_name      text PRIMARY KEY,
    batch_id        bigint NOT NULL,
    rows_upserted   integer NOT NULL,
    max_event_time  timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
"""

# The rollups of the whole hours in [{start}, {end}) recomputed from the (minute, origin) aggregates.
# {start} and {end} are SQL expressions: the hours a micro-batch touched, or the whole range in the benchmark
# (which derives its tables with these same statements).
ROLLUP_SQL = (
    """
    INSERT INTO flight_minute_stats AS t
        (minute, flights, delayed_flights, sum_delay, max_delay, sum_distance, airports, updated_at)
    SELECT minute, sum(flights), sum(delayed_flights), sum(sum_delay), max(max_delay), sum(sum_distance),
           count(*), now()
    FROM flight_minute_origin_stats
    WHERE minute >= {start} AND minute < {end}
    GROUP BY minute
    ON CONFLICT (minute) DO UPDATE SET flights = EXCLUDED.flights, delayed_flights = EXCLUDED.delayed_flights,
        sum_delay = EXCLUDED.sum_delay, max_delay = EXCLUDED.max_delay, sum_distance = EXCLUDED.sum_distance,
        airports = EXCLUDED.airports, updated_at = EXCLUDED.updated_at
    """,
    """
    INSERT INTO flight_origin_hour_stats AS t
        (hour, origin, flights, delayed_flights, sum_delay, max_delay, sum_distance)
    SELECT date_trunc('hour', minute), origin, sum(flights), sum(delayed_flights), sum(sum_delay),
           max(max_delay), sum(sum_distance)
    FROM flight_minute_origin_stats
    WHERE minute >= {start} AND minute < {end}
    GROUP BY 1, 2
    ON CONFLICT (hour, origin) DO UPDATE SET flights = EXCLUDED.flights,
        delayed_flights = EXCLUDED.delayed_flights, sum_delay = EXCLUDED.sum_delay,
        max_delay = EXCLUDED.max_delay, sum_distance = EXCLUDED.sum_distance
    """,
)
BATCH_HOURS = {
    "start": "(SELECT date_trunc('hour', min(minute)) FROM batch_stage)",
    "end": "(SELECT date_trunc('hour', max(minute)) + interval '1 hour' FROM batch_stage)",
}

UPSERT_SQL = """
INSERT INTO flight_minute_origin_stats AS t
    (minute, origin, flights, delayed_flights, sum_delay, max_delay, sum_distance, updated_at)
SELECT minute, origin, flights, delayed_flights, sum_delay, max_delay, sum_distance, now() FROM batch_stage
ON CONFLICT (minute, origin) DO UPDATE SET flights = EXCLUDED.flights,
    delayed_flights = EXCLUDED.delayed_flights, sum_delay = EXCLUDED.sum_delay,
    max_delay = EXCLUDED.max_delay, sum_distance = EXCLUDED.sum_distance, updated_at = EXCLUDED.updated_at
"""

# (column, PostgreSQL type) of the rows a micro-batch writes, in order.
AGG_COLUMNS = [
    ("minute", "timestamptz"),
    ("origin", "text"),
    ("flights", "integer"),
    ("delayed_flights", "integer"),
    ("sum_delay", "bigint"),
    ("max_delay", "integer"),
    ("sum_distance", "bigint"),
]
DELAYED_MINUTES = 15  # a flight counts as delayed from 15 minutes on (the US DOT's definition)


def ensure_schema(db) -> None:
    """Creates the tables (a pg_sink session); concurrent jobs serialise on an advisory lock."""
    db.execute("SELECT pg_advisory_xact_lock(hashtext('flight_stats_schema'))")
    db.execute(SCHEMA_DDL)


def write_aggregates(db, rows, batch_id: int, query_name: str) -> int:
    """Upserts (minute, origin) aggregate rows and refreshes the rollups of the hours they touch.

    ``db`` is a pg_sink session (one transaction); ``rows`` are tuples in AGG_COLUMNS order, the minute
    as ISO-8601 text with its offset.
    """
    if not rows:
        return 0
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS batch_stage (LIKE flight_minute_origin_stats INCLUDING DEFAULTS)"
        " ON COMMIT DELETE ROWS"
    )
    db.insert_rows("batch_stage", AGG_COLUMNS, rows)
    db.execute(UPSERT_SQL)
    for statement in ROLLUP_SQL:
        db.execute(statement.format(**BATCH_HOURS))
    name = query_name.replace("'", "''")
    db.execute(
        f"""
        INSERT INTO stream_progress (query_name, batch_id, rows_upserted, max_event_time, updated_at)
        SELECT '{name}', {int(batch_id)}, {len(rows)}, max(minute) + interval '1 minute', now() FROM batch_stage
        ON CONFLICT (query_name) DO UPDATE SET batch_id = EXCLUDED.batch_id,
            rows_upserted = EXCLUDED.rows_upserted,
            max_event_time = greatest(stream_progress.max_event_time, EXCLUDED.max_event_time),
            updated_at = EXCLUDED.updated_at
        """
    )
    return len(rows)


def default_flights() -> str:
    """FLIGHTS_PATH, else the copy in the datasets bucket (DATASETS_BUCKET), else the working folder."""
    if os.environ.get("FLIGHTS_PATH"):
        return os.environ["FLIGHTS_PATH"]
    if os.environ.get("DATASETS_BUCKET"):
        return f"s3a://{os.environ['DATASETS_BUCKET']}/raw/flights-3m.parquet"
    return "flights-3m.parquet"


def parse_args(argv=None) -> argparse.Namespace:
    """Options; every one has a default, so the SparkApplication can run the file with no arguments."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", choices=["replay", "kafka"], default=os.environ.get("STREAM_SOURCE", "replay"))
    p.add_argument("--flights", default=default_flights(), help="replay: the recorded flights (parquet)")
    p.add_argument("--replay-start", default="2001-01-01T00:00:00", help="replay: first recorded second")
    p.add_argument("--replay-hours", type=float, default=0, help="replay: hours to replay (0 = to the end)")
    p.add_argument("--speed", type=float, default=60, help="replay: recorded seconds per wall-clock second")
    p.add_argument(
        "--event-time",
        choices=["recorded", "wallclock"],
        default=os.environ.get("STREAM_EVENT_TIME", "wallclock"),
        help="replay: the flights' own times, or the time each is replayed (live dashboards)",
    )
    p.add_argument("--stop-at-end", action="store_true", help="replay: stop once the replay is done")
    p.add_argument("--kafka-bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "kafka:9092"))
    p.add_argument("--kafka-topic", default=os.environ.get("KAFKA_TOPIC", "flights"))
    p.add_argument(
        "--checkpoint",
        default="",
        help="s3a://bucket/checkpoints/<name> or a local folder; empty: spark.sql.streaming.checkpointLocation",
    )
    p.add_argument("--trigger-seconds", type=float, default=2.0)
    p.add_argument("--query-name", default="flights_per_minute")
    p.add_argument("--dsn", default="", help="PostgreSQL DSN (psycopg); empty: the PG* environment variables")
    p.add_argument("--writer", choices=["auto", "psycopg", "jdbc"], default="auto")
    p.add_argument("--shuffle-partitions", type=int, default=4)
    p.add_argument("--timeout-seconds", type=float, default=0, help="stop after this long (0 = never)")
    return p.parse_args(argv)


def build_events(spark, args):
    """A streaming DataFrame of (event_time, origin, delay, distance)."""
    from pyspark.sql import functions as F

    if args.source == "kafka":
        schema = "date timestamp, delay int, distance int, origin string, destination string"
        raw = (
            spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", args.kafka_bootstrap)
            .option("subscribe", args.kafka_topic)
            .option("startingOffsets", "latest")
            .load()
        )
        parsed = raw.select(F.from_json(F.col("value").cast("string"), schema).alias("e"), "timestamp")
        return parsed.select(
            F.coalesce(F.col("e.date"), F.col("timestamp")).alias("event_time"),
            F.col("e.origin").alias("origin"),
            F.col("e.delay").alias("delay"),
            F.col("e.distance").alias("distance"),
        ).where(F.col("origin").isNotNull())

    start, end = replay_window(args)
    # The recorded times have no zone (TIMESTAMP_NTZ); the session zone is UTC, so they are read as UTC.
    flights = spark.read.parquet(args.flights).withColumn("date", F.col("date").cast("timestamp"))
    flights = flights.where(F.col("date") >= F.lit(start))
    if end:
        flights = flights.where(F.col("date") < F.lit(end))
    flights = flights.select(
        (F.unix_timestamp("date") - int(start.timestamp())).alias("offset_s"),
        "date",
        "origin",
        "delay",
        "distance",
    ).cache()
    # One tick per recorded second; a micro-batch every trigger interval carries speed * interval ticks.
    ticks = (
        spark.readStream.format("rate-micro-batch")
        .option("rowsPerBatch", ticks_per_batch(args))
        .option("numPartitions", 1)
        .load()
        .select(F.col("value").alias("offset_s"))
    )
    joined = ticks.join(flights, "offset_s")
    event_time = F.col("date") if args.event_time == "recorded" else F.current_timestamp()
    return joined.select(event_time.alias("event_time"), "origin", "delay", "distance")


def aggregate(events):
    from pyspark.sql import functions as F

    return (
        events.withWatermark("event_time", "10 minutes")
        .groupBy(F.window("event_time", "1 minute"), "origin")
        .agg(
            F.count(F.lit(1)).alias("flights"),
            F.sum(F.when(F.col("delay") >= DELAYED_MINUTES, 1).otherwise(0)).alias("delayed_flights"),
            F.sum("delay").alias("sum_delay"),
            F.max("delay").alias("max_delay"),
            F.sum("distance").alias("sum_distance"),
        )
        .select(F.col("window.start").alias("minute"), *[name for name, _ in AGG_COLUMNS[1:]])
    )


def ticks_per_batch(args) -> int:
    return max(1, int(args.speed * args.trigger_seconds))


def replay_window(args) -> tuple[dt.datetime, dt.datetime | None]:
    """[start, end) of the recorded flights replayed (UTC); end None = to the end of the data.

    The clock advances by whole micro-batches, so the end is rounded up to one: the ticks a run consumes
    are exactly the flights it replays, and a restart from the checkpoint with more hours has no gap.
    """
    start = dt.datetime.fromisoformat(args.replay_start).replace(tzinfo=dt.timezone.utc)
    if not args.replay_hours:
        return start, None
    batch = ticks_per_batch(args)
    ticks = -(-int(args.replay_hours * 3600) // batch) * batch
    return start, start + dt.timedelta(seconds=ticks)


def replay_ticks_needed(args, flights_end: dt.datetime | None = None) -> int:
    start, end = replay_window(args)
    if end is None:
        end = flights_end.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=1)
    return int((end - start).total_seconds())


def ticks_replayed(end_offset) -> int:
    """Ticks a rate-micro-batch source has produced, from its progress offset ({"offset": n, ...})."""
    if isinstance(end_offset, str):
        try:
            end_offset = json.loads(end_offset)
        except ValueError:
            end_offset = ast.literal_eval(end_offset)
    return int((end_offset or {}).get("offset", 0))


def run(spark, args) -> dict:
    """Starts the query; with --stop-at-end (replay) or --timeout-seconds, waits and returns a summary."""
    from pyspark.sql import functions as F

    import pg_sink

    spark.conf.set("spark.sql.session.timeZone", "UTC")
    with pg_sink.session(spark, args.dsn, args.writer) as db:
        ensure_schema(db)

    def write_batch(batch_df, batch_id):
        # Per-minute aggregates are small: collected on the driver, the minute as text with its offset.
        text = batch_df.withColumn("minute", F.date_format("minute", "yyyy-MM-dd'T'HH:mm:ssXXX"))
        rows = [tuple(r) for r in text.collect()]
        with pg_sink.session(spark, args.dsn, args.writer) as db:
            write_aggregates(db, rows, batch_id, args.query_name)

    writer = (
        aggregate(build_events(spark, args))
        .writeStream.queryName(args.query_name)
        .outputMode("update")
        .trigger(processingTime=f"{args.trigger_seconds} seconds")
        .foreachBatch(write_batch)
    )
    if args.checkpoint:
        writer = writer.option("checkpointLocation", args.checkpoint)
    query = writer.start()
    needed = None
    if args.source == "replay" and args.stop_at_end:
        end = None
        if not args.replay_hours:
            end = spark.read.parquet(args.flights).agg(F.max("date")).first()[0]
        needed = replay_ticks_needed(args, end)
    started = time.monotonic()
    try:
        while query.isActive:
            if args.timeout_seconds and time.monotonic() - started > args.timeout_seconds:
                break
            progress = query.lastProgress
            if needed is not None and progress and progress["sources"]:
                if ticks_replayed(progress["sources"][0]["endOffset"]) >= needed:
                    break
            query.awaitTermination(0.5)
        if query.exception():
            raise query.exception()
    finally:
        if query.isActive:
            query.stop()
    batches = list(query.recentProgress)
    return {"batches": len(batches), "input_rows": sum(p["numInputRows"] for p in batches)}


def main(argv=None) -> None:
    from pyspark.sql import SparkSession

    args = parse_args(argv)
    spark = (
        SparkSession.builder.appName(args.query_name)
        .config("spark.sql.shuffle.partitions", args.shuffle_partitions)
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    summary = run(spark, args)
    print(f"streaming_flights: {summary}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
