"""The renewals page names a subscription's status and billing period in words ("Past due", "annual")."""

import datetime as dt

from django.utils import timezone

from tests.factories import make_account, make_subscription


def test_status_and_period_in_words(reader_client):
    today = timezone.localdate()
    make_subscription(make_account(name="Late Payer"), status="past_due", billing_period="annual",
                      start_date=today - dt.timedelta(days=300), end_date=today + dt.timedelta(days=20))
    html = reader_client.get("/renewals/", {"days": 30}).content.decode()
    row = html[html.index("Late Payer"):]
    row = row[:row.index("</tr>")]
    assert "seats, annual" in row and ">Past due</span>" in row
    assert "past_due" not in row.replace("status-past_due", "")
