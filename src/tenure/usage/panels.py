"""What the account page and the accounts list show of usage."""

import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone

from tenure.usage.facts import FeatureUse, UsageFacts, account_usage, depth, ratio, relative_change, window
from tenure.usage.models import DailyAccountActivity, DailyUserActivity, DailyUserFeature, Feature

CHART_DAYS = 180
WINDOW_DAYS = 30  # the panel's figures: the account facts' usage window


def daily_series(account_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int, int]]:
    """Active users, logins and events for every day of the range, zero on days without activity."""
    rows = {
        day: (users, logins, events)
        for day, users, logins, events in DailyAccountActivity.objects.filter(
            account_id=account_id, day__range=(start, end)
        ).values_list("day", "active_users", "logins", "events")
    }
    days = (end - start).days + 1
    return [(d, *rows.get(d, (0, 0, 0))) for d in (start + dt.timedelta(days=i) for i in range(days))]


def _feature_use(event: str, feature: Feature | None, users: int, events: int, active: int) -> FeatureUse:
    return FeatureUse(event=event, label=feature.label if feature else event, module=feature.module if feature else "",
                      is_key=bool(feature and feature.is_key), users=users, events=events,
                      share_of_active_users=ratio(users, active))


def _from_facts(account_id: int, today: dt.date, account_facts, series) -> UsageFacts:
    """The panel's figures from the account facts (active users now and before, logins, seats, utilization, key
    features used, last activity) and the few the facts do not hold: daily average active users and events from
    the chart's days, weekly active users, key-feature depth, and every feature's users and events. 4 queries."""
    f = account_facts
    if f.windows.usage != WINDOW_DAYS:
        raise ValueError(f"the usage panel reads {WINDOW_DAYS}-day facts, not {f.windows.usage}-day ones")
    start, end = window(today, WINDOW_DAYS)
    catalog = {feature.event: feature for feature in Feature.objects.all()}
    key_events = sorted(e for e, feature in catalog.items() if feature.is_key)
    in_window = [row for row in series if row[0] >= start]
    wau = (DailyUserActivity.objects.filter(account_id=account_id, day__range=window(end, 7))
           .values("user_key").distinct().count())
    per_user = list(
        DailyUserFeature.objects.filter(account_id=account_id, day__range=(start, end), event__in=key_events)
        .values("user_key").annotate(n=Count("event", distinct=True)).values_list("n", flat=True)
    ) if key_events else []
    features = []
    for event, users, events in (
        DailyUserFeature.objects.filter(account_id=account_id, day__range=(start, end))
        .values("event").annotate(users=Count("user_key", distinct=True), events=Sum("count"))
        .values_list("event", "users", "events")
    ):
        feature = catalog.get(event)
        features.append(_feature_use(event, feature, users, events, f.active_users))
    shown = {use.event for use in features}
    for event in key_events:  # key features nobody used still belong in the adoption table
        if event not in shown:
            features.append(_feature_use(event, catalog[event], 0, 0, f.active_users))
    features.sort(key=lambda use: (not use.is_key, -use.users, use.label.lower()))
    last = f.last_active_on
    return UsageFacts(
        start=start, end=end, active_users=f.active_users, dau=sum(row[1] for row in in_window) / WINDOW_DAYS,
        wau=wau, mau=f.active_users, logins=f.logins, events=sum(row[3] for row in in_window),
        seats=f.seats, utilization=f.utilization,
        key_features=f.key_features, key_features_used=f.key_features_used, breadth=f.key_feature_breadth,
        depth=depth(per_user, len(key_events)), previous_active_users=f.active_users_before,
        active_users_change=relative_change(f.active_users, f.active_users_before),
        previous_breadth=None, breadth_change=None,  # not on the page
        last_active_on=last, days_since_last_activity=(today - last).days if last else None,
        features=features, daily=[(d, u, lg) for d, u, lg, _ in in_window],
    )


def account_usage_panel(account, today: dt.date | None = None, account_facts=None) -> dict:
    """The usage panel. With ``account_facts`` (``tenure.facts``, loaded by the page with its subscriptions,
    usage and features parts) the figures the facts hold are read from them, so seats, utilization, active users
    and breadth read here as on every other page, score and signal, and the panel adds only what they lack."""
    # The facts' day, when given: every figure of the panel stands on the same day.
    today = account_facts.as_of if account_facts is not None else today or timezone.localdate()
    series = daily_series(account.pk, today - dt.timedelta(days=CHART_DAYS - 1), today)
    has_usage = any(users for _, users, _, _ in series)
    if account_facts is not None:
        if not has_usage and not account_facts.active_users:
            # The panel says only that no usage arrived: none of its figures are read.
            return {"usage": None, "usage_chart": None, "has_usage": False}
        facts = _from_facts(account.pk, today, account_facts, series)
    else:
        facts = account_usage(account.pk, *window(today, WINDOW_DAYS), today=today)
    chart = {
        "days": [d.isoformat() for d, _, _, _ in series],
        "active_users": [u for _, u, _, _ in series],
        "logins": [lg for _, _, lg, _ in series],
        "seats": facts.seats,
        "utilization": None if facts.utilization is None else round(facts.utilization * 100, 1),
    }
    return {"usage": facts, "usage_chart": chart, "has_usage": has_usage}
