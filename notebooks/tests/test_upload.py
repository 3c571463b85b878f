"""upload-dataset's loader: types inferred, bad rows rejected and reported, catalogue, no duplicates."""

from __future__ import annotations

import csv

import pytest
from datavis_data import upload

REAL = [
    # file, table, rows, {column: type}
    ("stocks.csv", "stocks", 560, {"symbol": "text", "date": "date", "price": "double precision"}),
    ("sp500.csv", "sp500", 123, {"date": "date", "price": "double precision"}),
    (
        "unemployment-across-industries.json",
        "unemployment",
        1708,
        {"series": "text", "year": "bigint", "count": "bigint", "rate": "double precision", "date": "timestamptz"},
    ),
    ("us-employment.csv", "us_employment", 120, {"month": "date", "nonfarm": "bigint", "wholesale_trade": "double precision"}),
    ("iowa-electricity.csv", "iowa_electricity", 51, {"year": "date", "source": "text", "net_generation": "bigint"}),
    ("disasters.csv", "disasters", 803, {"entity": "text", "year": "bigint", "deaths": "bigint"}),
]


def column_types(conn, table):
    return dict(
        conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()
    )


PG_NAMES = {"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone"}


@pytest.mark.parametrize("name,table,rows,types", REAL, ids=[r[0] for r in REAL])
def test_real_dataset_loads_every_row_with_inferred_types(conn, data_dir, name, table, rows, types):
    report = upload.upload(conn, str(data_dir / name), table, uploaded_by="pytest")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (rows, rows, 0)
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows
    actual = column_types(conn, table)
    for column, pg_type in types.items():
        assert actual[column] == PG_NAMES.get(pg_type, pg_type), column
    reported = {c.name: c.type for c in report.columns}
    assert {k: reported[k] for k in types} == types


def test_values_survive_the_round_trip(conn, data_dir):
    upload.upload(conn, str(data_dir / "stocks.csv"), "stocks_values", uploaded_by="pytest")
    row = conn.execute(
        "SELECT price FROM stocks_values WHERE symbol = 'AAPL' AND date = '2010-03-01'"
    ).fetchone()
    with open(data_dir / "stocks.csv") as f:
        expected = next(float(r["price"]) for r in csv.DictReader(f) if r["symbol"] == "AAPL" and r["date"] == "Mar 1 2010")
    assert row[0] == expected


def write_corrupted_stocks(data_dir, path):
    """The first 40 lines of the real stocks.csv with three lines damaged the way real exports break."""
    lines = (data_dir / "stocks.csv").read_text().splitlines()[:41]
    lines[5] = lines[5].rsplit(",", 1)[0] + ",n/a-price"  # a price that is not a number
    lines[9] = lines[9].replace("2000", "20O0")  # a date with a letter O
    lines[12] = lines[12] + ",extra"  # one field too many
    path.write_text("\n".join(lines) + "\n")
    return lines


def test_bad_rows_are_reported_and_not_loaded(conn, data_dir, tmp_path):
    path = tmp_path / "stocks-damaged.csv"
    write_corrupted_stocks(data_dir, path)
    report = upload.upload(conn, str(path), "stocks_damaged", uploaded_by="pytest")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (40, 37, 3)
    assert [r["row_number"] for r in report.rejects] == [6, 10, 13]
    reasons = {r["row_number"]: r["reason"] for r in report.rejects}
    assert "is not double precision" in reasons[6]
    assert "is not date" in reasons[10]
    assert "expected 3 fields, got 4" in reasons[13]
    assert {c.name: c.type for c in report.columns} == {"symbol": "text", "date": "date", "price": "double precision"}
    assert conn.execute("SELECT count(*) FROM stocks_damaged").fetchone()[0] == 37
    stored = conn.execute(
        "SELECT row_number FROM dataset_rejects WHERE table_name = 'stocks_damaged' ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in stored] == [6, 10, 13]


def test_same_file_again_does_not_duplicate(conn, data_dir):
    first = upload.upload(conn, str(data_dir / "sp500.csv"), "sp500_twice", uploaded_by="pytest")
    second = upload.upload(conn, str(data_dir / "sp500.csv"), "sp500_twice", uploaded_by="pytest")
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert conn.execute("SELECT count(*) FROM sp500_twice").fetchone()[0] == 123
    assert conn.execute("SELECT count(*) FROM dataset_catalogue WHERE table_name = 'sp500_twice'").fetchone()[0] == 1
    outcomes = conn.execute(
        "SELECT outcome FROM dataset_uploads WHERE table_name = 'sp500_twice' ORDER BY id"
    ).fetchall()
    assert [o[0] for o in outcomes] == ["loaded", "unchanged"]


def test_changed_file_replaces_the_table(conn, data_dir, tmp_path):
    path = tmp_path / "sp500.csv"
    lines = (data_dir / "sp500.csv").read_text().splitlines()
    path.write_text("\n".join(lines[:51]) + "\n")
    upload.upload(conn, str(path), "sp500_changing", uploaded_by="pytest")
    path.write_text("\n".join(lines) + "\n")
    report = upload.upload(conn, str(path), "sp500_changing", uploaded_by="pytest")
    assert report.status == "loaded"
    assert conn.execute("SELECT count(*) FROM sp500_changing").fetchone()[0] == len(lines) - 1


def test_catalogue_records_who_when_source_and_counts(conn, data_dir):
    upload.upload(conn, str(data_dir / "disasters.csv"), "disasters_cat", uploaded_by="jenna")
    row = conn.execute(
        "SELECT source, file_format, uploaded_by, uploaded_at > now() - interval '1 hour', rows_read,"
        " rows_loaded, rows_rejected, length(content_sha256) FROM dataset_catalogue WHERE table_name = 'disasters_cat'"
    ).fetchone()
    assert row == (str(data_dir / "disasters.csv"), "csv", "jenna", True, 803, 803, 0, 64)


def test_xlsx_loads_like_its_csv(conn, data_dir, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    with open(data_dir / "iowa-electricity.csv") as f:
        for i, r in enumerate(csv.reader(f)):
            ws.append(r if i == 0 else [r[0], r[1], int(r[2])])
    path = tmp_path / "iowa-electricity.xlsx"
    wb.save(path)
    report = upload.upload(conn, str(path), "iowa_xlsx", uploaded_by="pytest")
    assert (report.rows_loaded, report.rows_rejected) == (51, 0)
    assert {c.name: c.type for c in report.columns} == {"year": "date", "source": "text", "net_generation": "bigint"}
    total = conn.execute("SELECT sum(net_generation) FROM iowa_xlsx").fetchone()[0]
    with open(data_dir / "iowa-electricity.csv") as f:
        assert total == sum(int(r["net_generation"]) for r in csv.DictReader(f))


def test_rejects_a_table_name_that_is_not_a_plain_identifier(conn, data_dir):
    with pytest.raises(ValueError, match="plain identifier"):
        upload.upload(conn, str(data_dir / "stocks.csv"), "stocks; DROP TABLE x", uploaded_by="pytest")
