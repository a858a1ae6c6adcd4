"""Set-up → Connections: adding a Stripe connection, testing and syncing it, its runs and conflicts; the webhook
door's answers to what is not a Stripe event; ``tenure connect``."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.accounts.models import Account
from tenure.connectors import secrets, sync
from tenure.connectors.models import Connection, InboxEvent, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(leader, client):
    client.force_login(leader)
    return client


def test_a_leader_adds_tests_and_syncs_stripe_and_sees_the_runs(leader_client, stripe_url, stripe_api,
                                                                 django_capture_on_commit_callbacks):
    stripe_api.customers.create({"name": "Acme", "email": "ann@acme.example"})
    page = leader_client.get("/setup/connections/")
    assert page.status_code == 200 and b"No connections yet" in page.content
    response = leader_client.post("/setup/connections/", {
        "kind": "stripe", "name": "Billing", "stripe__api_key": "sk_test_page", "stripe__webhook_secret": "whsec_page",
        "hubspot__access_token": "not read: another source's field",
        "api_base": stripe_url, "every_minutes": 30})
    connection = Connection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/setup/connections/{connection.pk}/"
    assert "sk_test_page" not in connection.credentials
    assert secrets.unseal(connection.credentials) == {"api_key": "sk_test_page", "webhook_secret": "whsec_page"}
    leader_client.post(f"/setup/connections/{connection.pk}/test/")
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs at once in the tests
        leader_client.post(f"/setup/connections/{connection.pk}/sync/")
    assert Account.objects.filter(name="Acme", billing_id__startswith="cus_").exists()
    detail = leader_client.get(f"/setup/connections/{connection.pk}/").content.decode()
    assert "sk_test_page" not in detail and "whsec_page" not in detail  # never shown again
    assert "Secret API key" in detail and f"/connectors/{connection.pk}/webhook/" in detail
    assert "sync now" in detail and "Succeeded" in detail and "test" in detail
    listing = leader_client.get("/setup/connections/").content.decode()
    assert "Billing" in listing and "active" in listing
    leader_client.post(f"/setup/connections/{connection.pk}/pause/")
    connection.refresh_from_db()
    assert connection.paused and sync.sync_due() == []


def test_a_csm_reads_connections_but_cannot_change_them(csm_client, stripe_connection):
    assert csm_client.get(f"/setup/connections/{stripe_connection.pk}/").status_code == 200
    assert csm_client.post(f"/setup/connections/{stripe_connection.pk}/sync/").status_code == 403
    assert csm_client.post("/setup/connections/", {"kind": "stripe", "api_key": "x"}).status_code == 403
    assert not SyncRun.objects.exists()


def test_the_webhook_door_refuses_what_is_not_a_signed_stripe_event(client, stripe_connection):
    url = f"/connectors/{stripe_connection.pk}/webhook/"
    assert client.post("/connectors/999/webhook/", b"{}", content_type="application/json").status_code == 404
    refused = client.post(url, b'{"id": "evt_1"}', content_type="application/json")
    assert refused.status_code == 400 and "Stripe-Signature" in refused.json()["error"]
    assert client.get(url).status_code == 405
    assert client.post(url, b"x" * 1_000_001, content_type="application/json").status_code == 413
    assert not InboxEvent.objects.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=300), signature=st.text(max_size=120))
def test_no_webhook_body_or_signature_gets_a_500(client, stripe_connection, body, signature):
    response = client.post(f"/connectors/{stripe_connection.pk}/webhook/", body, content_type="application/json",
                           headers={"Stripe-Signature": signature})
    assert response.status_code == 400


def test_a_signed_event_that_is_not_an_object_is_refused(client, stripe_connection):
    import stripe

    for payload in ("[1, 2]", '"text"', json.dumps({"id": 5, "type": None})):
        header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_test")
        response = client.post(f"/connectors/{stripe_connection.pk}/webhook/", payload.encode(),
                               content_type="application/json", headers={"Stripe-Signature": header})
        assert response.status_code == 400, payload
    assert not InboxEvent.objects.exists()


def test_tenure_connect_stripe_with_a_test_server(stripe_url, stripe_api, capsys):
    stripe_api.customers.create({"name": "Globex", "email": "gus@globex.example"})
    call_command("connect", "stripe", "--api-key", "sk_test_cli", "--test-server", stripe_url)
    out = capsys.readouterr().out
    assert "Connected to Stripe (test server)" in out and "1 created" in out
    call_command("connect", "sync", "Stripe")
    assert "0 created" in capsys.readouterr().out
    with pytest.raises(CommandError, match="unknown source"):
        call_command("connect", "quickbooks")
    with pytest.raises(CommandError, match="Secret API key"):
        call_command("connect", "stripe")


def test_tenure_connect_hubspot_with_credentials_and_options(hubspot, capsys):
    hubspot.put("companies", name="Initech", domain="initech.example")
    call_command("connect", "hubspot", "--credential", "access_token=pat-test", "--option", "write_back=false",
                 "--test-server", hubspot.url, "--name", "CRM")
    assert "1 created" in capsys.readouterr().out
    connection = Connection.objects.get(name="CRM")
    assert connection.options == {"write_back": False, "api_base": hubspot.url}
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("connect", "hubspot", "--credential", "token")


def test_credentials_follow_the_key_and_a_rotated_key_still_reads_them(settings):
    settings.TENURE_CONNECTOR_KEY = "old-passphrase"
    sealed = secrets.seal({"api_key": "sk_live_x"})
    settings.TENURE_CONNECTOR_KEY = "new-passphrase,old-passphrase"  # rotated: the new one first
    assert secrets.unseal(sealed) == {"api_key": "sk_live_x"}
    assert secrets.unseal(secrets.seal({"a": "b"})) == {"a": "b"}
    settings.TENURE_CONNECTOR_KEY = "new-passphrase"  # the old key dropped too soon: said in words
    with pytest.raises(secrets.CredentialsUnreadable, match="TENURE_CONNECTOR_KEY"):
        secrets.unseal(sealed)
