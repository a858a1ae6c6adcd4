"""Usage facts per account for any window, read from rollups only.

Definitions (also on the account page):
- active users: distinct users with any tracked event in the window; DAU is the daily average, WAU and MAU are
  distinct users in the window's last 7 and 30 days;
- license utilization: MAU ÷ seats bought on live subscriptions;
- key-feature breadth: key features used by anyone ÷ key features in the catalog;
- key-feature depth: the average, over active users, of the share of key features each one used;
- change: the same figure over the window of equal length just before.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Sum

from tenure.billing.services import seats_by_account
from tenure.usage.models import DailyAccountActivity, DailyUserActivity, DailyUserFeature, Feature

# ---- pure figures -------------------------------------------------------------------------------------------


def ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def relative_change(now: float | None, before: float | None) -> float | None:
    """+0.25 for a quarter more than before; None when there was nothing before to compare with."""
    if now is None or not before:
        return None
    return (now - before) / before


def depth(key_features_per_user: list[int], key_feature_count: int) -> float | None:
    if not key_feature_count or not key_features_per_user:
        return None
    return sum(key_features_per_user) / (len(key_features_per_user) * key_feature_count)


def window(end: dt.date, days: int) -> tuple[dt.date, dt.date]:
    return end - dt.timedelta(days=days - 1), end


# ---- reading the rollups ------------------------------------------------------------------------------------


@dataclass
class FeatureUse:
    event: str
    label: str
    module: str
    is_key: bool
    users: int
    events: int
    share_of_active_users: float | None


@dataclass
class UsageFacts:
    start: dt.date
    end: dt.date
    active_users: int
    dau: float
    wau: int
    mau: int
    logins: int
    events: int
    seats: int
    utilization: float | None
    key_features: int
    key_features_used: int
    breadth: float | None
    depth: float | None
    previous_active_users: int
    active_users_change: float | None
    previous_breadth: float | None
    breadth_change: float | None
    last_active_on: dt.date | None
    days_since_last_activity: int | None
    features: list[FeatureUse] = field(default_factory=list)
    daily: list[tuple[dt.date, int, int]] = field(default_factory=list)  # day, active users, logins


def _distinct_users(account_id: int, start: dt.date, end: dt.date) -> int:
    return (
        DailyUserActivity.objects.filter(account_id=account_id, day__range=(start, end))
        .values("user_key").distinct().count()
    )


def _key_feature_stats(account_id: int, start: dt.date, end: dt.date, key_events: list[str]) -> tuple[int, list]:
    per_user = list(
        DailyUserFeature.objects.filter(account_id=account_id, day__range=(start, end), event__in=key_events)
        .values("user_key").annotate(n=Count("event", distinct=True)).values_list("n", flat=True)
    )
    used = (
        DailyUserFeature.objects.filter(account_id=account_id, day__range=(start, end), event__in=key_events)
        .values("event").distinct().count()
    )
    return used, per_user


def account_usage(account_id: int, start: dt.date, end: dt.date, today: dt.date | None = None) -> UsageFacts:
    if end < start:
        raise ValueError("the window ends before it starts")
    days = (end - start).days + 1
    prev_start, prev_end = start - dt.timedelta(days=days), start - dt.timedelta(days=1)
    today = today or end
    catalog = {f.event: f for f in Feature.objects.all()}
    key_events = sorted(e for e, f in catalog.items() if f.is_key)

    daily_rows = list(
        DailyAccountActivity.objects.filter(account_id=account_id, day__range=(start, end))
        .order_by("day").values_list("day", "active_users", "logins", "events")
    )
    active = _distinct_users(account_id, start, end)
    previous = _distinct_users(account_id, prev_start, prev_end)
    wau = _distinct_users(account_id, *window(end, 7))
    mau = _distinct_users(account_id, *window(end, 30))
    seats = seats_by_account([account_id], on=end).get(account_id, 0)
    used, per_user = _key_feature_stats(account_id, start, end, key_events)
    prev_used, _ = _key_feature_stats(account_id, prev_start, prev_end, key_events)
    breadth_now = ratio(used, len(key_events))
    breadth_before = ratio(prev_used, len(key_events))
    last = DailyAccountActivity.objects.filter(account_id=account_id, day__lte=today).aggregate(d=Max("day"))["d"]

    features = []
    rows = (
        DailyUserFeature.objects.filter(account_id=account_id, day__range=(start, end))
        .values("event").annotate(users=Count("user_key", distinct=True), events=Sum("count"))
    )
    for row in rows:
        f = catalog.get(row["event"])
        features.append(FeatureUse(
            event=row["event"], label=f.label if f else row["event"], module=f.module if f else "",
            is_key=bool(f and f.is_key), users=row["users"], events=row["events"],
            share_of_active_users=ratio(row["users"], active),
        ))
    for event in key_events:  # key features nobody used still belong in the adoption table
        if event not in {f.event for f in features}:
            f = catalog[event]
            features.append(FeatureUse(event, f.label, f.module, True, 0, 0, 0.0 if active else None))
    features.sort(key=lambda f: (not f.is_key, -f.users, f.label.lower()))

    return UsageFacts(
        start=start, end=end, active_users=active,
        dau=sum(r[1] for r in daily_rows) / days, wau=wau, mau=mau,
        logins=sum(r[2] for r in daily_rows), events=sum(r[3] for r in daily_rows),
        seats=seats, utilization=ratio(mau, seats),
        key_features=len(key_events), key_features_used=used, breadth=breadth_now,
        depth=depth(per_user, len(key_events)),
        previous_active_users=previous, active_users_change=relative_change(active, previous),
        previous_breadth=breadth_before, breadth_change=relative_change(breadth_now, breadth_before),
        last_active_on=last, days_since_last_activity=(today - last).days if last else None,
        features=features, daily=[(d, u, lg) for d, u, lg, _ in daily_rows],
    )
