"""Runs one scheduled notebook: copy the source folder, execute with Papermill, keep the output.

Environment (set by the CronJob): RUN_NAME, RUN_SOURCE (s3://bucket/prefix/ or a local folder),
RUN_NOTEBOOK (path inside the source), RUN_OUTPUT (s3://bucket/prefix/<run> or a local folder),
RUN_PARAMETERS (a JSON file), RUN_WORKDIR (scratch folder), RUN_KERNEL. The executed notebook goes to
<RUN_OUTPUT>/<UTC time>.ipynb even when a cell fails; the exit status tells Kubernetes the outcome.
"""

import datetime
import json
import os
import shutil
import sys
from pathlib import Path

import papermill


def copy_source(source: str, workdir: Path) -> None:
    if source.startswith("s3://"):
        import boto3  # AWS_ENDPOINT_URL selects an S3-compatible store; the pod's identity signs

        bucket, _, prefix = source[5:].partition("/")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        s3 = boto3.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(prefix):]
                if not rel or rel.endswith("/"):
                    continue
                target = workdir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, obj["Key"], str(target))
    else:
        shutil.copytree(source, workdir, dirs_exist_ok=True)


def spark_python_path(env) -> str | None:
    """PYTHONPATH with Spark's Python (and its py4j) first, where the image has Spark under SPARK_HOME.

    Jupyter Docker Stacks' pyspark-notebook puts them on PYTHONPATH only in start.sh's hook
    (images/pyspark-notebook/setup_spark.py links before-notebook.d/10spark-config.sh to
    $SPARK_HOME/sbin/spark-config.sh, which prepends both). The CronJob runs this file directly, not through
    start.sh, so the same paths are added here, for the kernels Papermill starts. What PYTHONPATH already
    holds (the notebook extras' folder) stays after them."""
    home = env.get("SPARK_HOME")
    python = Path(home) / "python" if home else None
    if python is None or not python.is_dir():
        return None
    spark = [str(python), *sorted(str(p) for p in (python / "lib").glob("py4j-*-src.zip"))]
    existing = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join([*(p for p in spark if p not in existing), *existing])


def main() -> int:
    env = os.environ
    path = spark_python_path(env)
    if path:
        env["PYTHONPATH"] = path
    name = env["RUN_NAME"]
    workdir = Path(env.get("RUN_WORKDIR", "/scratch/work"))
    workdir.mkdir(parents=True, exist_ok=True)
    copy_source(env["RUN_SOURCE"], workdir)
    parameters = json.loads(Path(env["RUN_PARAMETERS"]).read_text()) if env.get("RUN_PARAMETERS") else {}
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    output = f"{env['RUN_OUTPUT'].rstrip('/')}/{stamp}.ipynb"
    if not output.startswith("s3://"):
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    notebook = workdir / env["RUN_NOTEBOOK"]
    print(f"run {name}: {notebook} -> {output} with {parameters}", flush=True)
    try:
        papermill.execute_notebook(
            str(notebook), output, parameters=parameters, cwd=str(notebook.parent),
            kernel_name=env.get("RUN_KERNEL", "python3"), log_output=True, progress_bar=False,
        )
    except papermill.PapermillExecutionError as e:
        print(f"run {name} failed in cell {e.exec_count}: {e.ename}: {e.evalue}; output kept at {output}", file=sys.stderr)
        return 1
    print(f"run {name}: done, output at {output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
