"""Every connector resumes after a crash mid-sync from its last stored page, and a full re-sync afterwards creates
nothing twice (Stripe's and Salesforce's own tests show the same against their servers)."""

import pytest

from tenure.accounts import services as accounts
from tenure.connectors import sync
from tenure.connectors.models import RunStatus
from tenure.support.models import Ticket

pytestmark = pytest.mark.django_db


def _dies_on_the_second_page(monkeypatch, cls, method):
    original, pages = getattr(cls, method), []

    def dying(self, *args, **kwargs):
        pages.append(1)
        if len(pages) == 2:
            raise ConnectionResetError("the process died")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, dying)
    return lambda: monkeypatch.setattr(cls, method, original)


def _crash_then_resume(connection, count, expected):
    first = sync.run_sync(connection)
    assert first.status == RunStatus.FAILED and "ConnectionResetError" in first.message
    partial = count()
    assert 0 < partial < expected  # the first page was kept with its cursor
    return partial


def test_hubspot_resumes_and_creates_nothing_twice(hubspot_connection, hubspot, monkeypatch):
    from tenure.accounts.models import Account
    from tenure.connectors.hubspot import HubSpot

    monkeypatch.setattr("tenure.connectors.hubspot.PAGE", 2)
    for i in range(5):
        hubspot.put("companies", name=f"Co {i}", domain=f"co{i}.example")
    restore = _dies_on_the_second_page(monkeypatch, HubSpot, "store_companies")
    _crash_then_resume(hubspot_connection, Account.objects.count, 5)
    restore()
    assert sync.run_sync(hubspot_connection).status == RunStatus.SUCCEEDED
    assert Account.objects.count() == 5
    again = sync.run_sync(hubspot_connection, full=True)
    assert again.created == 0 and Account.objects.count() == 5


def test_zendesk_resumes_and_creates_nothing_twice(zendesk_connection, zendesk, monkeypatch):
    from tenure.connectors.zendesk import Zendesk

    accounts.create_account(name="Acme", domain="acme.example")
    org = zendesk.put("organizations", name="Acme", domain_names=["acme.example"])
    for i in range(5):
        zendesk.put("tickets", subject=f"Ticket {i}", description="", status="open", organization_id=org)
    restore = _dies_on_the_second_page(monkeypatch, Zendesk, "_store_tickets")
    _crash_then_resume(zendesk_connection, Ticket.objects.count, 5)
    restore()
    assert sync.run_sync(zendesk_connection).status == RunStatus.SUCCEEDED
    assert Ticket.objects.count() == 5
    again = sync.run_sync(zendesk_connection, full=True)
    assert again.created == 0 and Ticket.objects.count() == 5


def test_intercom_resumes_and_creates_nothing_twice(intercom_connection, intercom, monkeypatch):
    from tenure.accounts.models import Contact
    from tenure.connectors.intercom import Intercom

    accounts.create_account(name="Acme", domain="acme.example")
    for i in range(5):
        intercom.put("contacts", role="user", email=f"p{i}@acme.example", name=f"P {i}")
    restore = _dies_on_the_second_page(monkeypatch, Intercom, "_store_contacts")
    _crash_then_resume(intercom_connection, Contact.objects.count, 5)
    restore()
    assert sync.run_sync(intercom_connection).status == RunStatus.SUCCEEDED
    assert Contact.objects.count() == 5
    again = sync.run_sync(intercom_connection, full=True)
    assert again.created == 0 and Contact.objects.count() == 5
