import pytest

from tenure.billing.models import Subscription
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db


def test_create_subscription_records_first_history_entry(csm_client):
    account = make_account()
    response = csm_client.post(
        "/api/subscriptions",
        {"account_id": account.pk, "plan": "Pro", "seats": 40, "mrr": "2000.00", "start_date": "2026-02-01",
         "end_date": "2027-01-31", "billing_period": "annual"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["arr"] == "24000.00"
    detail = csm_client.get(f"/api/subscriptions/{response.json()['id']}").json()
    assert [(h["effective_on"], h["seats"], h["source"]) for h in detail["history"]] == [("2026-02-01", 40, "api")]


def test_seat_cut_adds_history_with_its_effective_date(csm_client):
    sub = make_subscription(seats=40)
    response = csm_client.patch(
        f"/api/subscriptions/{sub.pk}", {"seats": 25, "mrr": "1000", "effective_on": "2026-06-01"},
        content_type="application/json",
    )
    assert response.status_code == 200
    history = csm_client.get(f"/api/subscriptions/{sub.pk}").json()["history"]
    assert [(h["effective_on"], h["seats"], h["mrr"]) for h in history] == [
        ("2026-01-01", 40, "1250.00"), ("2026-06-01", 25, "1000.00")
    ]


def test_patch_with_same_values_adds_no_history(csm_client):
    sub = make_subscription(seats=40)
    csm_client.patch(f"/api/subscriptions/{sub.pk}", {"seats": 40}, content_type="application/json")
    assert sub.history.count() == 1


def test_end_before_start_is_refused(csm_client):
    response = csm_client.post(
        "/api/subscriptions",
        {"account_id": make_account().pk, "plan": "Pro", "start_date": "2026-05-01", "end_date": "2026-04-01"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "end_date" in response.json()["detail"]
    assert not Subscription.objects.exists()


def test_negative_mrr_is_refused(csm_client):
    response = csm_client.post(
        "/api/subscriptions",
        {"account_id": make_account().pk, "plan": "Pro", "start_date": "2026-05-01", "mrr": "-5"},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_list_filters_by_account_and_status(csm_client):
    a, b = make_account(), make_account()
    make_subscription(a, status="active")
    make_subscription(a, status="canceled", external_id="sub_old")
    make_subscription(b)
    items = csm_client.get(f"/api/subscriptions?account_id={a.pk}&status=canceled").json()["items"]
    assert [s["external_id"] for s in items] == ["sub_old"]
