"""Usage history backfill: ``tenure import events`` of BENCH_ROWS rows (default 3,000,000) into a fresh database.

Measures the first import (every row created) and a re-import of the same file (every row unchanged) through
the same path as the command line: rows/s, the process's peak memory (ru_maxrss), and for the first import
the database's final size and the bytes it wrote, to check that the import writes no more than about twice
what it keeps (targets: at least 20,000 rows/s, writes at most ~2x the final size, memory flat in the size).

The file is time-ordered like a warehouse export: 500 accounts, 2,000 users, 12 event names over a year,
a ``plan`` column that becomes a property, and one row in 500 repeated in the same second (kept and counted).

SQLite in a new temporary directory by default, removed at the end unless BENCH_KEEP is set (bytes written: this
process's /proc/self/io write_bytes; size: the database file plus its WAL, and without the WAL). BENCH_DATABASE_URL
measures PostgreSQL (its usage tables are truncated first; bytes written: the server's WAL bytes from pg_stat_wal,
which counts every database of the server: run it alone; size: the event log's partitions, seen message ids and
rollup tables with their indexes).
"""

import csv
import datetime as dt
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

DATA_DIR = Path(tempfile.mkdtemp(prefix="tenure-bench-events-"))
os.environ["TENURE_DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("TENURE_DEBUG", "false")  # as in production: Django keeps no log of the queries
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tenure.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tenure.accounts.models import Account  # noqa: E402
from tenure.integrations.csv_import import import_csv  # noqa: E402
from tenure.usage import models as usage  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 3_000_000))
ACCOUNTS, USERS = 500, 2_000
NAMES = ["Logged In", "Dashboard Viewed", "Report Exported", "Alert Created", "Invite Sent", "Search Run",
         "Filter Applied", "Chart Shared", "Export Scheduled", "Comment Added", "Integration Synced", "Page Viewed"]
USAGE_TABLES = (usage.Event, usage.DailyUserFeature, usage.DailyUserActivity, usage.DailyFeatureUsage,
                usage.DailyAccountActivity, usage.Feature, usage.ProductUser, usage.SeenMessage, usage.Backfill)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(11)
    start = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    step = 365 * 86400 / rows
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account_crm_id", "user_id", "event", "timestamp", "plan"])
        previous = None
        for n in range(rows):
            if previous and n % 500 == 0:
                w.writerow(previous)  # the same event again in the same second
                continue
            user = rng.randrange(USERS)
            ts = start + dt.timedelta(seconds=int(n * step))
            previous = [f"CRM-{user % ACCOUNTS:04d}", f"user-{user}", NAMES[rng.randrange(len(NAMES))],
                        ts.strftime("%Y-%m-%dT%H:%M:%SZ"), ("pro", "team", "free")[user % 3]]
            w.writerow(previous)


def written_bytes() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT wal_bytes FROM pg_stat_wal")
            return int(cursor.fetchone()[0])
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def database_bytes() -> int:
    if connection.vendor == "postgresql":
        tables = ", ".join(f"'{m._meta.db_table}'" for m in USAGE_TABLES)
        with connection.cursor() as cursor:
            # The event log is partitioned by month: its size is its partitions'.
            cursor.execute(f"SELECT sum(pg_total_relation_size(r)) FROM (SELECT t::regclass AS r FROM "
                           f"unnest(ARRAY[{tables}]) t UNION SELECT relid FROM pg_partition_tree(%s)) x",
                           [usage.Event._meta.db_table])
            return int(cursor.fetchone()[0])
    path = Path(connection.settings_dict["NAME"])
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def wal_bytes() -> int:
    """SQLite: the size of the write-ahead log, which keeps the size of the largest transaction until truncated."""
    wal = Path(f"{connection.settings_dict['NAME']}-wal")
    return wal.stat().st_size if connection.vendor == "sqlite" and wal.exists() else 0


def wipe_usage() -> None:
    """Start from empty usage tables: on PostgreSQL truncated, so that the growth measured is not rows written
    into the space of deleted ones."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in USAGE_TABLES)}")
        return
    for model in USAGE_TABLES:
        model.objects.all().delete()


def main() -> None:
    call_command("migrate", verbosity=0)
    wipe_usage()
    Account.objects.filter(crm_id__startswith="CRM-").delete()
    Account.objects.bulk_create([Account(name=f"Account {n}", crm_id=f"CRM-{n:04d}") for n in range(ACCOUNTS)])
    path = DATA_DIR / "events.csv"
    write_file(path, ROWS)
    connection.close()
    print(f"{ROWS:,} event rows, file {path.stat().st_size / 1e6:.0f} MB, database {connection.vendor}")
    print(f"peak memory before importing: {peak_mb():.0f} MB")
    for label in ("first import", "re-import   "):
        size_before, wal_before, written_before = database_bytes(), wal_bytes(), written_bytes()
        start = time.perf_counter()
        result = import_csv("events", path)
        seconds = time.perf_counter() - start
        assert result.ok, result.error_lines()[:5]
        print(f"{label}: {seconds:6.1f} s  {ROWS / seconds:8,.0f} rows/s  ({result.summary()})  "
              f"peak memory {peak_mb():.0f} MB")
        if label == "first import":
            size, written = database_bytes() - size_before, written_bytes() - written_before
            wal = wal_bytes() - wal_before
            print(f"  database grew {size / 1e6:,.0f} MB, wrote {written / 1e6:,.0f} MB "
                  f"({written / max(size, 1):.1f}x its growth"
                  + (f"; {written / max(size - wal, 1):.1f}x without the {wal / 1e6:,.0f} MB of WAL file)" if wal
                     else ")"))
    stored = usage.Event.objects.count()
    print(f"events stored: {stored:,}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if not os.environ.get("BENCH_KEEP"):  # a 3M-row run leaves GBs behind otherwise
            shutil.rmtree(DATA_DIR, ignore_errors=True)
