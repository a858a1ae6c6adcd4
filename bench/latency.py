"""Shared by the latency benchmarks: a database to run in (a new SQLite file, or a PostgreSQL database created if
missing), migrated and set up for Django; timing of calls; percentiles."""

import os
import sys
import time


def database(postgres_url: str, data_dir: str, postgres: bool) -> str:
    """Point Django at BENCH_DATABASE_URL, else ``postgres_url`` (with ``postgres``) or a SQLite file in
    ``data_dir``; create a missing PostgreSQL database; migrate. Returns the database's URL."""
    os.environ["TENURE_DATA_DIR"] = data_dir
    os.environ.setdefault("TENURE_DEBUG", "false")
    url = os.environ.get("BENCH_DATABASE_URL") or (postgres_url if postgres else f"sqlite:///{data_dir}/t.sqlite3")
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def timed(calls) -> list[float]:
    """Each call's wall time in milliseconds."""
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
