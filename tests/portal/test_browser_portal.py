"""One real browser through the portal: ask for a sign-in link, open it from the email, land signed in, send a
support request while the (empty, for now) suggestions answer beside it, see it under My account, sign out."""

import os
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from tenure.support.models import Ticket
from tests.factories import make_account, make_contact

from .conftest import LINK

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse to run beside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("TENURE_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture
def peter(transactional_db):
    # Built before the browser starts (see tests/web/test_browser_login.py).
    return make_contact(make_account(name="Initech", domain="initech.example"), name="Peter Gibbons",
                        email="peter@initech.example")


@pytest.mark.browser
def test_a_member_signs_in_by_link_and_asks_for_help(peter, live_server, browser_page, settings):
    settings.TENURE_BASE_URL = live_server.url
    page = browser_page
    page.goto(f"{live_server.url}/help/")
    assert page.get_by_role("heading", level=1, name="Help centre").is_visible()
    page.screenshot(path=str(SHOTS / "tenure-portal-home.png"), full_page=True)

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Your work email").fill("Peter@Initech.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(f"{live_server.url}/help/sign-in/sent/")
    assert page.get_by_role("heading", name="Check your email").is_visible()

    [message] = mail.outbox
    link = LINK.search(message.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/help/account/")
    assert page.get_by_text("Peter Gibbons").is_visible() and page.get_by_text("Initech").first.is_visible()
    assert page.get_by_text("No open requests.").is_visible()

    page.get_by_role("navigation", name="Help centre").get_by_role("link", name="Contact support").click()
    page.wait_for_url(f"{live_server.url}/help/contact/")
    with page.expect_response(lambda r: "/help/contact/suggestions/" in r.url) as suggested:
        page.get_by_label("Subject").press_sequentially("Cannot export the TPS report", delay=5)
    assert suggested.value.status == 200  # the deflection hook answers as the subject is typed
    page.get_by_label("Description").fill("The export button spins forever.")
    page.get_by_label("Priority").select_option("high")
    page.screenshot(path=str(SHOTS / "tenure-portal-contact.png"), full_page=True)
    page.get_by_role("button", name="Send to support").click()

    page.wait_for_url(f"{live_server.url}/help/account/")
    assert page.get_by_role("status").get_by_text("we have your request").is_visible()
    assert page.get_by_role("cell", name="Cannot export the TPS report").is_visible()
    page.screenshot(path=str(SHOTS / "tenure-portal-account.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/help/")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto(f"{live_server.url}/help/account/")
    assert page.url == f"{live_server.url}/help/sign-in/"

    ticket = Ticket.objects.get()
    connection.close()  # opened beside Playwright's event loop: left open, PostgreSQL could not drop the test database
    assert (ticket.contact_id, ticket.source, ticket.priority) == (peter.pk, "portal", "high")
