import datetime as dt

import pytest

from tenure.usage.facts import account_usage, depth, ratio, relative_change
from tenure.usage.models import Feature
from tenure.usage.services import ingest
from tests.factories import make_account, make_subscription

END = dt.date(2026, 11, 20)


def at(day: dt.date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def usage(account, user, event, day, n=1):
    """n events through the real ingestion path (group first so the user belongs to the account)."""
    ingest([{"type": "group", "messageId": f"g-{user}", "userId": user, "groupId": account.product_group_id,
             "timestamp": at(day)}])
    ingest([{"type": "track", "messageId": f"{user}-{event}-{day}-{i}", "userId": user, "event": event,
             "timestamp": at(day, 8 + i % 10)} for i in range(n)])


def test_pure_figures():
    assert ratio(5, 10) == 0.5 and ratio(5, 0) is None
    assert relative_change(62, 100) == pytest.approx(-0.38)
    assert relative_change(5, 0) is None
    assert depth([2, 1], 2) == 0.75
    assert depth([], 2) is None


@pytest.mark.django_db
def test_facts_over_a_window():
    account = make_account(product_group_id="acme")
    make_subscription(account, seats=10, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    usage(account, "ann", "Report Exported", END, n=3)
    usage(account, "ann", "Logged In", END)
    usage(account, "bob", "Dashboard Viewed", END - dt.timedelta(days=3))
    usage(account, "cy", "Report Exported", END - dt.timedelta(days=40))  # previous window
    usage(account, "dee", "Report Exported", END - dt.timedelta(days=45))
    Feature.objects.filter(event__in=["Report Exported", "Dashboard Viewed", "Alert Created"]).update(is_key=True)
    Feature.objects.create(event="Alert Created", is_key=True, first_seen="2026-01-01T00:00Z",
                           last_seen="2026-01-01T00:00Z")

    facts = account_usage(account.pk, END - dt.timedelta(days=29), END, today=END + dt.timedelta(days=2))
    assert (facts.active_users, facts.mau, facts.wau, facts.seats) == (2, 2, 2, 10)
    assert facts.utilization == pytest.approx(0.2)
    assert facts.previous_active_users == 2 and facts.active_users_change == 0
    assert (facts.key_features, facts.key_features_used) == (3, 2)
    assert facts.breadth == pytest.approx(2 / 3)
    assert facts.depth == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert facts.breadth_change == pytest.approx(1.0)  # one key feature used before, two now
    assert facts.logins == 1 and facts.days_since_last_activity == 2
    by_event = {f.event: f for f in facts.features}
    assert (by_event["Report Exported"].users, by_event["Report Exported"].events) == (1, 3)
    assert by_event["Alert Created"].users == 0  # unused key features still listed


@pytest.mark.django_db
def test_usage_api_per_account(csm_client):
    account = make_account(product_group_id="acme")
    usage(account, "ann", "Report Exported", END)
    body = csm_client.get(f"/api/accounts/{account.pk}/usage?start=2026-11-01&end=2026-11-20").json()
    assert body["active_users"] == 1
    assert body["daily"] == [{"day": "2026-11-20", "active_users": 1, "logins": 0}]
    assert csm_client.get(f"/api/accounts/{account.pk}/usage?start=2026-11-21&end=2026-11-20").status_code == 422
