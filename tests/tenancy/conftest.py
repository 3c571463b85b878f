"""Shared by the AWS policy tests: the dev plan (run once) and one moto server (server mode on loopback,
IAM enforcement switched on by each module once it has laid out its buckets and sessions); by the edge
object-store tests: the S3 identities the edge program registers (edge_s3.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from edge_s3 import edge_identities

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dev_plan():
    out = subprocess.run(["npm", "run", "-s", "plan", "--", "--stack", "dev", "--json"], cwd=REPO,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{url}/moto-api/", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def plan():
    """The edge program's S3 identities, buckets and held keys for tenants A and B of edge_s3.py."""
    return edge_identities()
