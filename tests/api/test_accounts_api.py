import pytest

from tenure.accounts.models import Account
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db


def test_create_account_normalizes_domain_and_returns_it(csm_client, csm):
    response = csm_client.post(
        "/api/accounts",
        {"name": "Acme", "domain": "https://www.ACME.com/", "crm_id": "0015g00000XyZ", "owner_id": csm.pk,
         "segment": "enterprise", "custom": {"region": "EMEA"}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domain"] == "acme.com"
    assert body["owner_id"] == csm.pk
    assert Account.objects.get(pk=body["id"]).custom == {"region": "EMEA"}


def test_external_ids_are_unique_ignoring_case(csm_client):
    make_account(crm_id="ABC-1")
    response = csm_client.post(
        "/api/accounts", {"name": "Dup", "crm_id": "abc-1"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "crm" in str(response.json()["detail"]).lower()
    assert Account.objects.count() == 1


def test_unknown_owner_is_a_clear_error(csm_client):
    response = csm_client.post("/api/accounts", {"name": "X", "owner_id": 99999}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == "owner_id: no user with id 99999"


def test_list_filters_and_pages(csm_client, csm):
    other = make_user(username="bob")
    for i in range(7):
        make_account(name=f"Mine {i}", owner=csm, segment="smb")
    make_account(name="Theirs", owner=other, segment="enterprise", stage="mature")
    make_account(name="Nobody's")

    mine = csm_client.get(f"/api/accounts?owner={csm.pk}&limit=5").json()
    assert mine["count"] == 7
    assert len(mine["items"]) == 5
    rest = csm_client.get(f"/api/accounts?owner={csm.pk}&limit=5&offset=5").json()
    assert [a["name"] for a in rest["items"]] == ["Mine 5", "Mine 6"]

    assert [a["name"] for a in csm_client.get("/api/accounts?segment=ENTERPRISE").json()["items"]] == ["Theirs"]
    assert [a["name"] for a in csm_client.get("/api/accounts?stage=mature").json()["items"]] == ["Theirs"]
    assert [a["name"] for a in csm_client.get("/api/accounts?owner=none").json()["items"]] == ["Nobody's"]
    assert csm_client.get("/api/accounts?stage=dormant").status_code == 422


def test_list_makes_the_same_few_queries_whatever_the_number_of_accounts(csm_client, csm,
                                                                          django_assert_max_num_queries):
    # session, user, count, page (and the transaction's savepoint on PostgreSQL): no query per account.
    make_account(owner=csm)
    with django_assert_max_num_queries(6):
        assert csm_client.get("/api/accounts").json()["count"] == 1
    for i in range(120):
        make_account(name=f"Account {i:03d}", owner=csm if i % 2 else None)
    with django_assert_max_num_queries(6):
        body = csm_client.get("/api/accounts?limit=100&offset=10").json()
    assert body["count"] == 121 and len(body["items"]) == 100


def test_search_finds_by_external_id_ignoring_case(csm_client):
    make_account(name="Umbrella", billing_id="cus_ABC")
    make_account(name="Other")
    found = csm_client.get("/api/accounts?q=CUS_abc").json()["items"]
    assert [a["name"] for a in found] == ["Umbrella"]


def test_patch_changes_only_given_fields(csm_client):
    account = make_account(name="Hooli", segment="smb", industry="Software")
    response = csm_client.patch(
        f"/api/accounts/{account.pk}", {"stage": "renewing"}, content_type="application/json"
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.stage, account.segment, account.industry) == ("renewing", "smb", "Software")


def test_detail_404_for_missing_account(csm_client):
    assert csm_client.get("/api/accounts/424242").status_code == 404


def test_read_only_user_can_read_but_not_change(reader_client):
    account = make_account(name="Read me")
    assert reader_client.get(f"/api/accounts/{account.pk}").json()["name"] == "Read me"
    response = reader_client.patch(
        f"/api/accounts/{account.pk}", {"name": "Changed"}, content_type="application/json"
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.name == "Read me"
