"""HubSpot against a local server speaking its CRM v3 shapes: backfill, incremental search by modification time
past the 10,000-result window, rate limits, signed v3 webhooks, and the opt-in write-back of health and churn."""

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.connectors import sync
from tenure.connectors.models import Conflict, InboxEvent, RunStatus
from tenure.renewals.models import Deal
from tenure.users.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(hubspot):
    hubspot.owners = [{"id": "7", "email": "Alice@vendor.example", "firstName": "Alice"},
                      {"id": "8", "email": "nobody@vendor.example", "firstName": "Nobody"}]
    acme = hubspot.put("companies", name="Acme", domain="www.acme.example", industry="Retail", hubspot_owner_id=7)
    globex = hubspot.put("companies", name="Globex", domain="globex.example", hubspot_owner_id=8)
    hubspot.put("contacts", email="ann@acme.example", firstname="Ann", lastname="Lee", jobtitle="CTO",
                associatedcompanyid=acme, hs_buying_role="EXECUTIVE_SPONSOR;CHAMPION")
    hubspot.put("contacts", email="gus@globex.example", firstname="Gus", associatedcompanyid=globex,
                hs_buying_role="END_USER")
    hubspot.put("contacts", email="drifter@nowhere.example", firstname="Dri")  # no company
    renewal = hubspot.put("deals", dealname="Acme renewal 2027", amount="24000", dealstage="closedwon",
                          dealtype="renewal", hs_is_closed="true", hs_is_closed_won="true",
                          closedate="2026-11-30T00:00:00Z")
    expansion = hubspot.put("deals", dealname="Globex +50 seats", amount="9000.5", dealstage="qualified",
                            dealtype="existingbusiness", hs_is_closed="false", hs_is_closed_won="false")
    hubspot.deal_companies = {renewal: [acme], expansion: [globex]}
    return {"acme": acme, "globex": globex}


def test_backfill_companies_contacts_owners_and_deals(hubspot_connection, book):
    alice = make_user(Role.CSM, username="alice", email="alice@vendor.example")
    globex = accounts.create_account(name="Globex Corporation", domain="globex.example", owner=alice)
    run = sync.run_sync(hubspot_connection)
    assert run.status == RunStatus.SUCCEEDED, (run.message, run.errors)
    assert Account.objects.count() == 2  # Globex matched by domain, not made twice
    acme = Account.objects.get(crm_id=book["acme"])
    assert (acme.name, acme.domain, acme.industry, acme.owner) == ("Acme", "acme.example", "Retail", alice)
    globex.refresh_from_db()
    assert globex.crm_id == book["globex"] and globex.name == "Globex Corporation"  # a person's name stays
    ann = Contact.objects.get(email="ann@acme.example")
    assert (ann.account, ann.name, ann.title, ann.is_executive_sponsor, ann.is_champion) == (
        acme, "Ann Lee", "CTO", True, True)
    assert Contact.objects.get(email="gus@globex.example").is_user
    assert not Contact.objects.filter(email="drifter@nowhere.example").exists()
    assert any("drifter" in e or "no account" in e for e in run.errors)  # left out, in words
    assert any("nobody@vendor.example" in e for e in run.errors)
    won = Deal.objects.get(name="Acme renewal 2027")
    assert (won.account, won.kind, won.status, won.amount, str(won.close_date)) == (
        acme, "renewal", "won", 24000, "2026-11-30")
    assert Deal.objects.get(account=globex).kind == "expansion"
    from django.test import Client

    page = Client()
    page.force_login(alice)
    shown = page.get(f"/accounts/{globex.pk}/").content.decode()
    assert "Deals in the CRM" in shown and "Globex +50 seats" in shown
    assert Conflict.objects.filter(field="name", source_value="Globex").exists()


def test_the_next_sync_reads_only_what_changed(hubspot_connection, hubspot, book):
    sync.run_sync(hubspot_connection)
    hubspot.put("companies", book["acme"], name="Acme Group")
    hubspot.calls.clear()
    run = sync.run_sync(hubspot_connection)
    assert run.by_type["companies"] == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert "contacts" not in run.by_type and "deals" not in run.by_type  # nothing changed there: nothing read
    assert Account.objects.get(crm_id=book["acme"]).name == "Acme Group"  # no person renamed it: it follows


