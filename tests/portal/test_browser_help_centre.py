"""A real browser through the help centre: search as you type on the home page, read an article and vote, then
start a support request, see the article that answers it appear beside the form, and leave with "This answered my
question": a deflection is counted and no ticket is opened."""

import os

import pytest
from django.core import mail
from django.db import connection

from tenure.knowledge.models import ArticleFeedback, KnowledgeActivity
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
def test_a_member_finds_the_answer_while_writing_and_no_ticket_is_opened(peter, live_server, browser_page, settings):
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
    page.goto(LINK.search(mail.outbox[-1].body).group(0))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/help/account/")

    page.goto(f"{live_server.url}/help/contact/")
    page.get_by_label("Subject").press_sequentially("How do I export a report", delay=10)
    suggestion = page.locator("#suggestions").get_by_role("link", name="Export a report to CSV")
    suggestion.wait_for()
    page.get_by_role("button", name="This answered my question").click()
    page.wait_for_url(f"{live_server.url}/help/")
    assert page.get_by_text("Glad it helped").is_visible()

    tickets = Ticket.objects.count()
    deflections = KnowledgeActivity.objects.filter(kind="deflection", article_key=0, account=peter.account).count()
    votes = ArticleFeedback.objects.filter(helpful=True).count()
    connection.close()  # opened beside Playwright's event loop: left open, PostgreSQL could not drop the test database
    assert (tickets, deflections, votes) == (0, 1, 1)
