"""The JSON API: signals and tasks to read, task actions for writers."""

import datetime as dt

import pytest
from django.utils import timezone

from tenure.risk.services import detect_signals
from tenure.risk.work import open_task
from tests.factories import make_account


@pytest.fixture
def task(csm):
    return open_task(make_account(owner=csm), title="Call the sponsor")


def test_signals_are_listed_and_filtered(csm_client, past_due_account):
    detect_signals([past_due_account.pk], timezone.localdate())
    body = csm_client.get("/api/signals", {"driver": "downturn", "open": True}).json()
    assert [s["kind"] for s in body["items"]] == ["payment_failed"]
    assert csm_client.get(f"/api/signals/{body['items'][0]['id']}").json()["driver"] == "downturn"


def test_a_task_is_snoozed_and_closed_through_the_api(csm_client, task):
    until = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = csm_client.post(f"/api/tasks/{task.pk}/snooze", {"until": until}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "snoozed"
    r = csm_client.post(f"/api/tasks/{task.pk}/close", {"reason": "completed", "outcome": "no_change"},
                        content_type="application/json")
    assert r.status_code == 200 and r.json()["close_reason"] == "completed"


def test_closing_through_the_api_needs_reason_and_outcome(csm_client, task):
    assert csm_client.post(f"/api/tasks/{task.pk}/close", {}, content_type="application/json").status_code == 422


def test_read_only_users_are_refused_task_actions_in_the_api(reader_client, task):
    r = reader_client.post(f"/api/tasks/{task.pk}/close", {"reason": "completed", "outcome": "improved"},
                           content_type="application/json")
    assert r.status_code == 403
    assert reader_client.get(f"/api/tasks/{task.pk}").status_code == 200
