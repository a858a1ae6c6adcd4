"""Scoring as background jobs, for real: in `tenure serve` (embedded, huey on SQLite) and on two `tenure worker`
processes sharing a Redis queue. Each run gets its own data directory and file database; assertions read it."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_processes

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 13  # this test's own Redis database: only it is flushed
ACCOUNTS = 12

SETUP = """
import datetime as dt
from django.utils import timezone
from tenure.health.services import score_batch
from tests.factories import make_account, make_subscription
from tenure import pipeline

today = timezone.localdate()
ids = []
for i in range({accounts}):
    a = make_account(name=f"Job {{i}}")
    make_subscription(a, start_date=today - dt.timedelta(days=100), end_date=today + dt.timedelta(days=200))
    ids.append(a.pk)
for batch in pipeline.batches(ids, 3):
    score_batch(batch, today.isoformat())
print("queued", len(ids))
"""


def _env(tmp_path: Path, queue_url: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL"))}
    env.update(TENURE_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/tenure.sqlite3",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]), TENURE_WORKERS="2")
    if queue_url:
        env["TENURE_QUEUE_URL"] = queue_url
    return env


def _tenure(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tenure", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True, **kw)


def _snapshots(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "tenure.sqlite3", timeout=10) as db:
        return db.execute("SELECT COUNT(DISTINCT account_id) FROM health_healthsnapshot").fetchone()[0]


def _wait_for_snapshots(tmp_path: Path, procs: list[subprocess.Popen]) -> int:
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline:
        count = _snapshots(tmp_path)
        if count >= ACCOUNTS or any(p.poll() is not None for p in procs):
            break
        time.sleep(0.5)
    return count


def _stop(procs: list[subprocess.Popen]) -> str:
    output = ""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            output += p.communicate(timeout=20)[0] or ""
        except subprocess.TimeoutExpired:
            p.kill()
            output += p.communicate()[0] or ""
    return output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_embedded_mode_scores_inside_tenure_serve(tmp_path):
    env = _env(tmp_path)
    _tenure(env, "migrate")
    _tenure(env, "shell", "-c", SETUP.format(accounts=ACCOUNTS))  # queued in jobs.sqlite3 beside the database
    assert _snapshots(tmp_path) == 0
    serve = subprocess.Popen([sys.executable, "-m", "tenure", "serve", "--no-migrate", "--port", str(_free_port())],
                             env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        count = _wait_for_snapshots(tmp_path, [serve])
    finally:
        output = _stop([serve])
    assert count == ACCOUNTS, output


def _redis_or_skip():
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Redis worker test, but Redis at 127.0.0.1:6379 is not reachable: {exc}")
        pytest.skip(f"Redis is not reachable at 127.0.0.1:6379 ({exc}); start redis-server to run this test")
    return client


def test_two_workers_share_scoring_batches_through_redis(tmp_path):
    client = _redis_or_skip()
    client.flushdb()
    env = _env(tmp_path, f"redis://127.0.0.1:6379/{REDIS_DB}")
    _tenure(env, "migrate")
    workers = [subprocess.Popen([sys.executable, "-m", "tenure", "worker", "--workers", "1"], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    try:
        _tenure(env, "shell", "-c", SETUP.format(accounts=ACCOUNTS))  # 4 batches on the Redis queue
        count = _wait_for_snapshots(tmp_path, workers)
    finally:
        output = _stop(workers)
        client.flushdb()
    assert count == ACCOUNTS, output
    assert "score_batch" in output
