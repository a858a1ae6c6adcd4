"""An owner chosen by a person, an import or the API is written on the timeline and kept by the assignment rules,
whichever door the change comes through."""

import datetime as dt
import textwrap

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenure.accounts import services
from tenure.accounts.assignment import assign_accounts, refresh_assignments
from tenure.accounts.models import Account, AssignmentRule, Contact
from tenure.engagement.models import Touch
from tenure.integrations.csv_import import import_csv
from tenure.users.models import AuditEntry
from tests.factories import make_account, make_contact, make_subscription, make_user, timeline_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ruled():
    """Two accounts above 50 seats, handed by the named-CSM rule to ann (the least loaded of ann and ben)."""
    ann = make_user(username="ann", capacity=10)
    ben = make_user(username="ben", capacity=10)
    rule = AssignmentRule.objects.create(name="Named CSM above 50 licenses", position=1, min_seats=51)
    rule.team.set([ann, ben])
    accounts = []
    for n in range(2):
        account = make_account(name=f"Big {n}", crm_id=f"C-{n}")
        make_subscription(account, seats=120, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
        accounts.append(account)
    assign_accounts()
    for account in accounts:
        account.refresh_from_db()
        assert account.assigned_by_rule == rule
    return accounts, make_user(username="carl")  # carl is on no rule's team


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str):
        path = tmp_path / "accounts.csv"
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


def _kept_after_refresh(account: Account, owner) -> None:
    account.refresh_from_db()
    assert account.owner == owner and account.assigned_by_rule is None
    refresh_assignments([account.pk])
    account.refresh_from_db()
    assert account.owner == owner


def test_an_owner_set_by_import_is_on_the_timeline_and_survives_the_next_assignment_run(ruled, csv_file):
    (first, second), carl = ruled
    before = {a.pk: a.owner for a in (first, second)}
    path = csv_file("""
        crm_id,owner
        C-0,carl
        C-1,
    """)

    result = import_csv("accounts", path)

    assert (result.updated, result.unchanged) == (2, 0), result.error_lines()
    _kept_after_refresh(first, carl)
    second.refresh_from_db()
    assert second.owner is None and second.assigned_by_rule is None  # no owner: the rules' to assign again
    assert timeline_changes(first)[0] == (
        f"import of accounts from {path.name}: update account {first.name}: owner CSM {before[first.pk]} → carl")
    assert timeline_changes(second)[0] == (
        f"import of accounts from {path.name}: update account {second.name}: owner CSM {before[second.pk]} → —")
    assert not Touch.objects.exists()  # not a touch with the customer


def test_reimporting_owners_records_no_second_change(ruled, csv_file):
    path = csv_file("""
        crm_id,owner
        C-0,carl
    """)
    import_csv("accounts", path)
    stamp = Account.objects.get(crm_id="C-0").updated_at
    entries = AuditEntry.objects.count()

    again = import_csv("accounts", path)

    assert again.unchanged == 1
    assert AuditEntry.objects.count() == entries
    assert Account.objects.get(crm_id="C-0").updated_at == stamp


def test_an_owner_set_in_the_admin_is_on_the_timeline_and_survives_the_next_assignment_run(ruled):
    (account, _), carl = ruled
    admin = make_user("admin", username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    form = {
        "name": account.name, "domain": account.domain, "crm_id": account.crm_id, "billing_id": "",
        "product_group_id": "", "industry": "", "segment": account.segment, "stage": account.stage,
        "owner": carl.pk, "custom": "{}",
        "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }

    response = client.post(f"/admin/accounts/account/{account.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    _kept_after_refresh(account, carl)
    assert (timeline_changes(account)[0].startswith("root: update account") and "owner CSM" in timeline_changes(
        account)[0] and timeline_changes(account)[0].endswith("→ carl")) or "→ carl;" in timeline_changes(account)[0]


def test_an_owner_set_through_the_api_is_on_the_timeline_and_survives_the_next_assignment_run(ruled, csm_client,
                                                                                                 csm):
    (account, _), carl = ruled

    response = csm_client.patch(f"/api/accounts/{account.pk}", {"owner_id": carl.pk},
                                content_type="application/json")

    assert response.status_code == 200, response.content
    _kept_after_refresh(account, carl)
    latest = timeline_changes(account)[0]
    assert latest.startswith(f"{csm}: update account {account.name}: ") and "→ carl" in latest


def test_update_accounts_takes_a_fixed_number_of_queries_whatever_the_number_of_accounts(csm):
    def run(n: int) -> int:
        accounts = [make_account() for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            services.update_accounts([(a, {"owner": csm, "segment": "enterprise"}) for a in accounts],
                                     source="import")
        return len(queries)

    assert run(2) == run(20)
    assert AuditEntry.objects.filter(model="accounts.account", field="owner", new=str(csm)).count() == 22
    assert set(Account.objects.values_list("owner", "segment")) == {(csm.pk, "enterprise")}


def test_update_accounts_refuses_an_inactive_owner():
    account = make_account()
    gone = make_user(username="gone", is_active=False)

    with pytest.raises(Exception, match="not an active user"):
        services.update_accounts([(account, {"owner": gone})])

    account.refresh_from_db()
    assert account.owner is None and not Touch.objects.exists()


def test_update_contacts_sets_roles_and_moves_updated_at_only_when_something_changed():
    contact = make_contact(roles=["user"])
    stamp = contact.updated_at

    unchanged = services.update_contacts([(contact, {"roles": ["user"], "email": contact.email.upper()})])
    changed = services.update_contacts([(contact, {"roles": ["champion"]})])

    assert unchanged == [] and changed == [contact]
    stored = Contact.objects.get(pk=contact.pk)
    assert stored.is_champion and not stored.is_user and stored.updated_at > stamp


def test_contacts_saved_in_the_admin_go_through_the_accounts_service():
    account = make_account(name="Admin Corp")
    contact = make_contact(account, name="Ann", email="ann@example.com")
    client = Client()
    client.force_login(make_user("admin", username="root", is_staff=True, is_superuser=True))
    form = {
        "name": account.name, "domain": account.domain, "crm_id": "", "billing_id": "", "product_group_id": "",
        "industry": "", "segment": account.segment, "stage": account.stage, "owner": "", "custom": "{}",
        "contacts-TOTAL_FORMS": "2", "contacts-INITIAL_FORMS": "1", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-id": contact.pk, "contacts-0-account": account.pk, "contacts-0-name": "Ann",
        "contacts-0-email": "ANN@Example.com", "contacts-0-title": "", "contacts-0-is_champion": "on",
        "contacts-1-account": account.pk, "contacts-1-name": "Bob", "contacts-1-email": " Bob@Example.com ",
        "contacts-1-title": "CFO",
    }

    response = client.post(f"/admin/accounts/account/{account.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    assert contact.is_champion and contact.email == "ann@example.com"
    assert account.contacts.get(name="Bob").email == "bob@example.com"
    account.refresh_from_db()
    assert account.owner is None and not Touch.objects.filter(account=account).exists()
