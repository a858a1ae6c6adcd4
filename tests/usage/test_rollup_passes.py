"""Rollups are counted from the event log by passes behind a cursor: whatever the split of events into requests
and of requests into passes, and whatever runs concurrently, every event is counted once, on its local day."""

import datetime as dt
import itertools
import threading
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.db import connection, connections
from django.db.models import Max
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tenure.usage import rollups, services
from tenure.usage.models import (
    DailyAccountActivity,
    DailyFeatureUsage,
    DailyUserActivity,
    DailyUserFeature,
    Event,
    Feature,
    RollupCursor,
    SeenMessage,
)

ZONE = "America/New_York"  # day boundaries that differ from UTC's
EVENTS = ["Logged In", "Report Exported", "Alert Created"]


@pytest.fixture
def deferred(monkeypatch):
    """Requests leave counting to passes, as under `tenure serve`."""
    monkeypatch.setattr(services, "rollups_run_inline", lambda: False)


def _groups(users: int, accounts: int) -> list[dict]:
    return [{"type": "group", "messageId": f"g-{u}", "userId": f"u{u}", "groupId": f"acct-{u % accounts}"}
            for u in range(users)]


def _expected():
    """The rollups computed straight from the stored events, in Python."""
    zone = zoneinfo.ZoneInfo(ZONE)
    logins = rollups.login_events()
    feature, user_feature, day_events, day_logins = Counter(), Counter(), Counter(), Counter()
    user_day, user_logins = Counter(), Counter()
    day_users, feature_users = defaultdict(set), defaultdict(set)
    for e in Event.objects.filter(type__in=("track", "page", "screen"), account_id__isnull=False):
        day = e.timestamp.astimezone(zone).date()
        user = e.user_id or f"anon:{e.anonymous_id}"
        login = e.event.lower() in logins
        feature[(e.account_id, day, e.event)] += 1
        feature_users[(e.account_id, day, e.event)].add(user)
        user_feature[(e.account_id, day, e.event, user)] += 1
        day_events[(e.account_id, day)] += 1
        day_logins[(e.account_id, day)] += login
        day_users[(e.account_id, day)].add(user)
        user_day[(e.account_id, day, user)] += 1
        user_logins[(e.account_id, day, user)] += login
    return {
        "feature": {k: (n, len(feature_users[k])) for k, n in feature.items()},
        "day": {k: (n, day_logins[k], len(day_users[k])) for k, n in day_events.items()},
        "user_feature": dict(user_feature),
        "user_day": {k: (n, user_logins[k]) for k, n in user_day.items()},
    }


def _stored():
    return {
        "feature": {(r.account_id, r.day, r.event): (r.count, r.users) for r in DailyFeatureUsage.objects.all()},
        "day": {(r.account_id, r.day): (r.events, r.logins, r.active_users)
                for r in DailyAccountActivity.objects.all()},
        "user_feature": {(r.account_id, r.day, r.event, r.user_key): r.count for r in DailyUserFeature.objects.all()},
        "user_day": {(r.account_id, r.day, r.user_key): (r.events, r.logins) for r in DailyUserActivity.objects.all()},
    }


def _fresh_log():
    """An empty event log and rollups; the cursor stays past the deleted ids, as ids never come back."""
    last = Event.objects.aggregate(m=Max("id"))["m"] or 0
    for model in (Event, SeenMessage, DailyFeatureUsage, DailyAccountActivity, DailyUserFeature, DailyUserActivity,
                  Feature):
        model.objects.all().delete()
    RollupCursor.objects.update_or_create(pk=1, defaults={"last_event_id": last})


