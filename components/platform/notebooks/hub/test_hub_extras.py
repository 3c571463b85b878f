"""A new user's first server on the default single-user image has what the examples need.

The default image (Jupyter Docker Stacks' pyspark-notebook) lacks papermill, psycopg, boto3 and the
Kubernetes client; every pod that runs it installs them at start with an init container
(components/platform/notebooks/python-extras.ts). Here that init container runs for real: the plan's
values (`npm run plan -- --stack edge --json --config notebookPackageIndex=<index>`) on a real JupyterHub,
the stand-in spawner running the init container's own command (pip, hashes required) against a PyPI
simple index served on 127.0.0.1 from a wheelhouse (conftest.py, testing/local_index.py), then the server's Python, in the server's
environment, importing what the upload notebook, the Spark job notebook, a scheduled Papermill run and the
home backup import. Nothing is fetched from the internet during the test; the wheelhouse is filled once
from PyPI with `pip download --require-hashes` of the same lock (cached under $DATAVIS_CACHE).

Run: python -m pytest components/platform/notebooks/hub/test_hub_extras.py (CI: .ci/suites/45-notebook-platform.sh).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
import harness  # noqa: E402
from harness import Browser, Hub, hub_values, plan, plan_config_maps, wait_until  # noqa: E402
from local_index import LOCK, normalize  # noqa: E402

REPO = Path(__file__).resolve().parents[4]
ADMIN = "platform-admin"
PASSWORD = "admin-passphrase-of-the-site-42"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


@pytest.fixture(scope="module")
def index():
    """The session's package index (conftest.py), which every hub test's plan names."""
    return harness.PACKAGE_INDEX


@pytest.fixture(scope="module")
def site(index):
    doc = plan("edge", notebookPackageIndex=index.url)
    hub = Hub(hub_values(doc), plan_config_maps(doc)).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def server(site):
    """The admin's first server (default profile), started like a new user does."""
    b = Browser(site).register(ADMIN, PASSWORD)
    assert b.start_server().status_code == 200, site.tail()
    wait_until(lambda: b.api("GET", f"/users/{ADMIN}").json()["servers"].get("", {}).get("ready"), what="server ready")
    return b.api("GET", f"/users/{ADMIN}").json()["servers"][""]["state"]


def run_in_server(state, code, extra_env=None):
    """`python -c code` with the server process's own interpreter and environment, as uid 1000 in its home."""
    pid = state["pid"]
    environ = dict(e.split("=", 1) for e in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0") if "=" in e)
    python = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()  # as started (a venv's python)
    done = subprocess.run(
        ["setpriv", "--reuid=1000", "--regid=100", "--clear-groups", "--", python, "-c", code],
        env={**environ, **(extra_env or {})}, cwd=environ["HOME"], capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_servers_init_container_installs_the_lock_from_the_sites_index(site, index, server):
    init = server["started_with"]["init_containers"]
    assert [c["name"] for c in init] == ["python-extras"] and init[0]["exit"] == 0, init
    assert index.url in init[0]["log"]
    # Every package of the lock came from this index (and nothing else was asked for).
    locked = {normalize(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", LOCK.read_text(), re.M)}
    fetched = {normalize(d.split("-")[0]) for d in index.downloads}
    assert fetched == locked


def test_the_servers_python_imports_what_the_examples_need_without_shadowing_the_image(server):
    extras = server["started_with"]["mounts"]["/opt/datavis/extras"]
    out = json.loads(run_in_server(server, (
        "import json, papermill, psycopg, boto3, kubernetes, datavis_data, tornado\n"
        "print(json.dumps({m.__name__: m.__file__ for m in (papermill, psycopg, boto3, kubernetes, datavis_data, tornado)}"
        " | {'pq': psycopg.pq.__impl__}))"
    )))
    for name in ("papermill", "psycopg", "boto3", "kubernetes"):
        assert out[name].startswith(extras + "/"), (name, out[name])
    assert out["pq"] == "binary"  # libpq in the wheel: no system library needed
    assert out["datavis_data"] == server["started_with"]["mounts"]["/opt/datavis/lib/datavis_data"] + "/__init__.py"
    # The image's own packages come first: the server's tornado is not the lock's copy.
    assert not out["tornado"].startswith(extras + "/"), out["tornado"]


@pytest.fixture
def scratch():
    """A folder uid 1000 may write (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="datavis-run-"))
    os.chmod(path, 0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_scheduled_papermill_run_executes_a_notebook_with_the_extras(server, scratch):
    """charts/scheduled-notebooks/files/run.py (what each CronJob runs) in the server's environment: papermill
    from the extras, a kernel that inherits them, a notebook importing psycopg, boto3 and datavis_data."""
    pytest.importorskip("ipykernel")
    tmp_path = scratch
    source = tmp_path / "source"
    source.mkdir()
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "name = 'x'", "outputs": [], "execution_count": None},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "import psycopg, boto3, kubernetes, datavis_data\nprint('imports ok for', name)"},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (source / "check.ipynb").write_text(json.dumps(nb))
    (tmp_path / "params.json").write_text(json.dumps({"name": "scheduled"}))
    out_dir = tmp_path / "out"
    os.chmod(source, 0o755)
    run_py = (REPO / "charts" / "scheduled-notebooks" / "files" / "run.py").read_text()
    run_in_server(server, run_py, {
        "RUN_NAME": "check", "RUN_SOURCE": str(source), "RUN_NOTEBOOK": "check.ipynb", "RUN_OUTPUT": str(out_dir),
        "RUN_PARAMETERS": str(tmp_path / "params.json"), "RUN_WORKDIR": str(tmp_path / "work"), "RUN_KERNEL": "python3",
    })
    executed = json.loads(next(out_dir.glob("*.ipynb")).read_text())
    text = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert "imports ok for scheduled" in text


def test_the_home_backup_script_gets_its_s3_client(server):
    backup = REPO / "components" / "platform" / "notebooks" / "backup"
    out = run_in_server(server, (
        f"import sys; sys.path.insert(0, {str(backup)!r}); import notebook_backup, botocore\n"
        "c = notebook_backup.s3_client(); print(type(c).__name__, botocore.__file__)"
    ), {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"})
    extras = server["started_with"]["mounts"]["/opt/datavis/extras"]
    assert out.startswith("S3 ") and out.split()[1].startswith(extras + "/"), out
