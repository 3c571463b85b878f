/**
 * The project's Spark image (images/spark/Dockerfile): the pinned apache/spark image (IMAGES.spark) with the
 * S3A and PostgreSQL JDBC jars in /opt/spark/jars and the example sample data in SAMPLE_DATA_DIR, so no
 * Spark process downloads anything at start (air-gapped sites included). Its reference is IMAGES.sparkJobs
 * in the versions module, where the images workflow (tools/release/pin-image.ts) re-pins what it builds.
 */
import { IMAGES } from "../../versions";

/** hadoop-aws: the Hadoop that Spark 4.0.x is built with (its hadoop-client jars are 3.4.1). */
export const HADOOP_AWS_VERSION = "3.4.1";

/** The SparkApplications' and the sample-data Job's image. */
export const SPARK_IMAGE = IMAGES.sparkJobs;

/** Where the image holds the sample data the examples read (vega-datasets files, checksum-verified). */
export const SAMPLE_DATA_DIR = "/opt/datavis/sample-data";

/** The sample data files: stocks.csv and sp500.csv for the batch ETL, flights-3m.parquet for streaming. */
export const SAMPLE_DATA_FILES = ["flights-3m.parquet", "sp500.csv", "stocks.csv"] as const;
