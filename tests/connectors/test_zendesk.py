"""Zendesk against a local server speaking its incremental export API: organizations matched (never created),
end users as contacts, tickets with requester, status, priority and satisfaction; the next sync reads only what
changed; a signed webhook brings a ticket at once; the competition detector reads what arrived."""

import datetime as dt

import pytest

from tenure.accounts import services as accounts
from tenure.accounts.models import Account
from tenure.connectors import sync
from tenure.connectors.models import InboxEvent, RunStatus
from tenure.support.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(zendesk):
    acme = zendesk.put("organizations", name="Acme Inc", domain_names=["acme.example"])
    globex = zendesk.put("organizations", name="Globex", domain_names=[])
    stranger = zendesk.put("organizations", name="Nobody We Know", domain_names=["unknown.example"])
    ann = zendesk.put("users", name="Ann Lee", email="ann@acme.example", role="end-user", organization_id=acme)
    gus = zendesk.put("users", name="Gus", email="gus@globex.example", role="end-user", organization_id=globex)
    zendesk.put("users", name="Agent Smith", email="smith@vendor.example", role="agent")
    walkin = zendesk.put("users", name="Walk In", email="wi@gmail.com", role="end-user")
    t1 = zendesk.put("tickets", subject="Exports fail", description="We are evaluating alternatives. Retainly "
                     "looks good.", status="open", priority="urgent", requester_id=ann, organization_id=acme,
                     type="problem")
    t2 = zendesk.put("tickets", subject="How do I add a seat?", description="…", status="solved", priority=None,
                     requester_id=gus, organization_id=globex, satisfaction_rating={"score": "good"})
    zendesk.put("tickets", subject="Hello", description="?", status="new", requester_id=walkin,
                organization_id=stranger)
    return {"acme": acme, "globex": globex, "ann": ann, "t1": t1, "t2": t2}


@pytest.fixture
def accounts_in_tenure(db):
    return (accounts.create_account(name="Acme", domain="acme.example"),
            accounts.create_account(name="Globex"))


def test_backfill_matches_organizations_and_brings_people_and_tickets(zendesk_connection, book, accounts_in_tenure):
    acme, globex = accounts_in_tenure
    run = sync.run_sync(zendesk_connection)
    assert run.status == RunStatus.SUCCEEDED, (run.message, run.errors)
    assert Account.objects.count() == 2  # a helpdesk never makes accounts
    assert any("Nobody We Know" in e for e in run.errors)  # left out, in words
    urgent = Ticket.objects.get(external_id=f"zendesk:{book['t1']}")
    assert (urgent.account, urgent.contact.email, urgent.priority, urgent.status, urgent.category) == (
        acme, "ann@acme.example", "urgent", "open", "problem")
    solved = Ticket.objects.get(external_id=f"zendesk:{book['t2']}")
    assert (solved.account, solved.csat, solved.status, solved.priority) == (globex, 5, "solved", "normal")
    assert solved.resolved_at is not None and solved.resolved_at >= solved.opened_at
    assert Ticket.objects.count() == 2
    assert not acme.contacts.filter(email="smith@vendor.example").exists()  # agents are staff, not contacts
    # the competition detector reads the ticket's words on the next refresh
    from tenure.facts.load import load_facts
    from tenure.risk.detectors import Thresholds, competition

    found = competition(load_facts([acme.pk], dt.date.today())[acme.pk], Thresholds())
    assert found and "Retainly" in str(found[0].numbers) + str(found[0])


def test_the_next_sync_reads_only_what_changed_and_a_rerun_makes_nothing_twice(zendesk_connection, zendesk, book,
                                                                               accounts_in_tenure):
    sync.run_sync(zendesk_connection)
    zendesk.put("tickets", book["t1"], status="solved")
    run = sync.run_sync(zendesk_connection)
    assert run.by_type["tickets"] == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert Ticket.objects.get(external_id=f"zendesk:{book['t1']}").status == "solved"
    full = sync.run_sync(zendesk_connection, full=True)
    assert full.created == 0 and Ticket.objects.count() == 2


def test_a_signed_webhook_brings_a_ticket_and_its_new_requester_at_once(client, zendesk_connection, zendesk, book,
                                                                        accounts_in_tenure,
                                                                        django_capture_on_commit_callbacks):
    acme, _ = accounts_in_tenure
    sync.run_sync(zendesk_connection)
    bob = zendesk.put("users", name="Bob", email="bob@acme.example", role="end-user", organization_id=book["acme"])
    ticket = zendesk.put("tickets", subject="Login broken", description="since today", status="new",
                         priority="high", requester_id=bob, organization_id=book["acme"])
    body, headers = zendesk.signed("zd-secret", {"ticket_id": str(ticket), "updated_at": "2026-12-02T10:00:00Z"})
    url = f"/connectors/{zendesk_connection.pk}/webhook/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, body, content_type="application/json", headers=headers).status_code == 200
    created = Ticket.objects.get(external_id=f"zendesk:{ticket}")
    assert (created.account, created.contact.email, created.priority) == (acme, "bob@acme.example", "high")
    assert InboxEvent.objects.get().status == "done"
    stale_body, stale_headers = zendesk.signed("zd-secret", {"ticket_id": str(ticket)},
                                               at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    assert client.post(url, stale_body, content_type="application/json", headers=stale_headers).status_code == 400
    forged = {**headers, "X-Zendesk-Webhook-Signature": "AAAA"}
    assert client.post(url, body, content_type="application/json", headers=forged).status_code == 400
    nameless_body, nameless_headers = zendesk.signed("zd-secret", {"hello": 1})
    assert client.post(url, nameless_body, content_type="application/json",
                       headers=nameless_headers).status_code == 400


def test_wrong_credentials_fail_in_words(zendesk_connection):
    sync.set_credentials(zendesk_connection, {"api_token": "wrong"})
    run = sync.test_connection(zendesk_connection)
    assert run.status == RunStatus.FAILED and "refused the credentials (401)" in run.message