def test_more_than_the_search_window_is_walked_by_restarting_from_the_last_time(hubspot_connection, hubspot,
                                                                                monkeypatch):
    monkeypatch.setattr("tenure.connectors.hubspot.PAGE", 3)
    monkeypatch.setattr("tenure.connectors.hubspot.SEARCH_WINDOW", 6)
    hubspot.WINDOW = 6
    for i in range(20):
        hubspot.put("companies", name=f"Co {i}", domain=f"co{i}.example")
    run = sync.run_sync(hubspot_connection, object_types=["companies"])
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert Account.objects.count() == 20 and run.created == 20


def test_a_rate_limit_is_waited_out(hubspot_connection, hubspot, book):
    hubspot.throttle = 3
    run = sync.run_sync(hubspot_connection)
    assert run.status == RunStatus.SUCCEEDED and Account.objects.count() == 2
    hubspot.throttle = 50
    failed = sync.run_sync(hubspot_connection, full=True)
    assert failed.status == RunStatus.FAILED and "429" in failed.message


def test_signed_webhooks_fetch_the_object_they_name(client, hubspot_connection, hubspot, book,
                                                    django_capture_on_commit_callbacks):
    sync.run_sync(hubspot_connection)
    hubspot.put("companies", book["acme"], name="Acme Worldwide")
    url = f"http://testserver/connectors/{hubspot_connection.pk}/webhook/"
    events = [{"eventId": 1001, "subscriptionType": "company.propertyChange", "objectId": int(book["acme"]),
               "propertyName": "name", "propertyValue": "Acme Worldwide", "occurredAt": int(time.time() * 1000)}]
    body, headers = hubspot.signed("hs-secret", url, events)
    for _ in range(2):  # HubSpot retries: kept once
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, body, content_type="application/json", headers=headers).status_code == 200
    assert InboxEvent.objects.count() == 1
    assert Account.objects.get(crm_id=book["acme"]).name == "Acme Worldwide"  # processed by the queue at once
    bad = client.post(url, body, content_type="application/json", headers={**headers, "X-HubSpot-Signature-v3": "x"})
    assert bad.status_code == 400
    old_body, old_headers = hubspot.signed("hs-secret", url, events, at_ms=int(time.time() * 1000) - 600_000)
    assert client.post(url, old_body, content_type="application/json", headers=old_headers).status_code == 400


def test_health_and_churn_are_written_back_only_when_asked(hubspot_connection, hubspot, book):
    from tenure.health.models import AccountHealth
    from tenure.health.services import score_accounts

    sync.run_sync(hubspot_connection)
    assert hubspot.updates == []
    from tenure.billing.services import create_subscription

    acme = Account.objects.get(crm_id=book["acme"])
    create_subscription(account=acme, plan="Pro", seats=10, mrr=500, start_date=dt.date.today() - dt.timedelta(400),
                        end_date=dt.date.today() + dt.timedelta(100))
    score_accounts(list(Account.objects.values_list("pk", flat=True)), dt.date.today())
    assert AccountHealth.objects.filter(account=acme).exists()
    hubspot_connection.options = {**hubspot_connection.options, "write_back": True}
    hubspot_connection.save()
    sync.run_sync(hubspot_connection)
    written = {u["id"]: u["properties"] for u in hubspot.updates}
    assert set(written) == {book["acme"], book["globex"]}
    for company, properties in written.items():
        health = AccountHealth.objects.filter(account__crm_id=company).first()
        assert properties["tenure_health_band"] == (health.band if health else "")
        assert properties["tenure_health_score"] == (str(round(health.score)) if health and health.score is not None
                                                     else "")
    assert any(p["tenure_health_band"] for p in written.values())  # what was scored is written


def test_a_leader_lets_the_crm_win_a_field_and_the_next_sync_follows(client, leader, hubspot_connection, hubspot,
                                                                     book):
    sync.run_sync(hubspot_connection)
    acme = Account.objects.get(crm_id=book["acme"])
    accounts.update_account(acme, name="ACME (our name)")
    client.force_login(leader)
    page = client.get(f"/setup/connections/{hubspot_connection.pk}/").content.decode()
    assert "companies.name" in page and "Who wins" in page
    response = client.post(f"/setup/connections/{hubspot_connection.pk}/rules/", {"companies.name": "source"})
    assert response.status_code == 302
    hubspot.put("companies", book["acme"], name="Acme Holdings")
    hubspot_connection.refresh_from_db()
    sync.run_sync(hubspot_connection)
    acme.refresh_from_db()
    assert acme.name == "Acme Holdings" and not Conflict.objects.filter(field="name", resolution="").exists()
    with pytest.raises(ValidationError):
        sync.set_rules(hubspot_connection, {"companies.price": "source"})
