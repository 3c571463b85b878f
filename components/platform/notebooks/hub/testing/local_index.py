"""A PyPI simple index (PEP 503) on 127.0.0.1 serving the notebook extras' wheels, so that the stand-in
spawner's init containers install the lock (components/platform/notebooks/extras/requirements.lock) exactly
as a pod does, but never from the internet during a test. The wheels are downloaded once from PyPI with
`pip download --require-hashes` of the same lock and cached under $DATAVIS_CACHE/notebook-extras/.
"""

import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "extras" / "requirements.lock"


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def wheelhouse():
    """The lock's wheels for this Python, downloaded once (hashes checked by pip) and cached."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("DATAVIS_CACHE", Path.home() / ".cache" / "datavis"))
    target = cache / "notebook-extras" / f"cp{sys.version_info[0]}{sys.version_info[1]}-{digest}"
    if not (target / ".complete").exists():
        tmp = Path(tempfile.mkdtemp(prefix="wheelhouse-"))
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
             "--require-hashes", "--only-binary=:all:", "-r", str(LOCK), "-d", str(tmp)],
            check=True,
        )
        (tmp / ".complete").write_text("")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(tmp), target)
    return target


class LocalIndex:
    """A PEP 503 simple index of a wheelhouse on 127.0.0.1, recording what was downloaded."""

    def __init__(self, wheels):
        self.root = Path(tempfile.mkdtemp(prefix="pypi-"))
        files = self.root / "files"
        files.mkdir()
        projects = {}
        for wheel in sorted(wheels.glob("*.whl")):
            shutil.copy(wheel, files / wheel.name)
            sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
            projects.setdefault(normalize(wheel.name.split("-")[0]), []).append((wheel.name, sha))
        for project, entries in projects.items():
            page = self.root / "simple" / project
            page.mkdir(parents=True)
            links = "".join(f'<a href="/files/{n}#sha256={h}">{n}</a>\n' for n, h in entries)
            (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
        self.downloads = []
        index = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(index.root), **kw)

            def do_GET(self):
                if self.path.startswith("/files/"):
                    index.downloads.append(self.path[len("/files/"):])
                super().do_GET()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/simple/"
        self.projects = projects
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        shutil.rmtree(self.root, ignore_errors=True)


