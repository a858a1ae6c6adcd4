import datetime as dt

import pytest
from django.utils import timezone

from tenure.usage.models import (
    DailyAccountActivity,
    DailyFeatureUsage,
    DailyUserActivity,
    DailyUserFeature,
    Feature,
)

TODAY = dt.date(2026, 6, 30)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def use(account, day: dt.date, users: list[str], events: tuple[str, ...] = ()) -> None:
    """Rollup rows as the ingestion path leaves them: these users active on that day, using these events."""
    for u in users:
        DailyUserActivity.objects.create(account=account, user_key=u, day=day, events=1)
    DailyAccountActivity.objects.update_or_create(account=account, day=day,
                                                  defaults={"active_users": len(users), "events": len(users)})
    for e in events:
        DailyFeatureUsage.objects.create(account=account, day=day, event=e, count=1, users=1)
        DailyUserFeature.objects.create(account=account, day=day, event=e, user_key=users[0], count=1)


@pytest.fixture
def key_features(db):
    now = timezone.now()
    for event in ("Report Exported", "Dashboard Viewed", "Alert Created", "Teammate Invited"):
        Feature.objects.create(event=event, is_key=True, first_seen=now, last_seen=now)
    Feature.objects.create(event="Search Run", is_key=False, first_seen=now, last_seen=now)
    return ["Report Exported", "Dashboard Viewed", "Alert Created", "Teammate Invited"]
