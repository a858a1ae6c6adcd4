import pytest

from tests.factories import make_account, make_contact, make_ticket

pytestmark = pytest.mark.django_db


def test_create_ticket_and_resolve_it(csm_client):
    account = make_account()
    contact = make_contact(account)
    response = csm_client.post(
        "/api/tickets",
        {"account_id": account.pk, "contact_id": contact.pk, "subject": "SSO broken", "priority": "urgent",
         "opened_at": "2026-11-01T09:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["resolved_at"] is None
    solved = csm_client.patch(
        f"/api/tickets/{ticket['id']}", {"status": "solved", "csat": 4}, content_type="application/json"
    ).json()
    assert solved["resolved_at"] is not None
    assert solved["csat"] == 4


def test_contact_from_another_account_is_refused(csm_client):
    stranger = make_contact()
    response = csm_client.post(
        "/api/tickets", {"account_id": make_account().pk, "contact_id": stranger.pk, "subject": "Hi"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "another account" in str(response.json()["detail"])


def test_csat_outside_1_to_5_is_refused(csm_client):
    ticket = make_ticket()
    response = csm_client.patch(f"/api/tickets/{ticket.pk}", {"csat": 9}, content_type="application/json")
    assert response.status_code == 422


def test_filter_unresolved_high_priority(csm_client):
    account = make_account()
    make_ticket(account, subject="open urgent", priority="urgent", status="open")
    make_ticket(account, subject="solved urgent", priority="urgent", status="solved")
    make_ticket(account, subject="open low", priority="low", status="open")
    items = csm_client.get(f"/api/tickets?account_id={account.pk}&priority=urgent&unresolved=true").json()["items"]
    assert [t["subject"] for t in items] == ["open urgent"]
