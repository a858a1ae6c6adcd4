"""Ingestion throughput in one process, without HTTP: Segment-format batches through the same code as
POST /v1/batch (validation, identity, the event log), then the rollup pass that counts them.

Prints events per second into a fresh database (SQLite by default; set DATABASE_URL for PostgreSQL), for
batches of 100 messages (the SDKs' default upload size) spread over 200 accounts and 2,000 users, and the rollup
pass's rate. bench/ingest_http.py measures the served endpoint with several senders and processes.
"""

import datetime as dt
import os
import sys
import tempfile
import time

os.environ.setdefault("TENURE_DATA_DIR", tempfile.mkdtemp(prefix="tenure-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from tenure.usage.models import Event  # noqa: E402
from tenure.usage.rollups import roll_up_all  # noqa: E402
from tenure.usage.services import ingest  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "50000"))
BATCH = int(os.environ.get("BENCH_BATCH", "100"))
ACCOUNTS, USERS = 200, 2000
NAMES = ["Logged In", "Dashboard Viewed", "Report Exported", "Alert Created", "Invite Sent", "Search Run"]


def main() -> None:
    call_command("migrate", verbosity=0)
    start_day = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    groups = [{"type": "group", "messageId": f"g{u}", "userId": f"user{u}", "groupId": f"acct{u % ACCOUNTS}",
               "traits": {"name": f"Account {u % ACCOUNTS}"}} for u in range(USERS)]
    for i in range(0, len(groups), BATCH):
        ingest(groups[i : i + BATCH])
    t0 = time.perf_counter()
    for b in range(0, EVENTS, BATCH):
        batch = []
        for i in range(b, min(b + BATCH, EVENTS)):
            ts = start_day + dt.timedelta(minutes=i % (60 * 24 * 60))
            batch.append({"type": "track", "messageId": f"e{i}", "userId": f"user{(i * 7919) % USERS}",
                          "event": NAMES[i % len(NAMES)], "timestamp": ts.isoformat()})
        ingest(batch)
    elapsed = time.perf_counter() - t0
    stored = Event.objects.filter(type="track").count()
    print(f"ingest: {stored} events in {elapsed:.1f} s = {stored / elapsed:,.0f} events/s "
          f"(batches of {BATCH}, {os.environ.get('DATABASE_URL', 'SQLite')})")
    t0 = time.perf_counter()
    roll_up_all()
    elapsed = time.perf_counter() - t0
    print(f"rollup passes: {stored} events counted in {elapsed:.2f} s = {stored / elapsed:,.0f} events/s")
    t0 = time.perf_counter()
    ingest([{"type": "track", "messageId": f"e{i}", "userId": "user1", "event": "X"} for i in range(BATCH)])
    print(f"replayed batch of {BATCH}: {(time.perf_counter() - t0) * 1000:.0f} ms, stored again: "
          f"{Event.objects.filter(type='track').count() - stored}")


if __name__ == "__main__":
    main()
