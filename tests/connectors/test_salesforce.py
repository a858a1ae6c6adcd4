"""Salesforce against a local server speaking its REST query API: accounts, contacts and opportunities by SOQL in
SystemModstamp order with nextRecordsUrl batches; the next sync reads only what changed; a crash resumes from the
last stored batch; opt-in write-back through the composite API."""

import datetime as dt

import pytest

from tenure.accounts.models import Account, Contact
from tenure.connectors import sync
from tenure.connectors.models import RunStatus
from tenure.renewals.models import Deal
from tenure.users.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(salesforce):
    owner = salesforce.put("User", Email="alice@vendor.example", Name="Alice")
    acme = salesforce.put("Account", Name="Acme", Website="https://www.acme.example/home", Industry="Retail",
                          OwnerId=owner)
    globex = salesforce.put("Account", Name="Globex", Website=None, OwnerId=owner)
    salesforce.put("Contact", Email="ann@acme.example", FirstName="Ann", LastName="Lee", Title="CTO", AccountId=acme)
    salesforce.put("Contact", Email="gus@globex.example", FirstName="Gus", AccountId=globex)
    salesforce.put("Opportunity", Name="Acme renewal FY27", Amount=24000.0, StageName="Closed Won",
                   CloseDate="2026-11-30", Type="Renewal", IsClosed=True, IsWon=True, AccountId=acme, OwnerId=owner)
    salesforce.put("Opportunity", Name="Globex upsell", Amount=5000.0, StageName="Prospecting",
                   CloseDate="2027-02-01", Type="Existing Customer - Upgrade", IsClosed=False, IsWon=False,
                   AccountId=globex)
    return {"acme": acme, "globex": globex}


def test_backfill_and_then_only_what_changed(salesforce_connection, salesforce, book):
    alice = make_user(Role.CSM, username="alice", email="alice@vendor.example")
    run = sync.run_sync(salesforce_connection)
    assert run.status == RunStatus.SUCCEEDED, (run.message, run.errors)
    acme = Account.objects.get(crm_id=book["acme"])
    assert (acme.name, acme.domain, acme.industry, acme.owner) == ("Acme", "acme.example", "Retail", alice)
    assert Contact.objects.get(email="ann@acme.example").account == acme
    renewal = Deal.objects.get(source="salesforce", name="Acme renewal FY27")
    assert (renewal.kind, renewal.status, renewal.amount, renewal.owner) == ("renewal", "won", 24000, alice)
    assert Deal.objects.get(name="Globex upsell").kind == "expansion"
    salesforce.put("Account", book["globex"], Name="Globex Corp")
    again = sync.run_sync(salesforce_connection)
    # the changed account, and each type's last record again (its cursor is ">=" the last time seen)
    assert again.created == 0 and again.by_type["accounts"]["updated"] == 1
    assert Account.objects.get(crm_id=book["globex"]).name == "Globex Corp"


def test_a_crash_mid_sync_resumes_from_the_last_stored_batch(salesforce_connection, salesforce, monkeypatch):
    for i in range(7):
        salesforce.put("Account", Name=f"Co {i}", Website=f"co{i}.example")
    from tenure.connectors.salesforce import Salesforce

    original, calls = Salesforce.store_accounts, []

    def dies_on_the_third_batch(self, tally, records):
        calls.append(len(records))
        if len(calls) == 3:
            raise OSError("the process died")
        return original(self, tally, records)

    monkeypatch.setattr(Salesforce, "store_accounts", dies_on_the_third_batch)
    assert sync.run_sync(salesforce_connection).status == RunStatus.FAILED
    assert Account.objects.count() == 4
    monkeypatch.setattr(Salesforce, "store_accounts", original)
    assert sync.run_sync(salesforce_connection).status == RunStatus.SUCCEEDED
    assert Account.objects.count() == 7


def test_write_back_through_the_composite_api(salesforce_connection, salesforce, book):
    from tenure.billing.services import create_subscription
    from tenure.health.services import score_accounts

    sync.run_sync(salesforce_connection)
    acme = Account.objects.get(crm_id=book["acme"])
    create_subscription(account=acme, plan="Pro", seats=10, mrr=500, start_date=dt.date.today() - dt.timedelta(400),
                        end_date=dt.date.today() + dt.timedelta(100))
    score_accounts([acme.pk], dt.date.today())
    salesforce_connection.options = {**salesforce_connection.options, "write_back": True}
    salesforce_connection.save()
    sync.run_sync(salesforce_connection)
    written = {r["id"]: r for r in salesforce.updates}
    assert set(written) == {book["acme"], book["globex"]}
    assert written[book["acme"]]["Tenure_Health_Band__c"] == acme.health.band
    assert written[book["globex"]]["Tenure_Health_Score__c"] is None  # not scored: nothing made up
