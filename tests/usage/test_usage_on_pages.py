import datetime as dt

import pytest
from django.utils import timezone

from tenure.usage.models import Feature
from tenure.usage.services import ingest
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db


def _activity(account, users: int, days_ago: int, event="Report Exported"):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    msgs = []
    for u in range(users):
        uid = f"{account.product_group_id}-u{u}"
        msgs.append({"type": "group", "messageId": f"g-{uid}", "userId": uid, "groupId": account.product_group_id})
        msgs.append({"type": "track", "messageId": f"{uid}-{days_ago}-{event}", "userId": uid, "event": event,
                     "timestamp": f"{day.isoformat()}T12:00:00Z"})
    ingest(msgs)


def test_account_page_shows_usage_chart_gauge_and_adoption(csm_client):
    account = make_account(name="Usage Co", product_group_id="usage-co")
    make_subscription(account, seats=10, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    _activity(account, 4, days_ago=2)
    Feature.objects.filter(event="Report Exported").update(is_key=True, friendly_name="Export a report")
    Feature.objects.create(event="Alert Created", is_key=True, first_seen=timezone.now(), last_seen=timezone.now())
    page = csm_client.get(f"/accounts/{account.pk}/").content.decode()
    assert 'id="usage-chart"' in page and 'id="utilization-gauge"' in page
    assert "vendor/plotly/plotly.min.js" in page
    assert "40%" in page and "4 of 10 seats" in page
    assert "Export a report" in page and "Alert Created" in page  # the unused key feature is listed too
    assert "1 of 2" in page  # breadth


def test_account_without_usage_says_how_to_send_it(csm_client):
    account = make_account()
    page = csm_client.get(f"/accounts/{account.pk}/").content.decode()
    assert "No product usage received" in page
    assert 'id="usage-chart"' not in page


def test_accounts_list_shows_utilization_and_trend(csm_client):
    growing = make_account(name="Growing", product_group_id="grow")
    make_subscription(growing, seats=8, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    _activity(growing, 2, days_ago=40)
    _activity(growing, 4, days_ago=3)
    page = csm_client.get("/accounts/").content.decode()
    assert "50%" in page  # 4 active of 8 seats
    assert "▲ 100%" in page


def test_plotly_is_served_locally(csm_client):
    response = csm_client.get("/static/vendor/plotly/plotly.min.js")
    assert response.status_code == 200


def test_the_page_reads_the_usage_figures_the_account_facts_hold_and_shows_the_same(db):
    # The account page passes its facts (subscriptions, usage, features); the value report does not: both show
    # the same figures, so nothing the page reads from the facts means something else than the panel's own reads.
    from tenure.facts import load_facts
    from tenure.usage.panels import account_usage_panel

    account = make_account(name="Both Ways", product_group_id="both-ways")
    make_subscription(account, seats=12, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    _activity(account, 3, days_ago=45)
    _activity(account, 5, days_ago=10)
    _activity(account, 2, days_ago=3, event="Alert Created")
    Feature.objects.filter(event="Report Exported").update(is_key=True)
    Feature.objects.create(event="Dashboard Viewed", is_key=True, first_seen=timezone.now(), last_seen=timezone.now())
    today = timezone.localdate()
    facts = load_facts([account.pk], today, parts=("subscriptions", "usage", "features"))[account.pk]
    from_facts = account_usage_panel(account, account_facts=facts)
    own = account_usage_panel(account, today)
    shown = ("active_users", "active_users_change", "dau", "wau", "logins", "mau", "seats", "utilization",
             "key_features", "key_features_used", "breadth", "depth", "previous_active_users", "last_active_on",
             "days_since_last_activity", "features", "events")
    assert {k: getattr(from_facts["usage"], k) for k in shown} == {k: getattr(own["usage"], k) for k in shown}
    assert from_facts["usage"].active_users == 5 and from_facts["usage"].key_features_used == 1
    assert from_facts["usage_chart"] == own["usage_chart"]
