"""What the account page and the accounts list show of usage."""

import datetime as dt

from django.utils import timezone

from tenure.usage.facts import account_usage, window
from tenure.usage.models import DailyAccountActivity

CHART_DAYS = 180


def daily_series(account_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int]]:
    """Active users and logins for every day of the range, zero on days without activity."""
    rows = {
        day: (users, logins)
        for day, users, logins in DailyAccountActivity.objects.filter(
            account_id=account_id, day__range=(start, end)
        ).values_list("day", "active_users", "logins")
    }
    days = (end - start).days + 1
    return [(d, *rows.get(d, (0, 0))) for d in (start + dt.timedelta(days=i) for i in range(days))]


def account_usage_panel(account, today: dt.date | None = None, account_facts=None) -> dict:
    """The usage panel; ``account_facts`` (``tenure.facts``, loaded by the page) give the key numbers, so seats and
    utilization read here as on every other page, score and signal."""
    today = today or timezone.localdate()
    facts = account_usage(account.pk, *window(today, 30), today=today)
    if account_facts is not None:
        facts.seats, facts.utilization = account_facts.seats, account_facts.utilization
    series = daily_series(account.pk, today - dt.timedelta(days=CHART_DAYS - 1), today)
    chart = {
        "days": [d.isoformat() for d, _, _ in series],
        "active_users": [u for _, u, _ in series],
        "logins": [lg for _, _, lg in series],
        "seats": facts.seats,
        "utilization": None if facts.utilization is None else round(facts.utilization * 100, 1),
    }
    return {"usage": facts, "usage_chart": chart, "has_usage": any(chart["active_users"])}
