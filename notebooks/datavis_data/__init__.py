"""Shared helpers of the example notebooks: database connection, dataset upload, batch ETL."""

__all__ = ["db", "upload", "etl", "spark_jobs"]
