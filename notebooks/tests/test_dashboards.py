"""The data dashboards: Grafana's dashboard JSON format, the platform's PostgreSQL datasource, and every
panel query one the benchmark times, valid against the tables the jobs write."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest
from conftest import NOTEBOOKS, REPO

sys.path.insert(0, str(NOTEBOOKS / "bench"))
import bench_dashboards  # noqa: E402

DASHBOARD_DIR = REPO / "charts" / "dashboards" / "dashboards"
FILES = sorted(DASHBOARD_DIR.glob("data-*.json"))
DATASOURCE = {"type": "grafana-postgresql-datasource", "uid": "postgresql"}
PANEL_TYPES = {"stat", "timeseries", "table", "bargauge", "barchart", "gauge", "piechart", "text"}


def boards():
    return [(f.name, json.loads(f.read_text())) for f in FILES]


def test_there_is_a_streaming_and_a_catalogue_dashboard():
    assert [f.name for f in FILES] == ["data-catalogue.json", "data-streaming.json"]


@pytest.mark.parametrize("name,board", boards(), ids=[f.name for f in FILES])
def test_dashboard_has_grafana_top_level_fields(name, board):
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    assert isinstance(board["uid"], str) and 0 < len(board["uid"]) <= 40
    assert board["title"].startswith("Data: ")
    assert "id" not in board or board["id"] is None, "provisioned dashboards must not pin a database id"
    assert set(board["time"]) == {"from", "to"}
    assert isinstance(board["panels"], list) and board["panels"]


def test_streaming_dashboard_refreshes_every_few_seconds():
    board = json.loads((DASHBOARD_DIR / "data-streaming.json").read_text())
    assert board["refresh"] in {"1s", "2s", "5s", "10s"}
    assert board["refresh"] in board["timepicker"]["refresh_intervals"]


def test_catalogue_dashboard_refreshes():
    board = json.loads((DASHBOARD_DIR / "data-catalogue.json").read_text())
    assert board["refresh"]


@pytest.mark.parametrize("name,board", boards(), ids=[f.name for f in FILES])
def test_panels_have_unique_ids_and_non_overlapping_grid_positions(name, board):
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    cells = set()
    for p in board["panels"]:
        g = p["gridPos"]
        assert set(g) >= {"x", "y", "w", "h"} and all(isinstance(g[k], int) for k in "xywh")
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24 and g["h"] > 0
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"panel {p['title']!r} overlaps another"
                cells.add((x, y))
        assert p["type"] in PANEL_TYPES


@pytest.mark.parametrize("name,board", boards(), ids=[f.name for f in FILES])
def test_every_target_is_raw_sql_on_the_postgresql_datasource(name, board):
    for p in board["panels"]:
        assert p["datasource"] == DATASOURCE
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"] == DATASOURCE
            assert t["rawQuery"] is True and t["editorMode"] == "code"
            assert t["format"] in {"table", "time_series"}
            assert t["rawSql"].lstrip().upper().startswith("SELECT")
            if p["type"] == "timeseries":
                assert t["format"] == "time_series" and "$__timeFilter" in t["rawSql"]


def test_the_grafana_datasource_uid_is_the_one_the_platform_provisions():
    monitoring = (REPO / "components" / "platform" / "services" / "monitoring" / "grafana.ts").read_text()
    assert 'uid: "postgresql"' in monitoring and 'type: "grafana-postgresql-datasource"' in monitoring


def test_the_benchmark_times_every_panel_query():
    panel_queries = [
        (name, p["title"], t["rawSql"]) for name, b in boards() for p in b["panels"] for t in p["targets"]
    ]
    timed = [(q["dashboard"], q["panel"], q["sql"]) for q in bench_dashboards.dashboard_queries(DASHBOARD_DIR)]
    assert sorted(panel_queries) == sorted(timed)


def test_macro_expansion_matches_grafana():
    start = dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)
    sql = bench_dashboards.expand_macros(
        "SELECT $__timeGroupAlias(minute, $__interval) WHERE $__timeFilter(minute) AND x < $__timeTo()",
        start, start + dt.timedelta(days=7),
    )
    assert sql == (
        "SELECT floor(extract(epoch from minute)/900)*900 AS \"time\" WHERE minute BETWEEN "
        "'2001-01-01T00:00:00Z' AND '2001-01-08T00:00:00Z' AND x < '2001-01-08T00:00:00Z'"
    )


def test_every_panel_query_runs_on_the_tables_the_jobs_write(conn, data_dir):
    """Schema from the streaming job and the upload code; then each expanded query executes."""
    import streaming_flights
    from datavis_data import upload

    with conn.transaction():
        streaming_flights.ensure_schema(conn)
    upload.upload(conn, str(data_dir / "sp500.csv"), "dash_sp500", uploaded_by="pytest")
    end = dt.datetime(2001, 1, 3, tzinfo=dt.timezone.utc)
    for q in bench_dashboards.dashboard_queries(DASHBOARD_DIR):
        for span in bench_dashboards.RANGES.values():
            conn.execute(bench_dashboards.expand_macros(q["sql"], end - span, end)).fetchall()
    conn.rollback()
