"""Creates the Spark event-log directory (an S3A directory marker) if it is missing."""
import sys

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("ensure-event-log-dir").getOrCreate()
path = spark._jvm.org.apache.hadoop.fs.Path(sys.argv[1])
path.getFileSystem(spark._jsc.hadoopConfiguration()).mkdirs(path)
print(f"event-log directory ready: {sys.argv[1]}")
spark.stop()
