"""Loads a csv, xlsx or json file into a PostgreSQL table, with a catalogue of what was loaded.

- Every column's type is inferred from its values (boolean, bigint, double precision, date, timestamp,
  timestamptz, text): the narrowest type that at least ``min_share`` of the non-empty values parse as.
- A row whose value does not parse as its column's type, or a CSV line with the wrong number of
  fields, is rejected: not loaded, and kept with the reason in ``dataset_rejects``.
- ``dataset_catalogue`` has one row per table (source, who, when, content hash, row counts, column
  types); ``dataset_uploads`` keeps every attempt. Loading the same content into the same table again
  changes nothing (status ``unchanged``); new content replaces the table in one transaction.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from .db import identifier
from .parsing import (  # noqa: F401 (re-exported: upload.X keeps working for every name that moved)
    NULL_TOKENS,
    _DATEISH,
    _FALSE,
    _FLOAT,
    _INT,
    _TRUE,
    _TZ,
    Column,
    _is_null,
    _parse_bool,
    _parse_datetimes,
    _parse_float,
    _parse_int,
    _read_csv,
    _read_json,
    _read_xlsx,
    infer_column,
    parse,
)

CATALOGUE_DDL = """
CREATE TABLE IF NOT EXISTS dataset_catalogue (
    table_name     text PRIMARY KEY,
    source         text NOT NULL,
    file_format    text NOT NULL,
    content_sha256 text NOT NULL,
    uploaded_by    text NOT NULL,
    uploaded_at    timestamptz NOT NULL DEFAULT now(),
    rows_read      integer NOT NULL,
    rows_loaded    integer NOT NULL,
    rows_rejected  integer NOT NULL,
    columns        jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS dataset_uploads (
    id             bigserial PRIMARY KEY,
    table_name     text NOT NULL,
    source         text NOT NULL,
    content_sha256 text NOT NULL,
    uploaded_by    text NOT NULL,
    uploaded_at    timestamptz NOT NULL DEFAULT now(),
    outcome        text NOT NULL CHECK (outcome IN ('loaded', 'unchanged')),
    rows_loaded    integer NOT NULL,
    rows_rejected  integer NOT NULL
);
CREATE INDEX IF NOT EXISTS dataset_uploads_uploaded_at ON dataset_uploads (uploaded_at);
CREATE TABLE IF NOT EXISTS dataset_rejects (
    table_name  text NOT NULL,
    row_number  integer NOT NULL,
    reason      text NOT NULL,
    raw         jsonb NOT NULL,
    PRIMARY KEY (table_name, row_number)
);
"""

FORMATS = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "json", ".ndjson": "json"}


@dataclass
class UploadReport:
    table: str
    source: str
    status: str  # "loaded" or "unchanged"
    content_sha256: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    columns: list[Column] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)

    def columns_frame(self) -> pd.DataFrame:
        return pd.DataFrame([c.__dict__ for c in self.columns])

    def rejects_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rejects, columns=["row_number", "reason", "raw"])


def read_source(source: str) -> bytes:
    """Bytes of a local file, or of an object in the datasets bucket (``s3://bucket/key``)."""
    if source.startswith("s3://"):
        import boto3  # only needed for object storage; AWS_ENDPOINT_URL selects an S3-compatible store

        bucket, _, key = source[5:].partition("/")
        with tempfile.TemporaryFile() as f:
            boto3.client("s3").download_fileobj(bucket, key, f)
            f.seek(0)
            return f.read()
    return Path(source).read_bytes()


def ensure_catalogue(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('dataset_catalogue'))")
        conn.execute(CATALOGUE_DDL)


def upload(
    conn: psycopg.Connection,
    source: str,
    table: str,
    uploaded_by: str | None = None,
    file_format: str | None = None,
    sheet=0,
    min_share: float = 0.9,
    force: bool = False,
) -> UploadReport:
    """Loads ``source`` (a path or s3:// URL) into ``table``; see the module doc for the rules."""
    identifier(table)
    uploaded_by = uploaded_by or os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    file_format = file_format or FORMATS.get(Path(source).suffix.lower())
    if not file_format:
        raise ValueError(f"cannot tell the format of {source!r}; pass file_format")
    data = read_source(source)
    digest = hashlib.sha256(data).hexdigest()
    ensure_catalogue(conn)

    with conn.transaction():
        # One loader per table at a time; a second run of the same file waits, then finds it unchanged.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"dataset:{table}",))
        row = conn.execute(
            "SELECT content_sha256, rows_read, rows_loaded, rows_rejected, columns FROM dataset_catalogue"
            " WHERE table_name = %s",
            (table,),
        ).fetchone()
        if row and row[0] == digest and not force:
            conn.execute(
                "INSERT INTO dataset_uploads (table_name, source, content_sha256, uploaded_by, outcome,"
                " rows_loaded, rows_rejected) VALUES (%s, %s, %s, %s, 'unchanged', 0, 0)",
                (table, source, digest, uploaded_by),
            )
            rejects = [
                {"row_number": n, "reason": r, "raw": raw}
                for n, r, raw in conn.execute(
                    "SELECT row_number, reason, raw FROM dataset_rejects WHERE table_name = %s ORDER BY 1",
                    (table,),
                )
            ]
            return UploadReport(
                table, source, "unchanged", digest, row[1], row[2], row[3], [Column(**c) for c in row[4]], rejects
            )

        columns, good, rejects, rows_read = parse(data, file_format, sheet, min_share)
        target = identifier(table)
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
        conn.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                target,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(identifier(c.name), sql.SQL(c.type)) for c in columns
                ),
            )
        )
        with conn.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(
                target, sql.SQL(", ").join(identifier(c.name) for c in columns)
            )
        ) as copy:
            for values in good.itertuples(index=False, name=None):
                copy.write_row([None if (v is None or v is pd.NaT) else v for v in values])
        conn.execute("DELETE FROM dataset_rejects WHERE table_name = %s", (table,))
        if rejects:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO dataset_rejects (table_name, row_number, reason, raw) VALUES (%s, %s, %s, %s)",
                    [(table, r["row_number"], r["reason"], Jsonb(r["raw"])) for r in rejects],
                )
        column_meta = Jsonb([c.__dict__ for c in columns])
        conn.execute(
            """
            INSERT INTO dataset_catalogue (table_name, source, file_format, content_sha256, uploaded_by,
                uploaded_at, rows_read, rows_loaded, rows_rejected, columns)
            VALUES (%s, %s, %s, %s, %s, now(), %s, %s, %s, %s)
            ON CONFLICT (table_name) DO UPDATE SET source = EXCLUDED.source,
                file_format = EXCLUDED.file_format, content_sha256 = EXCLUDED.content_sha256,
                uploaded_by = EXCLUDED.uploaded_by, uploaded_at = EXCLUDED.uploaded_at,
                rows_read = EXCLUDED.rows_read, rows_loaded = EXCLUDED.rows_loaded,
                rows_rejected = EXCLUDED.rows_rejected, columns = EXCLUDED.columns
            """,
            (table, source, file_format, digest, uploaded_by, rows_read, len(good), len(rejects), column_meta),
        )
        conn.execute(
            "INSERT INTO dataset_uploads (table_name, source, content_sha256, uploaded_by, outcome,"
            " rows_loaded, rows_rejected) VALUES (%s, %s, %s, %s, 'loaded', %s, %s)",
            (table, source, digest, uploaded_by, len(good), len(rejects)),
        )
    return UploadReport(table, source, "loaded", digest, rows_read, len(good), len(rejects), columns, rejects)
