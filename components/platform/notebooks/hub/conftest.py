"""One package index on 127.0.0.1 for every hub test (testing/local_index.py): the plans name it, so the
servers' init containers install the notebook extras from it, never from the internet."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
import harness  # noqa: E402
from local_index import LocalIndex, wheelhouse  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def package_index():
    index = LocalIndex(wheelhouse())
    harness.PACKAGE_INDEX = index
    yield index
    harness.PACKAGE_INDEX = None
    index.stop()
