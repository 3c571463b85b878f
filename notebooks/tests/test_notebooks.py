"""Each notebook executed by papermill with test parameters; the rows it produced are checked in PostgreSQL."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest
from conftest import NOTEBOOKS, flight_truth

NOTEBOOK_FILES = ["upload-dataset.ipynb", "etl.ipynb", "streaming.ipynb"]


def run(name, out_dir, **parameters):
    out = out_dir / f"out-{name}"
    papermill.execute_notebook(
        str(NOTEBOOKS / name), str(out), parameters=parameters, cwd=str(NOTEBOOKS),
        kernel_name="python3", progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("name") == "stdout"
    )


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_notebook_has_a_parameters_cell_and_names_its_persona(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "Persona" in nb.cells[0].source
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"


def test_upload_notebook_loads_a_csv_and_a_rerun_changes_nothing(conn, dsn, data_dir, tmp_path):
    params = dict(source=str(data_dir / "us-employment.csv"), table="nb_us_employment", uploaded_by="jenna", dsn=dsn)
    out = run("upload-dataset.ipynb", tmp_path, **params)
    assert "loaded:" in out and "rows read 120, loaded 120, rejected 0" in out
    out = run("upload-dataset.ipynb", tmp_path, **params)
    assert "unchanged:" in out
    assert conn.execute("SELECT count(*) FROM nb_us_employment").fetchone()[0] == 120
    assert conn.execute(
        "SELECT uploaded_by, rows_loaded FROM dataset_catalogue WHERE table_name = 'nb_us_employment'"
    ).fetchone() == ("jenna", 120)


def test_upload_notebook_reports_rejected_rows(conn, dsn, data_dir, tmp_path):
    lines = (data_dir / "disasters.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",unknown"
    path = tmp_path / "disasters.csv"
    path.write_text("\n".join(lines) + "\n")
    out = run("upload-dataset.ipynb", tmp_path, source=str(path), table="nb_disasters", dsn=dsn)
    assert "rows read 803, loaded 802, rejected 1" in out and "1 rejected row(s)" in out
    assert conn.execute("SELECT count(*) FROM nb_disasters").fetchone()[0] == 802


def test_upload_notebook_loads_json(conn, dsn, data_dir, tmp_path):
    run("upload-dataset.ipynb", tmp_path, source=str(data_dir / "unemployment-across-industries.json"),
        table="nb_unemployment", dsn=dsn)
    assert conn.execute("SELECT count(*), count(DISTINCT series) FROM nb_unemployment").fetchone() == (1708, 14)


@pytest.fixture
def raw_prices(dsn, data_dir, tmp_path):
    for file, table in (("stocks.csv", "stocks"), ("sp500.csv", "sp500")):
        run("upload-dataset.ipynb", tmp_path, source=str(data_dir / file), table=table, dsn=dsn)


def test_etl_notebook_builds_the_analysis_table(conn, dsn, raw_prices, tmp_path):
    out = run("etl.ipynb", tmp_path, output_table="nb_perf_sql", dsn=dsn)
    assert "nb_perf_sql: 560 rows" in out
    assert conn.execute("SELECT count(DISTINCT symbol) FROM nb_perf_sql").fetchone()[0] == 5


def test_etl_notebook_spark_engine_gives_the_same_table(conn, dsn, data_dir, raw_prices, tmp_path):
    run("etl.ipynb", tmp_path, output_table="nb_perf_ref", dsn=dsn)
    run("etl.ipynb", tmp_path, output_table="nb_perf_spark", engine="spark", raw_dir=str(data_dir), dsn=dsn)
    diff = conn.execute(
        "SELECT count(*) FROM ((SELECT * FROM nb_perf_spark EXCEPT SELECT * FROM nb_perf_ref)"
        " UNION ALL (SELECT * FROM nb_perf_ref EXCEPT SELECT * FROM nb_perf_spark)) d"
    ).fetchone()[0]
    assert diff == 0


def test_streaming_notebook_writes_per_minute_aggregates(conn, dsn, data_dir, tmp_path):
    conn.execute("DROP TABLE IF EXISTS flight_minute_origin_stats, flight_minute_stats, flight_origin_hour_stats, stream_progress")
    conn.commit()
    start = "2001-03-05T12:00:00"
    run("streaming.ipynb", tmp_path, flights=str(data_dir / "flights-3m.parquet"), replay_start=start,
        replay_hours=2.0, speed=7200.0, trigger_seconds=1.0, checkpoint=str(tmp_path / "checkpoint"),
        timeout_seconds=600.0, dsn=dsn)
    truth = flight_truth(data_dir, start, 2)
    flights, minutes, sum_delay = conn.execute(
        "SELECT sum(flights), count(*), sum(sum_delay) FROM flight_minute_stats"
    ).fetchone()
    expected = (truth["flights"].sum(), truth["minute"].nunique(), truth["sum_delay"].sum())
    assert (int(flights), int(minutes), int(sum_delay)) == tuple(int(x) for x in expected)
    assert conn.execute("SELECT count(*) FROM flight_minute_origin_stats").fetchone()[0] == len(truth)


def test_scheduled_run_runner_executes_a_notebook_and_keeps_its_output(conn, dsn, data_dir, tmp_path):
    """charts/scheduled-notebooks/files/run.py, as its CronJob runs it (local source and output here)."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    params = tmp_path / "params.json"
    params.write_text(json.dumps({"source": str(data_dir / "iowa-electricity.csv"), "table": "scheduled_iowa", "dsn": dsn}))
    env = {
        **os.environ,
        "RUN_NAME": "iowa",
        "RUN_SOURCE": str(NOTEBOOKS),
        "RUN_NOTEBOOK": "upload-dataset.ipynb",
        "RUN_OUTPUT": str(tmp_path / "outputs" / "iowa"),
        "RUN_PARAMETERS": str(params),
        "RUN_WORKDIR": str(tmp_path / "work"),
    }
    runner = REPO / "charts" / "scheduled-notebooks" / "files" / "run.py"
    proc = subprocess.run([sys.executable, str(runner)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outputs = list((tmp_path / "outputs" / "iowa").glob("*.ipynb"))
    assert len(outputs) == 1 and outputs[0].name.endswith("Z.ipynb")
    assert conn.execute("SELECT count(*) FROM scheduled_iowa").fetchone()[0] == 51


def test_scheduled_run_runner_fails_and_still_keeps_the_output(dsn, tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    params = tmp_path / "params.json"
    params.write_text(json.dumps({"source": str(tmp_path / "missing.csv"), "table": "never", "dsn": dsn}))
    env = {
        **os.environ,
        "RUN_NAME": "broken",
        "RUN_SOURCE": str(NOTEBOOKS),
        "RUN_NOTEBOOK": "upload-dataset.ipynb",
        "RUN_OUTPUT": str(tmp_path / "outputs"),
        "RUN_PARAMETERS": str(params),
        "RUN_WORKDIR": str(tmp_path / "work"),
    }
    runner = REPO / "charts" / "scheduled-notebooks" / "files" / "run.py"
    proc = subprocess.run([sys.executable, str(runner)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert "FileNotFoundError" in proc.stderr
    assert len(list((tmp_path / "outputs").glob("*.ipynb"))) == 1


def test_a_scheduled_notebook_imports_the_images_spark_as_a_server_would(tmp_path):
    """The default image (docker-stacks pyspark-notebook) has Spark's Python only on start.sh's PYTHONPATH;
    the CronJob runs run.py directly, so run.py must put $SPARK_HOME/python and its py4j first itself."""
    import os
    import subprocess
    import sys
    import zipfile

    from conftest import REPO

    spark_home = tmp_path / "spark"
    (spark_home / "python" / "pyspark").mkdir(parents=True)
    (spark_home / "python" / "pyspark" / "__init__.py").write_text("FROM = 'SPARK_HOME'\n")
    (spark_home / "python" / "lib").mkdir()
    with zipfile.ZipFile(spark_home / "python" / "lib" / "py4j-0.10.9.9-src.zip", "w") as z:
        z.writestr("py4j/__init__.py", "FROM = 'SPARK_HOME'\n")
    source = tmp_path / "source"
    source.mkdir()
    cell = "import pyspark, py4j\nassert pyspark.FROM == py4j.FROM == 'SPARK_HOME', (pyspark.__file__, py4j.__file__)\n"
    (source / "spark-check.ipynb").write_text(json.dumps({
        "cells": [{"id": "spark-check", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": cell}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }))
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),
        "RUN_NAME": "spark-check",
        "RUN_SOURCE": str(source),
        "RUN_NOTEBOOK": "spark-check.ipynb",
        "RUN_OUTPUT": str(tmp_path / "outputs"),
        "RUN_WORKDIR": str(tmp_path / "work"),
    }
    env.pop("RUN_PARAMETERS", None)
    runner = REPO / "charts" / "scheduled-notebooks" / "files" / "run.py"
    proc = subprocess.run([sys.executable, str(runner)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
