"""Copies the sample data the Spark image carries to the datasets bucket: stage_sample_data.py SRC_DIR DEST.

SRC_DIR is a local folder (the image's /opt/datavis/sample-data), DEST a Hadoop URI (s3a://<datasets>/raw).
A file already at DEST with the same size is left as it is, so the Job can run again at no cost. Prints one
line per file and exits non-zero when SRC_DIR holds no file (an image without the data).
"""
import sys

from pyspark.sql import SparkSession


def stage(spark, src_dir: str, dest: str) -> dict:
    """{file name: "copied" | "present"} for every file in src_dir."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    Path = jvm.org.apache.hadoop.fs.Path
    src = Path("file://" + src_dir.rstrip("/"))
    local = src.getFileSystem(conf)
    target_dir = Path(dest.rstrip("/"))
    remote = target_dir.getFileSystem(conf)
    done = {}
    for status in sorted(local.listStatus(src), key=lambda s: s.getPath().getName()):
        if not status.isFile():
            continue
        name = status.getPath().getName()
        target = Path(target_dir, name)
        if remote.exists(target) and remote.getFileStatus(target).getLen() == status.getLen():
            done[name] = "present"
            continue
        remote.copyFromLocalFile(False, True, status.getPath(), target)
        done[name] = "copied"
    return done


def main(argv) -> int:
    if len(argv) != 2:
        print("usage: stage_sample_data.py SRC_DIR DEST", file=sys.stderr)
        return 2
    spark = SparkSession.builder.appName("stage-sample-data").getOrCreate()
    try:
        done = stage(spark, argv[0], argv[1])
    finally:
        spark.stop()
    for name, what in done.items():
        print(f"sample data {what}: {argv[1].rstrip('/')}/{name}")
    if not done:
        print(f"no sample data in {argv[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
