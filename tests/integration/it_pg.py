"""What the Python integration tests share (progress_tty.py,
pack_signal.py): failures collected by check(), and a database of their own
with the demo dataset on the throwaway PostgreSQL of scripts/test
(KPI_TEST_PG, the PG* environment)."""
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def demo_db(kpi, db):
    """Create `db` afresh with kpi's demo dataset; its conninfo. None (the
    caller skips: exit 77) without KPI_TEST_PG."""
    if not os.environ.get("KPI_TEST_PG"):
        return None
    conn = "dbname=" + db
    subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c",
                    "DROP DATABASE IF EXISTS %s" % db, "-c", "CREATE DATABASE %s" % db], check=True,
                   capture_output=True)
    subprocess.run([kpi, "seed", "demo", "--reset", "--db", conn], check=True, capture_output=True)
    return conn


def drop_db(db):
    subprocess.run(["psql", "-q", "-X", "-d", "postgres", "-c", "DROP DATABASE IF EXISTS %s" % db],
                   capture_output=True)


def verdict(name):
    """The test's exit status: 1 with the failures counted, else 0."""
    if failures:
        print("%s: %d failure(s)" % (name, len(failures)), file=sys.stderr)
        return 1
    print("%s: OK" % name)
    return 0


def run_test(name, kpi, db, body):
    """The test `name`: body(conninfo, a temporary directory) on a fresh
    demo database, both removed after; its exit status (77: skipped)."""
    conn = demo_db(kpi, db)
    if not conn:
        print("%s: KPI_TEST_PG not set (scripts/test starts PostgreSQL): skipped" % name)
        return 77
    tmp = tempfile.mkdtemp(prefix="kpi-%s." % name)
    try:
        body(conn, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        drop_db(db)
    return verdict(name)
