"""A real browser through the help centre: search as you type on the home page, read an article and vote; sign in
by a link that arrives through a real SMTP server; search in one's own words; start a support request, see the
article that answers it appear beside the form, and leave with "This answered my question" (a deflection, no
ticket); then send another request anyway: the ticket keeps the articles it was shown."""

import os

import pytest
from django.db import connection

from tenure.knowledge.models import ArticleFeedback, KnowledgeActivity
from tenure.knowledge.services import shown_with
from tenure.support.models import Ticket
from tests.factories import make_account, make_contact
from tests.knowledge.builders import make_article

from .conftest import LINK

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread


@pytest.fixture
def peter(transactional_db):
    make_article("Export a report to CSV", "Open **Reports**, choose the report, then *Export → CSV*.")
    make_article("Invite your team", "Settings → People → Invite.")
    return make_contact(make_account(name="Initech", domain="initech.example"), name="Peter Gibbons",
                        email="peter@initech.example")


@pytest.mark.browser
def test_a_members_help_centre_journey(peter, live_server, browser_page, settings,
                                                                        smtp):
    settings.TENURE_BASE_URL = live_server.url
    page = browser_page
    page.goto(f"{live_server.url}/help/")
    page.get_by_role("searchbox", name="Search the help centre").press_sequentially("expo", delay=20)
    page.get_by_role("list", name="Suggested articles").get_by_role("link", name="Export a report to CSV").click()
    page.wait_for_url(f"{live_server.url}/help/articles/export-a-report-to-csv/")
    assert page.locator(".article-body strong").inner_text() == "Reports"  # the Markdown, rendered
    page.get_by_role("button", name="Yes").click()
    assert page.get_by_role("status").get_by_text("Thank you for telling us.").is_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Your work email").fill("peter@initech.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(f"{live_server.url}/help/sign-in/sent/")
    [envelope] = smtp  # the link came through a real SMTP server
    page.goto(LINK.search(envelope.content.decode()).group(0))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/help/account/")

    page.goto(f"{live_server.url}/help/")
    page.get_by_role("searchbox", name="Search the help centre").fill("inviting my colleagues")
    page.get_by_role("searchbox", name="Search the help centre").press("Enter")
    page.wait_for_url(f"{live_server.url}/help/search/?q=inviting+my+colleagues")
    assert page.get_by_role("link", name="Invite your team").is_visible()

    page.goto(f"{live_server.url}/help/contact/")
    page.get_by_label("Subject").press_sequentially("How do I export a report", delay=10)
    suggestion = page.locator("#suggestions").get_by_role("link", name="Export a report to CSV")
    suggestion.wait_for()
    page.get_by_role("button", name="This answered my question").click()
    page.wait_for_url(f"{live_server.url}/help/")
    assert page.get_by_text("Glad it helped").is_visible()

    assert not Ticket.objects.exists()

    page.goto(f"{live_server.url}/help/contact/")
    page.get_by_label("Subject").press_sequentially("Export to CSV is empty", delay=10)
    page.locator("#suggestions").get_by_role("link", name="Export a report to CSV").wait_for()
    page.get_by_label("Description").fill("The file has only the header.")
    page.get_by_role("button", name="Send to support").click()
    page.wait_for_url(f"{live_server.url}/help/account/")
    assert page.get_by_role("cell", name="Export to CSV is empty").is_visible()

    ticket = Ticket.objects.get()
    shown = [a.title for a in shown_with(ticket)]
    deflections = KnowledgeActivity.objects.filter(kind="deflection", article_key=0, account=peter.account).count()
    votes = ArticleFeedback.objects.filter(helpful=True).count()
    connection.close()  # opened beside Playwright's event loop: left open, PostgreSQL could not drop the test database
    assert (shown, deflections, votes) == (["Export a report to CSV"], 1, 1)
