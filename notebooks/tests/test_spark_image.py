"""The project's Spark image (images/spark) carries what the examples need, pinned to what the repo pins."""

from __future__ import annotations

import json
import re

import spark_on_s3 as sos
from conftest import REPO

DOCKERFILE = (sos.SPARK_IMAGE_DIR / "Dockerfile").read_text()


def test_the_image_copies_the_vega_datasets_version_the_repository_pins():
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["vega-datasets"]
    assert re.search(r"^ARG VEGA_DATASETS_VERSION=(\S+)$", DOCKERFILE, re.M).group(1) == pinned


def test_the_sample_data_checksums_are_those_of_the_files_the_tests_use(data_dir, tmp_path):
    copied = sos.sample_data(data_dir, tmp_path)  # raises on a differing sha256
    assert sorted(p.name for p in copied.iterdir()) == ["flights-3m.parquet", "sp500.csv", "stocks.csv"]


def test_the_jars_match_the_hadoop_that_pyspark_ships():
    import pyspark

    from pathlib import Path

    shipped = {p.name for p in (Path(pyspark.__file__).parent / "jars").iterdir()}
    hadoop = next(re.match(r"hadoop-client-api-(.+)\.jar", n).group(1) for n in shipped
                  if n.startswith("hadoop-client-api-"))
    names = [name for _, name in sos.jar_coordinates()]
    assert f"hadoop-aws-{hadoop}.jar" in names
    assert any(n.startswith("bundle-2.") for n in names)  # hadoop-aws 3.4 uses the AWS SDK v2 bundle
