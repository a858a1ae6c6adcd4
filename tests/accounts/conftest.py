import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tenure.billing import services as billing
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch


@pytest.fixture
def full_account(csm):
    """An account with everything its page shows: several contacts, subscriptions, tickets and touches."""
    account = make_account(
        name="Globex", domain="globex.example", segment="enterprise", stage="renewing", owner=csm,
        crm_id="CRM-77", billing_id="cus_globex", custom={"region": "EMEA"},
    )
    sponsor = make_contact(account, name="Hank Scorpio", title="CEO", roles=["executive_sponsor"])
    champion = make_contact(account, name="Frank Grimes", roles=["champion", "admin"])
    make_contact(account, name="Gone Person", left_on=dt.date(2025, 6, 1))
    make_contact(account, name="Plain User", roles=["user"])
    growth = make_subscription(
        account, plan="Growth", seats=40, mrr=Decimal("2000.00"), end_date=dt.date(2030, 9, 30)
    )
    billing.update_subscription(growth, seats=50, mrr=Decimal("2500.00"), effective_on=dt.date(2026, 3, 1))
    make_subscription(account, plan="Add-on", seats=5, mrr=Decimal("100.00"), end_date=dt.date(2030, 12, 31))
    make_subscription(
        account, plan="Legacy", seats=99, mrr=Decimal("999.00"), status="canceled",
        start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 1, 1),
    )
    now = timezone.now()
    make_ticket(
        account, subject="Old solved issue", status="solved", priority="urgent", csat=4,
        opened_at=now - dt.timedelta(days=30), contact=champion,
    )
    make_ticket(account, subject="Minor glitch", status="open", priority="low", opened_at=now - dt.timedelta(days=1))
    make_ticket(
        account, subject="Outage in EU", status="open", priority="urgent", opened_at=now - dt.timedelta(days=2)
    )
    make_touch(
        account, kind="meeting", summary="Kick-off with the sponsor", contacts=[sponsor, champion],
        occurred_at=now - dt.timedelta(days=10), sentiment="positive",
    )
    make_touch(
        account, kind="email", summary="Sent the renewal quote", contacts=[champion],
        occurred_at=now - dt.timedelta(days=3),
    )
    make_touch(
        account, kind="note", summary="Champion worried about budget", occurred_at=now - dt.timedelta(days=1),
        sentiment="negative",
    )
    return account
