"""How upload.py reads a csv, tsv, xlsx or json file: every column's PostgreSQL type inferred from its values,
and the rows that do not fit it (or a CSV line with the wrong number of fields) kept aside as rejects with
the reason. No database here; upload.py writes what ``parse`` returns and re-exports these names.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pandas as pd

from .db import snake_case


NULL_TOKENS = {"", "na", "n/a", "null", "none", "nan"}
_TRUE = {"true", "t", "yes", "y"}
_FALSE = {"false", "f", "no", "n"}
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DATEISH = re.compile(r"[-/:]|[A-Za-z]{3}")
_TZ = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


@dataclass
class Column:
    name: str
    source_name: str
    type: str
    nulls: int = 0


def _is_null(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip().lower() in NULL_TOKENS


def _parse_bool(v: str):
    s = v.strip().lower()
    return True if s in _TRUE else False if s in _FALSE else None


def _parse_int(v: str):
    s = v.strip()
    if _INT.match(s):
        n = int(s)
        if -(2**63) <= n < 2**63:
            return n
    # Spreadsheets store whole numbers as floats ("2001.0").
    if _FLOAT.match(s):
        f = float(s)
        if f.is_integer() and abs(f) < 2**53:
            return int(f)
    return None


def _parse_float(v: str):
    s = v.strip()
    return float(s) if _FLOAT.match(s) else None


def _parse_datetimes(values: pd.Series) -> pd.Series:
    """Parses date/time strings (ISO, 'Jan 1 2000', '01/02/2003 10:00'); NaT where a value is not one."""
    s = values.astype(str).str.strip()
    looks = s.str.contains(_DATEISH) & ~s.str.match(_FLOAT)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if looks.any():
        out[looks] = pd.to_datetime(s[looks], errors="coerce", utc=True, format="mixed")
    return out


def infer_column(values: pd.Series, min_share: float) -> tuple[str, pd.Series, pd.Series]:
    """Returns (PostgreSQL type, parsed values with None for NULL, mask of rows that fail the type)."""
    present = ~values.map(_is_null)
    text = values.where(present, None)
    nonnull = text[present].astype(str)
    if nonnull.empty:
        return "text", text, pd.Series(False, index=values.index)

    def pick(parser):
        # A list keeps Python ints as ints (Series.map would turn them into floats next to a None).
        parsed = pd.Series([parser(v) for v in nonnull], index=nonnull.index, dtype=object)
        ok = parsed.notna()
        return parsed, ok

    for pg_type, parser in (("boolean", _parse_bool), ("bigint", _parse_int), ("double precision", _parse_float)):
        parsed, ok = pick(parser)
        if ok.mean() >= min_share:
            full = pd.Series(None, index=values.index, dtype=object)
            full[ok[ok].index] = parsed[ok].astype(object)
            bad = pd.Series(False, index=values.index)
            bad[ok[~ok].index] = True
            return pg_type, full, bad

    stamps = _parse_datetimes(nonnull)
    ok = stamps.notna()
    if ok.mean() >= min_share:
        has_tz = nonnull[ok].str.strip().str.contains(_TZ).any()
        good = stamps[ok]
        if has_tz:
            pg_type, conv = "timestamptz", good.map(lambda t: t.to_pydatetime())
        elif (good == good.dt.normalize()).all():
            pg_type, conv = "date", good.map(lambda t: t.date())
        else:
            pg_type, conv = "timestamp", good.map(lambda t: t.tz_localize(None).to_pydatetime())
        full = pd.Series(None, index=values.index, dtype=object)
        full[conv.index] = conv.astype(object)
        bad = pd.Series(False, index=values.index)
        bad[ok[~ok].index] = True
        return pg_type, full, bad

    return "text", text.map(lambda v: None if v is None else str(v)), pd.Series(False, index=values.index)


def _read_csv(data: bytes, sep: str) -> tuple[pd.DataFrame, list[dict]]:
    rejects: list[dict] = []
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(reader, None)
    if not header:
        raise ValueError("the file has no header line")
    rows, numbers = [], []
    for line_number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            rejects.append(
                {
                    "row_number": line_number,
                    "reason": f"expected {len(header)} fields, got {len(row)}",
                    "raw": {"fields": row},
                }
            )
            continue
        rows.append(row)
        numbers.append(line_number)
    return pd.DataFrame(rows, columns=header, index=numbers, dtype=object), rejects


def _read_json(data: bytes) -> pd.DataFrame:
    text = data.decode("utf-8-sig").strip()
    if text.startswith("["):
        records = json.loads(text)
    elif text.startswith("{") and "\n{" not in text:
        obj = json.loads(text)
        lists = [v for v in obj.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ValueError("a JSON object must hold exactly one list of records")
        records = lists[0]
    else:  # JSON Lines
        records = [json.loads(line) for line in text.splitlines() if line.strip()]

    def cell(v):
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (dict, list)):
            return json.dumps(v)
        return str(v)

    frame = pd.DataFrame([{k: cell(v) for k, v in r.items()} for r in records], dtype=object)
    frame.index = range(1, len(frame) + 1)
    return frame


def _read_xlsx(data: bytes, sheet) -> pd.DataFrame:
    frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, dtype=object, engine="openpyxl")

    def cell(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.isoformat(sep=" ")
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    frame = frame.map(cell)
    frame.index = range(2, len(frame) + 2)  # spreadsheet row numbers (row 1 is the header)
    return frame


def parse(data: bytes, file_format: str, sheet=0, min_share: float = 0.9):
    """Parses file bytes into typed columns. Returns (columns, typed frame of good rows, rejects, rows_read)."""
    if file_format == "csv":
        raw, rejects = _read_csv(data, ",")
    elif file_format == "tsv":
        raw, rejects = _read_csv(data, "\t")
    elif file_format == "json":
        raw, rejects = _read_json(data), []
    elif file_format == "xlsx":
        raw, rejects = _read_xlsx(data, sheet), []
    else:
        raise ValueError(f"unsupported format {file_format!r} (csv, tsv, xlsx, json)")

    rows_read = len(raw) + len(rejects)
    names: dict[str, int] = {}
    columns: list[Column] = []
    typed = {}
    bad_reasons: dict[int, list[str]] = {}
    for source_name in raw.columns:
        name = snake_case(source_name)
        if name in names:  # two headers that map to the same identifier
            names[name] += 1
            name = f"{name[:59]}_{names[name]}"
        names.setdefault(name, 1)
        pg_type, parsed, bad = infer_column(raw[source_name], min_share)
        for row_number in raw.index[bad.to_numpy()]:
            bad_reasons.setdefault(int(row_number), []).append(
                f"{source_name}: {raw.at[row_number, source_name]!r} is not {pg_type}"
            )
        typed[name] = parsed
        columns.append(Column(name=name, source_name=str(source_name), type=pg_type))

    frame = pd.DataFrame(typed, index=raw.index)
    bad_rows = sorted(bad_reasons)
    for row_number in bad_rows:
        rejects.append(
            {
                "row_number": row_number,
                "reason": "; ".join(bad_reasons[row_number]),
                "raw": {str(k): (None if _is_null(v) else str(v)) for k, v in raw.loc[row_number].items()},
            }
        )
    good = frame.drop(index=bad_rows)
    for c in columns:
        c.nulls = int(good[c.name].isna().sum())
    rejects.sort(key=lambda r: r["row_number"])
    return columns, good, rejects, rows_read
