import pytest

from tenure.accounts.models import Contact
from tests.factories import make_account, make_contact

pytestmark = pytest.mark.django_db


def test_create_contact_with_roles(csm_client):
    account = make_account()
    response = csm_client.post(
        "/api/contacts",
        {"account_id": account.pk, "name": "Dana Scully", "email": "Dana@FBI.gov",
         "roles": ["executive_sponsor", "champion"], "community_roles": ["promoter"], "product_user_id": "u-1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "dana@fbi.gov"
    assert body["roles"] == ["executive_sponsor", "champion"]
    assert body["community_roles"] == ["promoter"]
    assert body["is_active"] is True
    assert Contact.objects.get(pk=body["id"]).is_executive_sponsor


def test_unknown_role_is_refused_with_the_known_ones(csm_client):
    response = csm_client.post(
        "/api/contacts", {"account_id": make_account().pk, "email": "x@y.z", "roles": ["boss"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "unknown role 'boss'" in str(response.json()["detail"])
    assert not Contact.objects.exists()


def test_email_is_unique_ignoring_case(csm_client):
    make_contact(email="fox@fbi.gov")
    response = csm_client.post(
        "/api/contacts", {"account_id": make_account().pk, "email": "FOX@fbi.gov"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_marking_a_contact_as_left(csm_client):
    contact = make_contact(roles=["champion"])
    response = csm_client.patch(
        f"/api/contacts/{contact.pk}", {"left_on": "2026-10-01"}, content_type="application/json"
    )
    assert response.json()["is_active"] is False
    assert response.json()["roles"] == ["champion"]


def test_filter_contacts_by_role_and_activity(csm_client):
    account = make_account()
    make_contact(account, name="Sponsor", roles=["executive_sponsor"])
    make_contact(account, name="Gone sponsor", roles=["executive_sponsor"], left_on="2026-01-01")
    make_contact(account, name="User", roles=["user"])
    items = csm_client.get(
        f"/api/contacts?account_id={account.pk}&role=executive_sponsor&active=true"
    ).json()["items"]
    assert [c["name"] for c in items] == ["Sponsor"]
