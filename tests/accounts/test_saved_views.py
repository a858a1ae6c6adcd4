"""Saved views of the accounts list: a person keeps their filters, columns and order under a name; a leader or CS
operations shares one with the team; only its owner changes it; the columns picked are the page's and the CSV's."""

import csv
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tenure.accounts import saved_views
from tenure.accounts.models import Account, SavedView
from tenure.users.models import AuditEntry, Role
from tests.accounts.pages import listed
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db
URL = reverse("accounts:list")
RENEWALS_VIEW = "segment=enterprise&stage=all&cols=owner&cols=arr&cols=days_to_renewal&sort=-name"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def header_columns(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<th scope="col" data-column="([a-z_]+)"', response.content.decode())


@pytest.fixture
def accounts(db):
    make_account(name="Acme", segment="enterprise", stage="mature")
    make_account(name="Beta", segment="smb", stage="adopting")
    make_account(name="Gone Corp", segment="enterprise", stage="churned")


@pytest.fixture
def other_csm(db):
    return make_user(Role.CSM, username="bob")


@pytest.fixture
def ops(db):
    return make_user(Role.CS_OPS, username="olga")


def test_a_csm_saves_the_list_as_shown_and_opens_it_again(csm, accounts):
    c = client_for(csm)
    response = c.post(reverse("accounts:save_view"), {"name": "  Enterprise  renewals ", "query": RENEWALS_VIEW})
    view = SavedView.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}?view={view.pk}"
    assert (view.name, view.owner, view.shared) == ("Enterprise renewals", csm, False)
    assert view.filters == {"segment": "enterprise", "stage": "all"}
    assert view.columns == ["name", "owner", "arr", "days_to_renewal"]  # the name always, catalogue order
    assert view.sort == "-name"
    opened = c.get(URL, {"view": view.pk})
    assert listed(opened) == ["Gone Corp", "Acme"]  # its filters (churned too) and its order
    assert header_columns(opened) == ["name", "owner", "arr", "days_to_renewal"]
    assert f'<option value="{view.pk}" selected>Enterprise renewals</option>' in opened.content.decode()
    # The default list is unchanged by it.
    assert listed(c.get(URL)) == ["Acme", "Beta"]
    assert "segment" in header_columns(c.get(URL)) and "days_to_renewal" not in header_columns(c.get(URL))


def test_a_sort_or_filter_changed_on_an_opened_view_applies_on_top_of_it(csm, accounts):
    view = saved_views.create_view(owner=csm, name="Enterprise", query=RENEWALS_VIEW)
    c = client_for(csm)
    response = c.get(URL, {"view": view.pk, "sort": "name"})
    assert listed(response) == ["Acme", "Gone Corp"]
    assert header_columns(response) == ["name", "owner", "arr", "days_to_renewal"]
    # The table's links keep the view open.
    assert f"?view={view.pk}&amp;sort=-name" in response.content.decode()


def test_a_private_view_is_seen_and_used_by_its_owner_only(csm, other_csm, accounts):
    view = saved_views.create_view(owner=csm, name="Mine only", query="segment=smb&cols=stage")
    bob = client_for(other_csm)
    page = bob.get(URL, {"view": view.pk})
    assert "Mine only" not in page.content.decode()
    assert listed(page) == ["Acme", "Beta"]  # not its filters: the default list
    assert "segment" in header_columns(page)  # nor its columns
    assert list(saved_views.visible_views(other_csm)) == []
    assert bob.post(reverse("accounts:change_view", args=[view.pk]), {"name": "Taken"}).status_code == 404
    assert bob.post(reverse("accounts:delete_view", args=[view.pk])).status_code == 404
    assert SavedView.objects.get().name == "Mine only"


