"""Intercom against a local server speaking its scroll and search APIs: companies matched by the product's group
id, website or name; contacts; conversations as tickets (HTML bodies as words); signed webhooks."""

import pytest

from tenure.accounts import services as accounts
from tenure.connectors import sync
from tenure.connectors.models import RunStatus
from tenure.support.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenure_accounts(db):
    return {"acme": accounts.create_account(name="Acme", product_group_id="acct-42"),
            "globex": accounts.create_account(name="Globex", domain="globex.example")}


@pytest.fixture
def book(intercom):
    acme = intercom.put("companies", company_id="acct-42", name="ACME (app)", website="")
    intercom.put("companies", company_id="g-1", name="Globex", website="https://globex.example")
    ann = intercom.put("contacts", role="user", email="ann@acme.example", name="Ann",
                       companies={"type": "list", "data": [{"type": "company", "id": acme}]})
    gus = intercom.put("contacts", role="lead", email="gus@globex.example", name="Gus",
                       companies={"type": "list", "data": []})
    chat = intercom.put("conversations", title=None, state="closed", priority="priority",
                        source={"subject": "", "body": "<p>We&#39;re moving to <b>Loyalto</b> next quarter.</p>"},
                        contacts={"contacts": [{"type": "contact", "id": ann}]},
                        conversation_rating={"rating": 2}, tags={"tags": [{"name": "billing"}]})
    intercom.put("conversations", title="Seats?", state="snoozed", source={"body": "How many seats?"},
                 contacts={"contacts": [{"type": "contact", "id": gus}]})
    return {"acme": acme, "ann": ann, "chat": chat}


def test_backfill_and_incremental(intercom_connection, intercom, book, tenure_accounts):
    run = sync.run_sync(intercom_connection)
    assert run.status == RunStatus.SUCCEEDED, (run.message, run.errors)
    acme, globex = tenure_accounts["acme"], tenure_accounts["globex"]
    chat = Ticket.objects.get(external_id=f"intercom:{book['chat']}")
    assert (chat.account, chat.contact.email, chat.status, chat.priority, chat.csat, chat.category) == (
        acme, "ann@acme.example", "closed", "high", 2, "billing")
    assert chat.body == "We're moving to Loyalto next quarter." and chat.subject.startswith("We're moving")
    assert Ticket.objects.get(subject="Seats?").account == globex  # the lead matched by their email's domain
    intercom.put("conversations", book["chat"], state="open")
    again = sync.run_sync(intercom_connection)
    assert again.by_type["conversations"]["updated"] == 1 and again.created == 0
    assert Ticket.objects.get(external_id=f"intercom:{book['chat']}").status == "open"


def test_signed_webhooks(client, intercom_connection, intercom, book, tenure_accounts,
                         django_capture_on_commit_callbacks):
    sync.run_sync(intercom_connection)
    new = intercom.put("conversations", title="Broken export", state="open", source={"body": "help"},
                       contacts={"contacts": [{"type": "contact", "id": book["ann"]}]})
    payload = {"type": "notification_event", "id": "notif_1", "topic": "conversation.user.created",
               "created_at": 1, "data": {"item": {"type": "conversation", "id": new}}}
    body, headers = intercom.signed("ic-secret", payload)
    url = f"/connectors/{intercom_connection.pk}/webhook/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, body, content_type="application/json", headers=headers).status_code == 200
    assert Ticket.objects.get(external_id=f"intercom:{new}").account == tenure_accounts["acme"]
    assert client.post(url, body, content_type="application/json",
                       headers={"X-Hub-Signature": "sha1=00"}).status_code == 400
