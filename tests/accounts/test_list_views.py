"""The accounts list as a team uses it: active customers by default, any view downloaded as CSV, and a leader's
change of owner or stage for many accounts at once (audited, all or none)."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from tenure.accounts.models import Account
from tenure.engagement.models import Touch
from tenure.users.models import AuditEntry, Role
from tests.factories import make_account, make_user, timeline_changes

pytestmark = pytest.mark.django_db
URL = reverse("accounts:list")


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def names(response) -> list[str]:
    html = response.content.decode()
    return [a.split(">", 1)[1].split("<", 1)[0] for a in html.split('class="account-name"')[1:]]


def test_churned_accounts_are_history_shown_when_asked_for(csm):
    make_account(name="Acme", stage="adopting")
    make_account(name="Gone", stage="churned")
    c = client_for(csm)
    assert names(c.get(URL)) == ["Acme"]
    assert names(c.get(URL, {"stage": "all"})) == ["Acme", "Gone"]
    assert names(c.get(URL, {"stage": "churned"})) == ["Gone"]
    assert "Active customers" in c.get(URL).content.decode()


def test_any_view_downloads_whole_as_csv_with_safe_cells(csm):
    for i in range(30):
        make_account(name=f"Smb {i:02d}", segment="smb")
    make_account(name="=HYPERLINK(\"http://evil\")", segment="smb")
    make_account(name="Big Co", segment="enterprise")
    response = client_for(csm).get(URL, {"segment": "smb", "export": "csv", "sort": "name"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 31 and all(r["segment"] == "smb" for r in rows)  # every page, only the view's accounts
    assert rows[0]["account"].startswith("'=")  # shown, never run
    assert {"owner", "mrr", "health_score", "churn_probability", "utilization"} <= set(rows[0])


def test_a_leader_reassigns_many_accounts_at_once_audited_and_on_each_timeline(leader, csm):
    accounts = [make_account(name=f"A{i}") for i in range(3)]
    c = client_for(leader)
    page = c.get(URL).content.decode()
    assert 'id="bulk-accounts"' in page and 'form="bulk-accounts"' in page
    response = c.post(reverse("accounts:bulk"), {"account_ids": [a.pk for a in accounts], "owner": csm.pk,
                                                 "stage": "renewing", "query": "segment=&stage="})
    assert response.status_code == 302
    assert set(Account.objects.values_list("owner_id", "stage")) == {(csm.pk, "renewing")}
    audited = AuditEntry.objects.filter(model="accounts.account", field="owner", actor=leader)
    assert audited.count() == 3 and set(audited.values_list("new", flat=True)) == {str(csm)}
    for a in accounts:
        assert timeline_changes(a)[0] == (
            f"{leader}: update account {a.name}: lifecycle stage Onboarding → Renewing; owner CSM — → {csm}")
    assert not Touch.objects.exists()  # a change in Tenure, not a touch with the customer


def test_bulk_changes_are_all_or_none_and_not_for_csms(leader, csm):
    accounts = [make_account(name=f"A{i}", stage="adopting") for i in range(2)]
    gone = make_user(Role.CSM, is_active=False)
    c = client_for(leader)
    response = c.post(reverse("accounts:bulk"), {"account_ids": [a.pk for a in accounts], "owner": gone.pk},
                      follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert not Account.objects.filter(owner__isnull=False).exists()
    response = c.post(reverse("accounts:bulk"), {"account_ids": ["x"], "stage": "renewing"}, follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert client_for(csm).post(reverse("accounts:bulk"), {"account_ids": [accounts[0].pk],
                                                           "stage": "renewing"}).status_code == 403
    assert 'id="bulk-accounts"' not in client_for(csm).get(URL).content.decode()
    assert set(Account.objects.values_list("stage", flat=True)) == {"adopting"}
