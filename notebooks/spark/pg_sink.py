"""PostgreSQL from a Spark driver, for the jobs in this folder.

Two ways in, one interface: psycopg where it is installed (the single-user image, scheduled runs, tests),
else JDBC through the driver's JVM, which is what the plain ``apache/spark`` image of the example
SparkApplications has (with the package org.postgresql:postgresql). Both read the libpq variables
(PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT); psycopg also takes a DSN.
Values are passed as text and cast in SQL, so both paths store exactly the same thing.
"""

from __future__ import annotations

import contextlib
import os


def _has_psycopg() -> bool:
    import importlib.util

    return importlib.util.find_spec("psycopg") is not None


class PsycopgSession:
    def __init__(self, dsn: str):
        import psycopg

        self.conn = psycopg.connect(dsn)

    def execute(self, statement: str) -> None:
        self.conn.execute(statement)

    def query_one(self, statement: str):
        return self.conn.execute(statement).fetchone()

    def insert_rows(self, table: str, columns: list[tuple[str, str]], rows) -> None:
        names = ", ".join(n for n, _ in columns)
        with self.conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([None if v is None else str(v) for v in r])

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


def jdbc_url() -> str:
    env = os.environ
    url = f"jdbc:postgresql://{env.get('PGHOST', 'localhost')}:{env.get('PGPORT', '5432')}/{env.get('PGDATABASE', '')}"
    params = []
    if env.get("PGSSLMODE"):
        params.append(f"sslmode={env['PGSSLMODE']}")
    if env.get("PGSSLROOTCERT"):
        params.append(f"sslrootcert={env['PGSSLROOTCERT']}")
    return url + ("?" + "&".join(params) if params else "")


class JdbcSession:
    def __init__(self, spark):
        jvm = spark._jvm
        props = jvm.java.util.Properties()
        props.setProperty("user", os.environ.get("PGUSER", ""))
        props.setProperty("password", os.environ.get("PGPASSWORD", ""))
        # The driver is called directly: a jar added with spark.jars lands in a class loader DriverManager does
        # not search (in the project's image it is in /opt/spark/jars, where either way works).
        self.conn = jvm.org.postgresql.Driver().connect(jdbc_url(), props)
        if self.conn is None:
            raise RuntimeError(f"the PostgreSQL JDBC driver does not accept {jdbc_url()}")
        self.conn.setAutoCommit(False)
        self._varchar = jvm.java.sql.Types.VARCHAR

    def execute(self, statement: str) -> None:
        st = self.conn.createStatement()
        try:
            st.execute(statement)
        finally:
            st.close()

    def query_one(self, statement: str):
        st = self.conn.createStatement()
        try:
            rs = st.executeQuery(statement)
            if not rs.next():
                return None
            return tuple(rs.getString(i + 1) for i in range(rs.getMetaData().getColumnCount()))
        finally:
            st.close()

    def insert_rows(self, table: str, columns: list[tuple[str, str]], rows) -> None:
        names = ", ".join(n for n, _ in columns)
        marks = ", ".join(f"CAST(? AS {t})" for _, t in columns)
        ps = self.conn.prepareStatement(f"INSERT INTO {table} ({names}) VALUES ({marks})")
        try:
            for r in rows:
                for i, v in enumerate(r, start=1):
                    if v is None:
                        ps.setNull(i, self._varchar)
                    else:
                        ps.setString(i, str(v))
                ps.addBatch()
            ps.executeBatch()
        finally:
            ps.close()

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


@contextlib.contextmanager
def session(spark, dsn: str = "", writer: str = "auto"):
    """A transaction: committed when the block ends, rolled back if it raises.

    writer: "psycopg", "jdbc", or "auto" (psycopg when installed, else JDBC).
    """
    if writer == "auto":
        writer = "psycopg" if _has_psycopg() else "jdbc"
    s = PsycopgSession(dsn) if writer == "psycopg" else JdbcSession(spark)
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()
