import pytest
from django.test import Client

from tenure.billing.models import Subscription
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user("admin", username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_edits_every_core_record(admin_client):
    account = make_account(name="Admin Corp")
    contact = make_contact(account)
    sub = make_subscription(account)
    ticket = make_ticket(account)
    touch = make_touch(account)
    for path, obj in [("accounts/account", account), ("accounts/contact", contact), ("billing/subscription", sub),
                      ("support/ticket", ticket), ("engagement/touch", touch)]:
        assert admin_client.get(f"/admin/{path}/").status_code == 200, path
        assert admin_client.get(f"/admin/{path}/{obj.pk}/change/").status_code == 200, path


def test_subscription_changed_in_admin_lands_in_history(admin_client):
    sub = make_subscription(seats=10, mrr="500")
    form = {
        "account": sub.account_id, "external_id": "", "plan": sub.plan, "seats": 15, "mrr": "750.00",
        "currency": "USD", "start_date": "2026-01-01", "end_date": "2026-12-31", "status": "active",
        "billing_period": "annual",
        "history-TOTAL_FORMS": "1", "history-INITIAL_FORMS": "1", "history-MIN_NUM_FORMS": "0",
        "history-MAX_NUM_FORMS": "1000", "history-0-id": sub.history.get().pk, "history-0-subscription": sub.pk,
    }
    response = admin_client.post(f"/admin/billing/subscription/{sub.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    sub = Subscription.objects.get(pk=sub.pk)
    assert sub.seats == 15
    assert list(sub.history.values_list("seats", "source")) == [(10, "app"), (15, "admin")]