def test_a_shared_view_is_open_to_everyone_but_changed_by_its_owner_only(leader, csm, reader, accounts):
    c = client_for(leader)
    c.post(reverse("accounts:save_view"), {"name": "Churned enterprise", "shared": "on",
                                           "query": "segment=enterprise&stage=churned&cols=owner"})
    view = SavedView.objects.get()
    assert view.shared
    for user in (csm, reader):
        page = client_for(user).get(URL, {"view": view.pk})
        assert listed(page) == ["Gone Corp"] and header_columns(page) == ["name", "owner"]
        assert f"Churned enterprise — {leader}" in page.content.decode()
        assert 'id="change-view"' not in page.content.decode()  # no owner's controls for them
    alice = client_for(csm)
    assert alice.post(reverse("accounts:change_view", args=[view.pk]), {"name": "Mine now"}).status_code == 403
    assert alice.post(reverse("accounts:delete_view", args=[view.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        saved_views.update_view(view, by=csm, query="stage=all")
    view.refresh_from_db()
    assert (view.name, view.filters) == ("Churned enterprise", {"segment": "enterprise", "stage": "churned"})


def test_only_leaders_and_cs_operations_share_and_read_only_users_save_nothing(csm, ops, reader, accounts):
    assert client_for(csm).post(reverse("accounts:save_view"), {"name": "Team view", "shared": "on",
                                                                "query": ""}).status_code == 403
    assert client_for(reader).post(reverse("accounts:save_view"), {"name": "Mine", "query": ""}).status_code == 403
    assert not SavedView.objects.exists()
    assert 'id="save-view"' not in client_for(reader).get(URL).content.decode()
    assert 'name="shared"' not in client_for(csm).get(URL).content.decode()  # a CSM is not offered to share
    mine = saved_views.create_view(owner=csm, name="Mine", query="")
    with pytest.raises(PermissionDenied):
        saved_views.update_view(mine, by=csm, shared=True)
    shared = saved_views.create_view(owner=ops, name="Ops view", query="stage=all", shared=True)
    assert shared.shared and shared in saved_views.visible_views(csm)


def test_the_owner_renames_resaves_unshares_and_deletes_audited(leader, csm, accounts):
    view = saved_views.create_view(owner=leader, name="Draft", query="segment=smb", shared=True)
    c = client_for(leader)
    response = c.post(reverse("accounts:change_view", args=[view.pk]),
                      {"name": "Enterprise", "query": "segment=enterprise&cols=churn", "share_sent": "1"})
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.filters, view.columns, view.shared) == (
        "Enterprise", {"segment": "enterprise"}, ["name", "churn"], False)
    assert view not in saved_views.visible_views(csm)  # unshared: private again
    changes = AuditEntry.objects.filter(model="accounts.savedview", object_id=view.pk)
    assert set(changes.filter(action="update").values_list("field", flat=True)) >= {"name", "filters", "shared"}
    assert changes.filter(action="create").exists()
    assert changes.filter(action="update", field="name", actor=leader, old="Draft", new="Enterprise").exists()
    c.post(reverse("accounts:delete_view", args=[view.pk]))
    assert not SavedView.objects.exists()
    assert changes.filter(action="delete", actor=leader).exists()  # kept after the view is gone


def test_a_duplicate_or_empty_name_is_refused_with_a_message(csm, accounts):
    saved_views.create_view(owner=csm, name="Renewals", query="")
    c = client_for(csm)
    response = c.post(reverse("accounts:save_view"), {"name": "renewals", "query": "stage=all"}, follow=True)
    assert "The view was not saved" in response.content.decode()
    with pytest.raises(ValidationError):
        saved_views.create_view(owner=csm, name="   ", query="")
    assert SavedView.objects.count() == 1


def test_unknown_columns_filters_and_sorts_are_not_stored(csm):
    view = saved_views.create_view(owner=csm, name="Odd", query="cols=nope&cols=mrr&sort=password&colour=red&q=x")
    assert (view.columns, view.sort, view.filters) == (["name", "mrr"], "", {"q": "x"})


def test_the_columns_picked_are_the_csv_columns_and_the_view_its_rows(csm, accounts):
    view = saved_views.create_view(owner=csm, name="Enterprise", query=RENEWALS_VIEW)
    c = client_for(csm)
    response = c.get(URL, {"view": view.pk, "export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["account", "owner", "arr", "days_to_renewal"]
    assert [r[0] for r in rows[1:]] == ["Gone Corp", "Acme"]
    # The download link on the page carries the view and the columns picked by hand.
    page = c.get(URL, {"cols": ["segment", "churn", "sentiment"]})
    assert header_columns(page) == ["name", "segment", "churn", "sentiment"]
    rows = list(csv.reader(io.StringIO(c.get(URL, {"cols": ["segment", "churn", "sentiment"],
                                                   "export": "csv"}).content.decode())))
    assert rows[0] == ["account", "segment", "churn_probability", "sentiment"]


def test_a_bulk_change_made_on_a_view_returns_to_it(leader, other_csm, accounts):
    view = saved_views.create_view(owner=leader, name="Enterprise", query=RENEWALS_VIEW)
    c = client_for(leader)
    page = c.get(URL, {"view": view.pk}).content.decode()
    assert f'<input type="hidden" name="query" value="view={view.pk}" form="bulk-accounts">' in page
    ids = list(Account.objects.filter(segment="enterprise").values_list("pk", flat=True))
    response = c.post(reverse("accounts:bulk"), {"account_ids": ids, "owner": other_csm.pk, "query": f"view={view.pk}"})
    assert response["Location"] == f"{URL}?view={view.pk}"
    assert listed(c.get(URL, {"view": view.pk, "owner": other_csm.pk})) == ["Gone Corp", "Acme"]
