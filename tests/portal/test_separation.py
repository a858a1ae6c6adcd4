"""A portal member is not a staff user: their session reaches no staff page and no API call. Staff may see the
portal as a member sees it, read-only; the staff pages' own checks are unchanged."""

import pytest
from django.test import Client

from tenure.portal.access import MEMBER_KEY, VIEW_AS_KEY
from tenure.support.models import Ticket
from tests.factories import make_contact, make_ticket

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/", "/accounts/", "/audit/", "/scores/", "/metrics/retention/"]


def test_a_member_never_reaches_staff_pages(member_client, peter):
    assert "_auth_user_id" not in member_client.session
    for url in [*STAFF_PAGES, f"/accounts/{peter.account_id}/"]:
        response = member_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_a_member_never_reaches_the_api(member_client):
    for url in ["/api/accounts", "/api/tickets", "/api/docs", "/api/openapi.json"]:
        assert member_client.get(url).status_code == 401, url
    assert member_client.post("/api/tickets", {"account_id": 1, "subject": "x"},
                              content_type="application/json").status_code == 401


def test_a_member_cannot_open_the_staff_view_as(member_client, peter):
    response = member_client.get(f"/help/view-as/{peter.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert VIEW_AS_KEY not in member_client.session


def test_staff_pages_keep_their_own_checks(reader_client, csm_client, peter):
    assert csm_client.get(f"/accounts/{peter.account_id}/").status_code == 200
    # A read-only user still may not write, portal or not.
    assert reader_client.post("/api/tickets", {"account_id": peter.account_id, "subject": "x"},
                              content_type="application/json").status_code == 403


def test_public_pages_are_readable_without_signing_in(db):
    client = Client()
    for url in ["/help/", "/help/sign-in/", "/help/sign-in/sent/", "/help/search/?q=export"]:
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get("/help/").content.decode()
    assert "Help centre" in home and 'href="/help/contact/"' in home and 'type="search"' in home
    assert "/static/portal/portal.css" in home and "tenure.css" not in home  # its own look


def test_member_pages_send_visitors_to_the_portal_sign_in(db):
    for url in ["/help/account/", "/help/contact/", "/help/contact/suggestions/?subject=x"]:
        assert Client().get(url)["Location"] == "/help/sign-in/", url


def test_staff_see_the_portal_as_a_member_read_only(csm_client, peter):
    make_ticket(peter.account, contact=peter, subject="Export is slow")
    response = csm_client.get(f"/help/view-as/{peter.pk}/", follow=True)
    assert response.redirect_chain == [("/help/account/", 302)]
    page = response.content.decode()
    assert "You are seeing the help centre as <strong>Peter Gibbons</strong>" in page
    assert "Export is slow" in page and "Sign out" not in page
    assert MEMBER_KEY not in csm_client.session
    form = csm_client.get("/help/contact/").content.decode()
    assert "disabled" in form
    refused = csm_client.post("/help/contact/", {"subject": "As Peter", "description": "x", "priority": "low"})
    assert refused.status_code == 403 and "nothing can be sent in their name" in refused.content.decode()
    assert not Ticket.objects.filter(subject="As Peter").exists()
    # The staff user is still staff, and going back ends the view.
    assert csm_client.get("/accounts/").status_code == 200
    back = csm_client.post("/help/view-as/stop/")
    assert back["Location"] == f"/accounts/{peter.account_id}/"
    assert csm_client.get("/help/account/")["Location"] == "/help/sign-in/"


def test_view_as_an_unknown_contact_is_404(csm_client):
    assert csm_client.get("/help/view-as/999999/").status_code == 404
    assert csm_client.get(f"/help/view-as/{2**70}/").status_code == 404


def test_a_member_sees_only_their_own_requests(member_client, peter):
    colleague = make_contact(peter.account, name="Samir")
    make_ticket(peter.account, contact=peter, subject="Mine: TPS report export")
    make_ticket(peter.account, contact=colleague, subject="Samir's printer")
    page = member_client.get("/help/account/").content.decode()
    assert "Mine: TPS report export" in page and "Samir&#x27;s printer" not in page
