"""The demo's product usage, stored through the same ingestion code as real usage: the group and identify calls
through the event API's (store_messages: validation, de-duplication by message id, identity), the year of tracks
through the history import's (usage.backfill: appended in chunks, then counted into the rollups at once).

Usage follows each account's DemoScenario: a new customer ramps up, an expanding one grows, a declining one
fades from ``usage_change_on`` until it churns (or, at risk, until today); a usage dip (a rough patch) falls
until the patch is resolved and recovers over the next month. Of the seats bought, a share
(``active_share``, a little more for the keenest accounts) are people who use the product; each of them shows
up on a weekday now and then, about 0.8 days a month, and uses one feature that day (a fresh login on a quarter
of those days). That keeps the demo to a few hundred thousand events, built in seconds through the real
ingestion path, while monthly active users, license utilization (about 40-60%) and feature adoption look like a
real vendor's.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction

from tenure.accounts.models import Account, Contact
from tenure.billing.models import LIVE_STATUSES, SubscriptionChange
from tenure.demo.models import Cause, DemoScenario, UsageTrend
from tenure.usage.backfill import begin_backfill, complete_backfill, stage_backfill
from tenure.usage.models import Feature
from tenure.usage.protocol import backfill_event, parse_message
from tenure.usage.rollups import roll_up_all
from tenure.usage.services import IngestResult, store_messages

# event, friendly name, module, key feature, how likely an adopting user uses it on an active day
FEATURES = (
    ("Dashboard Viewed", "View a dashboard", "Dashboards", True, 0.45),
    ("Report Exported", "Export a report", "Reporting", True, 0.25),
    ("Alert Created", "Create an alert", "Alerts", True, 0.12),
    ("Integration Connected", "Connect an integration", "Integrations", True, 0.05),
    ("Teammate Invited", "Invite a teammate", "Collaboration", True, 0.06),
    ("Search Run", "Search", "Core", False, 0.30),
    ("Comment Added", "Comment", "Collaboration", False, 0.15),
)
LOGIN = "Logged In"
KEY_FEATURES = [f for f in FEATURES if f[3]]
ACTIVE_DAYS_PER_MONTH = 0.8  # per user, on weekdays
LOGIN_SHARE = 0.25  # active days that start with a fresh login (sessions last)
USER_SHARE = 1.2  # people who use the product, per unit of active_share, of the seats bought
BATCH = 5000  # group and identify calls per transaction
TRACK_CHUNK = 50_000  # tracks per transaction of the backfill


def describe_catalog() -> None:
    """Friendly names, modules and key features, as CS Ops would set them in Usage setup."""
    for event, friendly, module, is_key, _ in FEATURES:
        Feature.objects.filter(event=event).update(friendly_name=friendly, module=module, is_key=is_key)
    Feature.objects.filter(event=LOGIN).update(friendly_name="Log in", module="Core")


def _seats_timeline(account_ids) -> dict[int, list[tuple[dt.date, int, int]]]:
    """Per account, (day, subscription id, live seats of that subscription from that day) in day order."""
    out = defaultdict(list)
    rows = (
        SubscriptionChange.objects.filter(subscription__account_id__in=account_ids)
        .order_by("effective_on", "pk")
        .values_list("subscription__account_id", "effective_on", "subscription_id", "seats", "status")
    )
    for account_id, day, sub_id, seats, status in rows:
        out[account_id].append((day, sub_id, seats if status in LIVE_STATUSES else 0))
    return out


def _seats_on(timeline: list[tuple[dt.date, int, int]], day: dt.date, state: dict) -> int:
    # The timeline is walked forward day by day; state keeps each subscription's seats so far.
    pos = state.setdefault("_pos", 0)
    while pos < len(timeline) and timeline[pos][0] <= day:
        _, sub_id, seats = timeline[pos]
        state[sub_id] = seats
        pos += 1
    state["_pos"] = pos
    return sum(v for k, v in state.items() if k != "_pos")


DIP_DEPTH = 0.55  # a usage dip (a rough patch the account comes through) loses this share at its lowest
DIP_RECOVERY = dt.timedelta(days=30)


def _dip(scenario: DemoScenario, day: dt.date) -> float:
    """The share of usage lost to a rough patch: falling until it is resolved, back to normal a month later."""
    if scenario.scare != Cause.USAGE_DECLINE or not scenario.scare_from or day < scenario.scare_from:
        return 0.0
    start, until = scenario.scare_from, scenario.scare_until
    if day <= until:
        return DIP_DEPTH * (day - start).days / max(1, (until - start).days)
    return DIP_DEPTH * max(0.0, 1 - (day - until) / DIP_RECOVERY)


def _trend(scenario: DemoScenario, day: dt.date, first_day: dt.date, end: dt.date) -> float:
    """How active the account is on ``day``, relative to its usual share (1.0)."""
    return _base_trend(scenario, day, first_day, end) * (1.0 - _dip(scenario, day))


def _base_trend(scenario: DemoScenario, day: dt.date, first_day: dt.date, end: dt.date) -> float:
    change = scenario.usage_change_on
    if scenario.usage_trend == UsageTrend.RAMPING:
        return min(1.0, 0.25 + 0.75 * (day - first_day).days / 75)
    if change is None or day < change:
        return 1.0
    progress = (day - change).days / max(30, (end - change).days)
    if scenario.usage_trend == UsageTrend.GROWING:
        return 1.0 + 0.35 * min(1.0, progress)
    if scenario.usage_trend == UsageTrend.DECLINING:
        return max(0.1, 1.0 - 0.85 * min(1.0, progress))
    return 1.0


def account_messages(account: Account, scenario: DemoScenario, contacts: list[Contact],
                     timeline: list[tuple[dt.date, int, int]], today: dt.date, seed: int) -> Iterator[dict]:
    """Every Segment message the account's product users send over the year, in time order."""
    if not timeline or not account.product_group_id:
        return
    rng = random.Random(f"{seed}-usage-{account.product_group_id}")
    group = account.product_group_id
    first_day = max(timeline[0][0], today - dt.timedelta(days=365))
    last_day = min(scenario.churned_on or today, today)
    declining_end = scenario.churned_on or (today + dt.timedelta(days=60))
    # Each user adopts some key features; a declining account's users drop them as usage fades.
    breadth = rng.uniform(0.45, 1.0) if scenario.usage_trend != UsageTrend.DECLINING else rng.uniform(0.3, 0.7)
    pool: list[str] = [c.product_user_id for c in contacts if c.product_user_id]
    people = {c.product_user_id: c for c in contacts if c.product_user_id}
    adopted: dict[str, tuple[tuple[str, ...], list[float], float, int]] = {}
    introduced: set[str] = set()
    seats_state: dict = {}
    share = min(0.95, scenario.active_share * USER_SHARE)
    p_day = ACTIVE_DAYS_PER_MONTH / 21.7
    day = first_day
    draw = rng.random
    while day <= last_day:
        seats = _seats_on(timeline, day, seats_state)
        trend = _trend(scenario, day, first_day, declining_end)
        active = round(seats * share * trend)
        while len(pool) < active:
            pool.append(f"{group}-u{len(pool) + 1}")
        chance = p_day if day.weekday() < 5 else p_day * 0.1
        iso = day.isoformat()
        for user in pool[:active]:
            if draw() >= chance:
                continue
            if user not in introduced:
                introduced.add(user)
                yield {"type": "group", "messageId": f"demo-g-{user}", "userId": user, "groupId": group,
                       "timestamp": f"{iso}T08:00:00Z"}
                person = people.get(user)
                if person is not None:
                    yield {"type": "identify", "messageId": f"demo-i-{user}", "userId": user,
                           "timestamp": f"{iso}T08:00:01Z",
                           "traits": {"email": person.email, "name": person.name, "title": person.title}}
                events, weights = zip(*[(e, p) for e, _, _, is_key, p in FEATURES
                                        if not is_key or draw() < breadth], strict=True)
                cumulative = list(itertools.accumulate(weights))
                adopted[user] = events, cumulative, cumulative[-1] + 0.0, len(events) - 1
            stamp = f"{iso}T{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00Z"
            if draw() < LOGIN_SHARE:
                yield {"type": "track", "messageId": f"demo-{user}-{iso}-login", "userId": user,
                       "event": LOGIN, "timestamp": stamp}
            # rng.choices(events, cum_weights=cumulative)[0], as it draws: one random() into the summed weights.
            events, cumulative, total, last = adopted[user]
            yield {"type": "track", "messageId": f"demo-{user}-{iso}", "userId": user,
                   "event": events[bisect.bisect(cumulative, draw() * total, 0, last)], "timestamp": stamp}
        day += dt.timedelta(days=1)


