"""Runs the example SparkApplications of the edge plan the way the cluster runs them, against SeaweedFS.

What comes from the plan (`npm run plan -- --stack edge --json`, or the file $DATAVIS_PLAN_JSON): the
sample-data Job's command, each SparkApplication's sparkConf, arguments, driver env and init container
command. What the test machine stands in for, and nothing else:
- the object store's in-cluster endpoint -> the loopback SeaweedFS (same buckets, path-style, SigV4);
- /opt/spark/bin/spark-submit -> the venv's spark-submit (pyspark == SPARK_VERSION, from PyPI);
- /opt/spark/work-dir/jobs/<file> (the jobs ConfigMap) -> the same file in the repository;
- /opt/datavis/sample-data (baked into the image) -> the vega-datasets files, checked against the same
  sha256 list the image build checks (images/spark/sample-data.sha256);
- /opt/spark/jars (the image's jars) -> the jars of images/spark/jars.txt, fetched once into a cache by
  images/spark/fetch-jars.sh (the script the Dockerfile runs) and put on the driver's class path. Nothing
  is resolved at job start: the plan's commands carry no spark.jars.packages (a unit test checks that).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPARK_IMAGE_DIR = REPO / "images" / "spark"
JOB_SOURCES = [REPO / "notebooks" / "spark", REPO / "components" / "platform" / "services"]
IN_IMAGE_SPARK_SUBMIT = "/opt/spark/bin/spark-submit"
IN_IMAGE_JOBS = "/opt/spark/work-dir/jobs/"
IN_IMAGE_SAMPLE_DATA = "/opt/datavis/sample-data"
ENDPOINT_KEY = "spark.hadoop.fs.s3a.endpoint"


def load_plan() -> dict:
    if os.environ.get("DATAVIS_PLAN_JSON"):
        return json.loads(Path(os.environ["DATAVIS_PLAN_JSON"]).read_text())
    # Exit 1 (a policy violation) still prints the plan; only the document matters here.
    proc = subprocess.run(["npm", "run", "-s", "plan", "--", "--stack", "edge", "--json"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"plan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def spark_resources(plan: dict) -> dict:
    """{"stage": Job command, "apps": {name: SparkApplication spec}, "tenants": {tenant of each app}} from the
    plan's resources."""
    out = {"stage": None, "apps": {}, "tenants": set()}
    for r in plan["resources"]:
        if r["type"].endswith(":SparkApplication"):
            out["apps"][r["inputs"]["metadata"]["name"]] = r["inputs"]["spec"]
            out["tenants"].add(r["inputs"]["metadata"]["labels"]["datavis.io/tenant"])
        elif r["type"] == "kubernetes:batch/v1:Job" and r["name"].startswith("spark-stage-sample-data"):
            out["stage"] = r["inputs"]["spec"]["template"]["spec"]["containers"][0]["command"]
    return out


def edge_object_store(tenants: list[str]) -> dict:
    """The edge program's SeaweedFS identities document and the keys each holder gets, for these tenants
    (tests/lib/edge-s3-identities.ts: the Secret `seaweedfs-s3-identities`, each tenant namespace's
    `spark-s3` keys, the sample-data Job's keys). The JSON plan redacts Secrets; this runs the same program."""
    proc = subprocess.run(["node", "-r", "./tools/register.js", "tests/lib/edge-s3-identities.ts", *tenants],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"tests/lib/edge-s3-identities.ts failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def jar_coordinates() -> list[tuple[str, str]]:
    """(sha256, file name) of every jar in images/spark/jars.txt."""
    jars = []
    for line in (SPARK_IMAGE_DIR / "jars.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            sha, coord = line.split()
            _, artifact, version = coord.split(":")
            jars.append((sha, f"{artifact}-{version}.jar"))
    return jars


def image_jars() -> list[Path]:
    """The image's jars, fetched once (cache keyed by jars.txt's content) and checked against their sha256."""
    listing = (SPARK_IMAGE_DIR / "jars.txt").read_bytes()
    default = Path(os.environ.get("DATAVIS_CACHE", Path.home() / ".cache" / "datavis")) / "spark-jars" / (
        hashlib.sha256(listing).hexdigest()[:16])
    folder = Path(os.environ.get("DATAVIS_SPARK_JARS", default))
    subprocess.run(["sh", str(SPARK_IMAGE_DIR / "fetch-jars.sh"), str(SPARK_IMAGE_DIR / "jars.txt"), str(folder)],
                   check=True, timeout=3600)
    return [folder / name for _, name in jar_coordinates()]


def sample_data(data_dir: Path, into: Path) -> Path:
    """The image's sample-data folder: the vega-datasets files the Dockerfile copies, sha256-checked."""
    into.mkdir(parents=True, exist_ok=True)
    for line in (SPARK_IMAGE_DIR / "sample-data.sha256").read_text().split("\n"):
        if not line.strip():
            continue
        sha, name = line.split()
        src = data_dir / name
        got = hashlib.sha256(src.read_bytes()).hexdigest()
        if got != sha:
            raise AssertionError(f"{src}: sha256 {got}, images/spark/sample-data.sha256 pins {sha}")
        shutil.copyfile(src, into / name)
    return into


class Localizer:
    """Turns a command or conf of the plan into one that runs here (see the module's docstring)."""

    def __init__(self, endpoint: str, jars: list[Path], sample_dir: Path):
        self.endpoint, self.jars, self.sample_dir = endpoint, jars, sample_dir
        self.spark_submit = str(Path(sys.executable).parent / "spark-submit")

    def job_file(self, in_image: str) -> str:
        name = in_image[len(IN_IMAGE_JOBS):]
        for folder in JOB_SOURCES:
            if (folder / name).exists():
                return str(folder / name)
        raise FileNotFoundError(f"{in_image}: no {name} in {[str(f) for f in JOB_SOURCES]}")

    def value(self, v: str) -> str:
        if v == IN_IMAGE_SPARK_SUBMIT:
            return self.spark_submit
        if v.startswith(IN_IMAGE_JOBS):
            return self.job_file(v)
        if v == IN_IMAGE_SAMPLE_DATA:
            return str(self.sample_dir)
        if v.startswith(f"{ENDPOINT_KEY}="):
            return f"{ENDPOINT_KEY}={self.endpoint}"
        return v

    def classpath_conf(self) -> list[str]:
        # /opt/spark/jars is on the JVM class path in the image; here the same jars, by the same route.
        cp = ":".join(str(j) for j in self.jars)
        return ["--conf", f"spark.driver.extraClassPath={cp}", "--conf", f"spark.executor.extraClassPath={cp}"]

    def command(self, cmd: list[str]) -> list[str]:
        """An in-image spark-submit command (init container, Job) for this machine."""
        assert cmd[0] == IN_IMAGE_SPARK_SUBMIT, cmd
        out = [self.value(c) for c in cmd]
        return [out[0], *self.classpath_conf(), *out[1:]]

    def application(self, spec: dict, extra_args: list[str] = (), master: str = "local[2]") -> list[str]:
        """spark-submit of a SparkApplication spec: its sparkConf and arguments, its main file."""
        assert spec["mainApplicationFile"].startswith("local://"), spec["mainApplicationFile"]
        conf = [x for k, v in spec["sparkConf"].items() for x in ("--conf", self.value(f"{k}={v}"))]
        main = self.job_file(spec["mainApplicationFile"][len("local://"):])
        return [self.spark_submit, "--master", master, *self.classpath_conf(), *conf, main,
                *spec.get("arguments", []), *extra_args]
