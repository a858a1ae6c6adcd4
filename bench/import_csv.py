"""CSV import speed and memory: 100,000 rows into a fresh SQLite database.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--kind accounts|contacts] [--database-url URL]

Prints rows/second for a first import (all created), a re-import of the same file (all unchanged), and an
import that changes every row (all updated), with the process's peak memory (ru_maxrss) before and after, so
the growth due to the import is visible. The file is streamed, so memory should not grow with its size.
"""

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def write_accounts(path: Path, rows: int, segment: str) -> None:
    stages = ["onboarding", "adopting", "mature", "renewing"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["crm_id", "name", "domain", "segment", "stage", "industry", "owner", "Plan Tier", "Region"])
        for n in range(rows):
            w.writerow([f"CRM-{n:06d}", f"Account {n}", f"https://www.account{n}.example/", segment,
                        stages[n % 4], "Software", f"csm{n % 20}", ["gold", "silver"][n % 2], "EU"])


def write_contacts(path: Path, rows: int, accounts: int, title: str) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "name", "title", "account_crm_id", "roles", "product_user_id"])
        for n in range(rows):
            w.writerow([f"Person{n}@Example.com", f"Person {n}", title, f"crm-{n % accounts:06d}",
                        "champion" if n % 10 == 0 else "user", f"u-{n}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kind", choices=["accounts", "contacts"], default="accounts")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tenure-bench-import-"))
    os.environ["TENURE_DATA_DIR"] = str(tmp)
    os.environ.setdefault("TENURE_DEBUG", "false")  # as in production: Django keeps no log of the queries
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from tenure.integrations.csv_import import import_csv
    from tenure.users.models import Role
    from tenure.users.services import create_user

    call_command("migrate", verbosity=0)
    for n in range(20):
        create_user(f"csm{n}", password=None, role=Role.CSM, email=f"csm{n}@vendor.example")

    first, changed = tmp / "first.csv", tmp / "changed.csv"
    if args.kind == "accounts":
        write_accounts(first, args.rows, "mid-market")
        write_accounts(changed, args.rows, "enterprise")
    else:
        accounts = max(args.rows // 20, 1)
        write_accounts(tmp / "accounts.csv", accounts, "mid-market")
        import_csv("accounts", tmp / "accounts.csv")
        write_contacts(first, args.rows, accounts, "Engineer")
        write_contacts(changed, args.rows, accounts, "Manager")

    print(f"{args.rows:,} {args.kind} rows, file {first.stat().st_size / 1e6:.1f} MB, "
          f"database {django.db.connection.vendor}")
    print(f"peak memory before importing: {peak_mb():.0f} MB")
    for label, path, expect in (
        ("first import", first, "created"),
        ("re-import   ", first, "unchanged"),
        ("all changed ", changed, "updated"),
    ):
        start = time.perf_counter()
        result = import_csv(args.kind, path)
        seconds = time.perf_counter() - start
        assert result.ok, result.error_lines()[:5]
        assert getattr(result, expect) == args.rows, result.summary()
        print(f"{label}: {seconds:6.1f} s  {args.rows / seconds:8,.0f} rows/s  ({result.summary()})  "
              f"peak memory {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