def send_demo_usage(today: dt.date, seed: int) -> IngestResult:
    """Generate the year's usage for every demo account and store it: the group and identify calls through the
    event API's path (store_messages), the tracks as a history import stores its events (begin, stage and complete
    a backfill): appended in chunks, then counted into the rollups all at once, in a few set-based statements."""
    accounts = list(Account.objects.filter(demo_scenario__isnull=False).select_related("demo_scenario"))
    contacts = defaultdict(list)
    for c in Contact.objects.filter(account__in=accounts).exclude(product_user_id=None).order_by("pk"):
        contacts[c.account_id].append(c)
    timelines = _seats_timeline([a.pk for a in accounts])
    result = IngestResult()
    received_at = dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    backfill = begin_backfill(f"demo:{seed}:{today.isoformat()}")
    calls: list = []
    tracks: list = []
    times: dict[str, tuple[dt.datetime, str]] = {}  # a stamp's time and isoformat: stamps repeat, minute by minute
    for account in accounts:
        for raw in account_messages(account, account.demo_scenario, contacts[account.pk],
                                    timelines.get(account.pk, []), today, seed):
            if raw["type"] == "track":
                # Made here, so built as checked and attributed to its account, as an import's rows are.
                when = times.get(raw["timestamp"])
                if when is None:
                    moment = dt.datetime.fromisoformat(raw["timestamp"])
                    when = times[raw["timestamp"]] = moment, moment.isoformat()
                tracks.append(backfill_event(raw["messageId"], raw["userId"], raw["event"], when[0], "{}",
                                             received_at, account.pk, timestamp_text=when[1], source="demo"))
                if len(tracks) >= TRACK_CHUNK:
                    stage_backfill(backfill, tracks, lines_done=0, received_at=received_at)
                    tracks = []
            else:
                calls.append(parse_message(raw, received_at))
                if len(calls) >= BATCH:
                    _store_calls(calls, result)
                    calls = []
    _store_calls(calls, result)
    roll_up_all()  # the calls count in no rollup, but the rollup cursor moves past them
    stage_backfill(backfill, tracks, lines_done=0, received_at=received_at)
    # Every user's group call is stored by now, so the backfill adds no product user of its own.
    backfill = complete_backfill(backfill)
    result.accepted += backfill.created
    result.duplicates += backfill.unchanged
    describe_catalog()
    return result


def _store_calls(calls: list, result: IngestResult) -> None:
    with transaction.atomic():
        store_messages(calls, result=result)
