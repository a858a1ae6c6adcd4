"""Contact support: a signed-in member's request becomes a ticket on their account, through the support room,
marked as opened in the portal; they see it under My account and the CSM sees it on the account page."""

import pytest
from django.test import Client

from tenure.support.models import Ticket
from tests.factories import make_user

from .conftest import last_token

pytestmark = pytest.mark.django_db


def _ask_for_help(client, **fields):
    data = {"subject": "Cannot export the TPS report", "description": "The export button spins forever.",
            "priority": "high", **fields}
    return client.post("/help/contact/", data, follow=True)


def test_a_request_becomes_a_ticket_on_the_members_account(member_client, peter):
    response = _ask_for_help(member_client)
    assert response.redirect_chain == [("/help/account/", 302)]
    ticket = Ticket.objects.get()
    assert (ticket.account, ticket.contact, ticket.source) == (peter.account, peter, "portal")
    assert (ticket.subject, ticket.body, ticket.priority, ticket.status) == (
        "Cannot export the TPS report", "The export button spins forever.", "high", "new")
    page = response.content.decode()
    assert "we have your request “Cannot export the TPS report”" in page
    assert "My open requests" in page and "Cannot export the TPS report" in page


def test_the_csm_sees_it_on_the_account_page_like_other_tickets(member_client, peter, client):
    _ask_for_help(member_client)
    carol = make_user("csm", username="carol")
    client.force_login(carol)
    page = client.get(f"/accounts/{peter.account_id}/").content.decode()
    assert "Cannot export the TPS report" in page and "opened in the customer portal" in page


def test_missing_or_oversized_fields_are_named(member_client):
    empty = member_client.post("/help/contact/", {"subject": "", "description": "", "priority": "normal"})
    assert empty.status_code == 400
    words = empty.content.decode()
    assert "Say in a few words what you need help with." in words and "Describe what happened" in words
    huge = member_client.post("/help/contact/", {"subject": "x" * 301, "description": "y" * 20_001,
                                                 "priority": "sometime"})
    assert huge.status_code == 400
    words = huge.content.decode()
    assert "under 300 characters" in words and "under 20,000 characters" in words
    assert "Choose one of the priorities offered." in words
    assert not Ticket.objects.exists()


def test_every_portal_form_needs_its_csrf_token(peter):
    client = Client(enforce_csrf_checks=True)
    token = str(client.get("/help/sign-in/").context["csrf_token"])
    assert client.post("/help/sign-in/", {"email": peter.email}).status_code == 403  # no token: refused
    client.post("/help/sign-in/", {"email": peter.email, "csrfmiddlewaretoken": token})
    link = f"/help/sign-in/{last_token()}/"
    token = str(client.get(link).context["csrf_token"])
    assert client.post(link).status_code == 403
    assert client.post(link, {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.post("/help/contact/", {"subject": "x", "description": "y", "priority": "low"}).status_code == 403
    assert client.post("/help/sign-out/").status_code == 403
    assert not Ticket.objects.exists()


def test_the_deflection_hook_answers_an_empty_list_for_now(member_client):
    response = member_client.get("/help/contact/suggestions/?subject=export", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()  # a partial for htmx
    assert "articles that may answer it appear here" in response.content.decode()
    form = member_client.get("/help/contact/").content.decode()
    assert 'hx-get="/help/contact/suggestions/"' in form and 'id="suggestions"' in form
