"""Demo build time: ``tenure demo --no-serve`` at its default size, into a fresh temporary database.

Prints the seconds taken (migrate, then the build: plan, validation, wipe and bulk writes in one
transaction) and what the demo holds. SQLite in a new temporary directory by default; set
BENCH_DATABASE_URL to measure another database (its demo rows are replaced). BENCH_ACCOUNTS and BENCH_SEED
change the size and the seed.
"""

import os
import sys
import tempfile
import time

DATA_DIR = tempfile.mkdtemp(prefix="tenure-bench-demo-")
os.environ["TENURE_DATA_DIR"] = DATA_DIR
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DATA_DIR}/tenure.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from tenure.demo.models import DemoScenario  # noqa: E402
from tenure.demo.plan import DEFAULT_ACCOUNTS, DEFAULT_SEED  # noqa: E402
from tenure.demo.services import build_demo  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", DEFAULT_ACCOUNTS))
SEED = int(os.environ.get("BENCH_SEED", DEFAULT_SEED))


def main() -> None:
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - t0
    result = build_demo(seed=SEED, accounts=ACCOUNTS, reset=True)
    total = time.perf_counter() - t0
    print(f"database: {connection.vendor} ({os.environ['DATABASE_URL'].split('@')[-1]})")
    print(f"migrate: {migrated:.2f} s   build: {result.seconds:.2f} s   total: {total:.2f} s")
    for what, n in result.counts.items():
        print(f"  {what:<16} {n:>7,}")
    links = sum(len(t.contacts) for t in result.plan.touches)
    print(f"  {'touch contacts':<16} {links:>7,}")
    print("scenarios:")
    for row in DemoScenario.objects.values("scenario").annotate(n=Count("id")).order_by("scenario"):
        print(f"  {row['scenario']:<16} {row['n']:>7,}")
    print("churned accounts by cause:")
    churned = DemoScenario.objects.filter(churned_on__isnull=False)
    for row in churned.values("cause").annotate(n=Count("id")).order_by("cause"):
        print(f"  {row['cause']:<16} {row['n']:>7,}")


if __name__ == "__main__":
    main()
