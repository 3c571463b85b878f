"""PostgreSQL connection for notebooks, scheduled runs and tests.

The platform injects the standard libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,
PGSSLMODE, PGSSLROOTCERT) into single-user servers and scheduled runs, so notebooks never hold secrets:
``connect()`` with no argument uses them. A DSN (``postgresql://...`` or ``key=value``) overrides them.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def connect(dsn: str | None = None, autocommit: bool = False) -> psycopg.Connection:
    """Opens a connection from a DSN, or from the PG* environment variables when ``dsn`` is empty."""
    return psycopg.connect(dsn or "", autocommit=autocommit)


def identifier(name: str) -> sql.Identifier:
    """A table or column name checked to be a plain lower-case SQL identifier (no quoting surprises)."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier (a-z, 0-9, _; at most 63 characters): {name!r}")
    return sql.Identifier(name)


def snake_case(name: str) -> str:
    """Column header -> plain identifier: 'Net Generation (GWh)' -> 'net_generation_gwh'."""
    out = re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")
    if not out:
        out = "column"
    if out[0].isdigit():
        out = f"c_{out}"
    return out[:63]
