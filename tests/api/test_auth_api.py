import pytest
from django.test import Client

from tenure.users.services import issue_token, revoke_token
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_logged_out_api_call_is_401_not_a_redirect():
    response = Client().get("/api/accounts")
    assert response.status_code == 401


def test_bearer_token_authenticates_api_calls(csm):
    make_account(name="Globex")
    _, raw = issue_token(csm, "crm sync")
    response = Client().get("/api/accounts", headers={"authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["items"]] == ["Globex"]


def test_revoked_token_is_refused(csm):
    token, raw = issue_token(csm, "old")
    revoke_token(token)
    response = Client().get("/api/accounts", headers={"authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_token_is_stored_only_as_a_hash(csm):
    token, raw = issue_token(csm, "ci")
    token.refresh_from_db()
    assert raw not in (token.key_hash, token.key_prefix)
    assert raw.startswith(token.key_prefix)


def test_read_only_token_cannot_create(reader):
    _, raw = issue_token(reader, "viewer")
    response = Client().post(
        "/api/accounts", {"name": "Initech"}, content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_session_writes_need_the_csrf_token(csm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(csm)
    response = client.post("/api/accounts", {"name": "Initech"}, content_type="application/json")
    assert response.status_code == 403
    client.get("/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/accounts", {"name": "Initech"}, content_type="application/json", headers={"x-csrftoken": token}
    )
    assert response.status_code == 201


def test_the_api_schema_and_docs_need_a_sign_in_or_a_token(csm):
    from django.test import Client

    from tenure.users.services import issue_token

    anonymous = Client()
    assert anonymous.get("/api/openapi.json").status_code == 401
    assert anonymous.get("/api/docs").status_code == 401
    _, raw = issue_token(csm, "docs")
    assert anonymous.get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_api_docs_are_served_to_logged_in_users(csm_client):
    assert csm_client.get("/api/docs").status_code == 200
    schema = csm_client.get("/api/openapi.json").json()
    assert {"/api/accounts", "/api/contacts", "/api/subscriptions", "/api/tickets", "/api/touches"} <= set(
        schema["paths"]
    )
