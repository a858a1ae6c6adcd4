"""A bad request gets a 4xx that names the problem, never a 500: ids and offsets beyond what the database holds,
filters that are not ids, windows outside the calendar, custom attributes that cannot be stored."""

import json

import pytest
from django.test import Client

from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db
HUGE = 2**70


@pytest.fixture
def api(csm_client):
    make_subscription(make_account(name="Acme"))
    return csm_client


@pytest.mark.parametrize("path", [
    "/api/accounts?owner=abc",
    f"/api/accounts?offset={2**63}",
    "/api/churn/predictions?offset=-5",
    f"/api/churn/predictions?offset={2**63}",
    "/api/health/accounts/1/history?days=99999999999",
    "/api/health/backtest?days=99999999999",
    "/api/accounts/1/usage?start=0001-01-01",
    "/api/accounts/1/usage?end=9999-12-31",
])
def test_bad_query_parameters_answer_4xx_with_a_reason(api, path):
    response = api.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.json()["detail"]


@pytest.mark.parametrize("path", [f"/api/accounts/{HUGE}", f"/api/churn/accounts/{HUGE}",
                                  f"/api/health/accounts/{HUGE}", f"/api/accounts/{HUGE}/usage"])
def test_an_id_beyond_any_row_is_not_found_or_refused(api, path):
    assert api.get(path).status_code in (404, 422), path


def test_filtering_by_an_id_beyond_any_row_finds_nothing_or_is_refused(api):
    response = api.get(f"/api/contacts?account_id={HUGE}")  # PostgreSQL compares it; SQLite cannot hold it
    assert response.status_code == 422 or (response.status_code == 200 and response.json()["items"] == [])


def test_a_touch_naming_a_huge_contact_id_is_refused(api):
    from tenure.accounts.models import Account

    account = Account.objects.get()
    response = api.post("/api/touches", {"account_id": account.pk, "kind": "call", "summary": "Hi",
                                         "contact_ids": [HUGE]}, content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("custom, reason", [
    ('{"x": NaN}', "finite numbers"),
    ('{"x": Infinity}', "finite numbers"),
    (json.dumps({"x": "y" * 20_000}), "limited to 16,384 bytes"),
])
def test_custom_attributes_that_cannot_be_stored_are_refused(api, custom, reason):
    body = '{"name": "Initech", "custom": ' + custom + "}"
    response = api.post("/api/accounts", body, content_type="application/json")
    assert response.status_code == 422 and reason in json.dumps(response.json()), response.content


def test_the_work_queue_ignores_an_owner_that_is_not_a_user(leader):
    client = Client()
    client.force_login(leader)
    assert client.get("/work/?owner=abc").status_code == 200
    assert client.get(f"/work/?owner={HUGE}").status_code == 200
