"""A `tenure worker` killed with SIGKILL in the middle of an all-accounts refresh loses nothing: the batch it held
stays claimed and not done, is queued again, and another worker finishes it. Real processes, Redis, a file
database."""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.health.test_job_modes import ROOT, _env, _redis_or_skip, _stop, _tenure

pytestmark = pytest.mark.own_processes

ACCOUNTS, BATCH = 120, 40  # a batch long enough (about a second) to be killed in the middle of
SETUP = f"""
import datetime as dt
from django.utils import timezone
from tenure import pipeline
from tests.factories import make_account, make_subscription
today = timezone.localdate()
for i in range({ACCOUNTS}):
    a = make_account(name=f"Kill {{i}}")
    make_subscription(a, start_date=today - dt.timedelta(days=100), end_date=today + dt.timedelta(days=200))
pipeline.BATCH_SIZE = {BATCH}
print("queued", pipeline.refresh_everyone())
"""
REQUEUE = ("import datetime as dt; from tenure import pipeline; "
           "print('requeued', pipeline.requeue_stalled(dt.timedelta(0)))")


def _batches(db_path) -> tuple[int, int]:
    """(claimed but not done, done)"""
    with sqlite3.connect(db_path, timeout=10) as db:
        return db.execute("SELECT COALESCE(SUM(claimed_at IS NOT NULL AND done_at IS NULL), 0), "
                          "COALESCE(SUM(done_at IS NOT NULL), 0) FROM changes_refreshbatch").fetchone()


def _worker(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tenure", "worker", "--workers", "1"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_killed_worker_leaves_no_account_unrefreshed(tmp_path):
    client = _redis_or_skip()
    client.flushdb()
    env = _env(tmp_path, "redis://127.0.0.1:6379/13")
    db_path = tmp_path / "tenure.sqlite3"
    _tenure(env, "migrate")
    _tenure(env, "shell", "-c", SETUP)  # four batches on the Redis queue
    first = _worker(env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _batches(db_path)[0] == 0:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)  # mid-batch: it holds a claimed batch
        first.wait(timeout=10)
        held, done = _batches(db_path)
        assert held == 1 and done < ACCOUNTS // BATCH
        requeued = _tenure(env, "shell", "-c", REQUEUE).stdout  # what the every-minute job does once the claim is old
        assert "requeued 1" in requeued, requeued
        second = _worker(env)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and _batches(db_path)[1] < ACCOUNTS // BATCH:
                time.sleep(0.3)
        finally:
            output = _stop([second])
    finally:
        if first.poll() is None:
            first.kill()
        client.flushdb()
    assert _batches(db_path) == (0, ACCOUNTS // BATCH), output
    with sqlite3.connect(db_path) as db:
        scored = db.execute("SELECT COUNT(DISTINCT account_id) FROM health_healthsnapshot").fetchone()[0]
    assert scored == ACCOUNTS