def test_a_request_leaves_counting_to_the_next_pass(db, deferred):
    services.ingest(_groups(2, 1))
    result = services.ingest([
        {"type": "track", "messageId": "t1", "userId": "u0", "event": "Logged In", "timestamp": "2026-11-30T12:00:00Z"},
        {"type": "track", "messageId": "t2", "userId": "u1", "event": "Logged In", "timestamp": "2026-11-30T13:00:00Z"},
    ])
    assert result.accepted == 2
    assert not DailyAccountActivity.objects.exists()  # stored, durable, not counted yet
    assert rollups.roll_up_pending() > 0
    day = DailyAccountActivity.objects.get()
    assert (day.events, day.logins, day.active_users) == (2, 2, 2)
    assert day.updated_at is not None  # what the account refresh watches
    assert rollups.roll_up_pending() == 0  # nothing new: a second pass counts nothing twice
    assert DailyAccountActivity.objects.get().events == 2
    assert Feature.objects.get(event="Logged In").first_seen == dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def test_events_of_an_account_deleted_before_its_pass_are_not_counted_and_the_pass_goes_on(transactional_db,
                                                                                           deferred):
    from tenure.accounts.models import Account

    services.ingest(_groups(2, 2))
    services.ingest([{"type": "track", "messageId": f"t{u}", "userId": f"u{u}", "event": "Logged In",
                      "timestamp": "2026-11-30T12:00:00Z"} for u in range(2)])
    gone = Event.objects.get(message_id="t0").account_id
    Account.objects.filter(pk=gone).delete()  # its events stay in the log, naming an account that is no more
    assert rollups.roll_up_pending() > 0
    assert list(DailyAccountActivity.objects.values_list("account_id", "events")) == [
        (Event.objects.get(message_id="t1").account_id, 1)]
    assert not DailyUserActivity.objects.filter(account_id=gone).exists()
    assert not DailyFeatureUsage.objects.filter(account_id=gone).exists()
    assert not DailyUserFeature.objects.filter(account_id=gone).exists()
    assert rollups.roll_up_pending() == 0


def test_a_pass_covers_at_most_its_limit_and_the_next_takes_the_rest(db, deferred):
    services.ingest(_groups(1, 1))
    rollups.roll_up_all()
    services.ingest([{"type": "track", "messageId": f"t{i}", "userId": "u0", "event": "Search Run",
                      "timestamp": "2026-11-30T12:00:00Z"} for i in range(10)])
    assert rollups.roll_up_pending(limit=4) == 4
    assert DailyFeatureUsage.objects.get(event="Search Run").count == 4
    rollups.roll_up_all()
    assert DailyFeatureUsage.objects.get(event="Search Run").count == 10


@override_settings(TIME_ZONE=ZONE)
@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(EVENTS), st.integers(0, 4 * 24 * 60),
                              st.booleans()), min_size=1, max_size=60),
    cuts=st.lists(st.integers(1, 60), max_size=6),
    limits=st.lists(st.integers(1, 40), max_size=6),
)
def test_any_split_into_requests_and_passes_counts_each_event_once(db, deferred, events, cuts, limits):
    _fresh_log()
    services.ingest(_groups(5, 2))  # users 0-4 in two accounts; user 5 is in none (stored, unattributed)
    start = dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)
    messages = [
        {"type": "track", "messageId": f"e{i}", "event": event,
         "timestamp": (start + dt.timedelta(minutes=minute)).isoformat(),
         **({"userId": f"u{user}"} if named else {"anonymousId": f"anon{user}", "context": {"groupId": "acct-0"}})}
        for i, (user, event, minute, named) in enumerate(events)
    ]
    bounds = sorted({0, len(messages), *(c for c in cuts if c < len(messages))})
    passes = iter(limits)
    for a, b in itertools.pairwise(bounds):
        services.ingest(messages[max(0, a - 1) : b])  # each request retries the last one sent: counted once
        limit = next(passes, None)
        if limit is not None:
            rollups.roll_up_pending(limit=limit)
    rollups.roll_up_all()
    assert _stored() == _expected()


def test_passes_running_beside_concurrent_requests_count_each_event_once(transactional_db, deferred):
    """PostgreSQL draws ids before commit: a pass must not move past an id whose request has not committed."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case (SQLite serialises writers)")
    services.ingest(_groups(20, 4))
    rollups.roll_up_all()
    senders, requests, per = 4, 15, 40
    done = threading.Event()
    errors = []

    def send(s):
        try:
            for r in range(requests):
                services.ingest([{"type": "track", "messageId": f"s{s}-{r}-{i}", "userId": f"u{(s + i) % 20}",
                                  "event": EVENTS[i % 3], "timestamp": "2026-11-30T12:00:00Z"} for i in range(per)])
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            connections.close_all()

    def count():
        try:
            while not done.is_set():
                rollups.roll_up_pending(wait=False)
        except Exception as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)]
    counter = threading.Thread(target=count)
    counter.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    counter.join()
    assert not errors
    rollups.roll_up_all()
    assert Event.objects.filter(type="track").count() == senders * requests * per
    assert _stored() == _expected()
