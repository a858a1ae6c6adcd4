import datetime as dt

import pytest

from tenure.integrations.models import WebhookDelivery, WebhookEndpoint
from tenure.renewals.models import Renewal
from tenure.renewals.services import close_renewal, sync_renewals
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db


def test_a_closed_renewal_goes_to_webhooks(csm):
    WebhookEndpoint.objects.create(name="CRM", url="http://127.0.0.1:9/", event_types=["renewal.closed"])
    account = make_account(owner=csm)
    make_subscription(account, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    sync_renewals([account.pk], dt.date(2026, 10, 1))
    renewal = Renewal.objects.get()
    close_renewal(renewal, outcome="churned", reason="budget_cuts", by=csm)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "renewal.closed" and delivery.payload["account_id"] == account.pk
