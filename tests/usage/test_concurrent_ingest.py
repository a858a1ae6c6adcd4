"""Concurrent batches that bring the same new users and accounts at once, on PostgreSQL through a real server:
no 5xx, every event stored once, and the rollups equal the raw events."""

import base64
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from tenure.accounts.models import Account
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, Event, ProductUser
from tenure.usage.services import create_write_key

SENDERS, REQUESTS, USERS, GROUPS = 6, 4, 24, 6


def _batch(sender: int, request: int) -> list[dict]:
    """Every batch names every (new) user and group: the collisions concurrent SDKs produce."""
    out = []
    for u in range(USERS):
        user, group = f"user-{u}", f"group-{u % GROUPS}"
        tag = f"{sender}-{request}-{u}"
        out.append({"type": "group", "messageId": f"g-{tag}", "userId": user, "groupId": group,
                    "traits": {"name": f"Group {u % GROUPS}"}})
        out.append({"type": "track", "messageId": f"t-{tag}", "userId": user, "event": "Report Exported",
                    "timestamp": "2026-11-30T12:00:00Z"})
    return out


def _send(url: str, key: str, batch: list[dict]) -> int:
    auth = base64.b64encode(f"{key}:".encode()).decode()
    request = urllib.request.Request(url, data=json.dumps({"batch": batch}).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Basic {auth}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_concurrent_batches_with_the_same_new_users_and_accounts(request, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case (SQLite serialises writers)")
    live_server = request.getfixturevalue("live_server")
    _, key = create_write_key("concurrency")
    jobs = [(s, r) for s in range(SENDERS) for r in range(REQUESTS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = list(pool.map(lambda job: _send(f"{live_server.url}/v1/batch", key, _batch(*job)), jobs))
    assert statuses == [200] * len(jobs)
    tracked = len(jobs) * USERS
    assert Event.objects.count() == 2 * tracked  # every message once
    assert ProductUser.objects.count() == USERS and Account.objects.count() == GROUPS
    assert DailyFeatureUsage.objects.aggregate(n=Sum("count"))["n"] == tracked
    assert DailyAccountActivity.objects.aggregate(n=Sum("events"))["n"] == tracked
    assert DailyAccountActivity.objects.aggregate(n=Sum("active_users"))["n"] == USERS
