"""The production layout, run for real (scripts/deploy-check): two web servers and two workers on PostgreSQL and
Redis, one of each killed mid-run, nothing acknowledged lost and every changed account refreshed.

It runs in the PostgreSQL pass (scripts/test-postgres), once per suite, against the same server; the SQLite pass
skips it. Without Redis it is skipped with the reason, except in CI, where it must run."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.health.test_job_modes import _redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith(("postgres://", "postgresql://")),
                                reason="the deploy check runs in the PostgreSQL pass (scripts/test-postgres)")


def test_two_web_servers_and_two_workers_survive_a_kill_of_each_and_lose_nothing():
    _redis_or_skip()
    # The PostgreSQL pass's server; the check makes a database of its own there.
    server = urlsplit(DATABASE_URL)._replace(path="", query="")
    env = {**os.environ, "TENURE_TEST_POSTGRES": urlunsplit(server)}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "deploy_check.py")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deploy check passed" in done.stdout
