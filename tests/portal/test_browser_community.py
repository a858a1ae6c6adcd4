"""A real browser through the community (issue 16's journeys): a member drafts a question, sees that it was asked
before and opens that thread instead; then asks a new one, which waits for a moderator as a newcomer's first post;
a moderator approves it, a maven answers, the asker is told by email (through a real SMTP server) and replies by
email (through the inbound SMTP server), accepts the answer, and the moderator turns the thread into a
knowledge-base article, publishes it and archives the thread."""

import email
import os
import smtplib
from email import policy
from email.message import EmailMessage

import pytest
from django.db import connection
from django.utils import timezone

from tenure.community import services as community
from tenure.community.models import Review, State, Thread
from tenure.knowledge.models import ArticleStatus
from tests.factories import make_account, make_contact, make_user

from .conftest import LINK

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread


@pytest.fixture
def people(transactional_db, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = True
    staff = make_user("csm", username="morgan", first_name="Morgan", last_name="Lee")
    mia = make_contact(make_account(name="Acme", domain="acme.example"), name="Mia Maven", email="mia@acme.example")
    gavin = make_contact(make_account(name="Hooli", domain="hooli.example"), name="Gavin", email="g@hooli.example")
    asked = community.start_thread(community.Viewer(contact=gavin), title="Exporting reports as CSV files",
                                   body="Where is the export?")
    answer = community.reply(asked, community.Viewer(contact=mia), body="Top right: *Export → CSV*.")
    Thread.objects.update(state=State.PUBLISHED)  # their first posts were approved long ago
    asked.posts.update(state=State.PUBLISHED)
    Review.objects.update(resolved_at=timezone.now(), outcome=Review.Outcome.APPROVED)
    community.accept_answer(asked, answer, community.Viewer(contact=gavin))
    peter = make_contact(make_account(name="Initech", domain="initech.example"), name="Peter Gibbons",
                         email="peter@initech.example")
    connection.close()  # built before the browser starts (see tests/web/test_browser_login.py)
    return {"staff": staff, "mia": mia, "peter": peter, "asked": asked}


def _member(browser, live_server, smtp, address):
    context = browser.new_context(viewport={"width": 1280, "height": 850})
    page = context.new_page()
    page.goto(f"{live_server.url}/help/sign-in/")
    page.get_by_label("Your work email").fill(address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(f"{live_server.url}/help/sign-in/sent/")
    page.goto(LINK.search(smtp[-1].content.decode()).group(0))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/help/account/")
    return page


@pytest.mark.browser
def test_duplicate_first_then_moderation_answer_reply_by_email_and_an_article(people, live_server, browser_page,
                                                                             settings, smtp, inbound_smtp):
    settings.TENURE_BASE_URL = live_server.url
    browser = browser_page.context.browser
    peter = _member(browser, live_server, smtp, "peter@initech.example")

    # Drafting a question that was asked before: the earlier thread appears beside the form; he opens it.
    peter.goto(f"{live_server.url}/help/community/new/")
    peter.get_by_label("Title").press_sequentially("How do I export a report to CSV", delay=15)
    earlier = peter.locator("#similar").get_by_role("link", name="Exporting reports as CSV files")
    earlier.wait_for()
    earlier.click()
    peter.wait_for_url(f"{live_server.url}/help/community/t/{people['asked'].pk}/")
    assert peter.get_by_text("Accepted answer", exact=True).is_visible()

    # A new question: a newcomer's first post waits for a moderator.
    peter.goto(f"{live_server.url}/help/community/new/")
    peter.get_by_label("Title").fill("SSO login fails for new hires")
    peter.get_by_label("Details").fill("New colleagues get an error from Okta.")
    peter.get_by_role("button", name="Post").click()
    peter.wait_for_url(f"{live_server.url}/help/community/t/*/")
    assert peter.get_by_text("Held for review").first.is_visible()
    url = peter.url

    staff = browser.new_context(viewport={"width": 1280, "height": 850}).new_page()
    staff.goto(f"{live_server.url}/login/")
    staff.get_by_label("Username").fill("morgan")
    staff.get_by_label("Password").fill("pw-for-tests-only")
    staff.get_by_role("button", name="Log in").click()
    staff.wait_for_url(lambda address: "/login/" not in address)
    staff.goto(f"{live_server.url}/help/community/moderation/")
    staff.get_by_role("button", name="Approve").click()
    staff.wait_for_url(f"{live_server.url}/help/community/moderation/")
    assert staff.get_by_text("Nothing waits for review.").is_visible()

    mia = _member(browser, live_server, smtp, "mia@acme.example")
    mia.goto(url)
    mia.get_by_label("Your reply").fill("Turn on just-in-time provisioning in **Settings → SSO**.")
    mia.get_by_role("button", name="Post reply").click()
    mia.locator("#post-2").wait_for()

    # Peter tracks the thread he started: Mia's answer reaches him by email, and he answers from his mailbox.
    told = next(email.message_from_bytes(e.content, policy=policy.default) for e in reversed(smtp)
                if e.rcpt_tos == ["peter@initech.example"] and b"just-in-time" in e.content)
    answer = EmailMessage()
    answer["From"], answer["To"] = "Peter Gibbons <peter@initech.example>", told["Reply-To"]
    answer["Subject"] = "Re: " + told["Subject"]
    answer.set_content("Found it, thank you Mia!\n\n> " + told.get_content().splitlines()[0])
    with smtplib.SMTP("127.0.0.1", inbound_smtp, timeout=10) as client:
        client.send_message(answer)
    mia.reload()
    assert mia.locator("#post-3").get_by_text("Found it, thank you Mia!").is_visible()

    peter.goto(url)
    peter.locator("#post-2").get_by_role("button", name="Accept as the answer").click()
    peter.wait_for_load_state()
    assert peter.locator("#post-2").get_by_text("Accepted answer", exact=True).is_visible()

    staff.goto(url)
    staff.get_by_text("Moderate this thread").click()
    staff.get_by_role("button", name="Write an article from it").click()
    staff.wait_for_url(f"{live_server.url}/knowledge/*/edit/")
    assert "just-in-time provisioning" in staff.get_by_label("Body").input_value()
    staff.get_by_role("button", name="Save and publish").click()
    staff.wait_for_url(f"{live_server.url}/knowledge/*/")
    staff.get_by_role("link", name="SSO login fails for new hires").click()  # "From the community"
    staff.wait_for_url(url)
    staff.get_by_text("Moderate this thread").click()
    staff.get_by_role("button", name="Archive the thread").click()
    staff.wait_for_load_state()
    assert staff.get_by_text("Archived on").is_visible()

    thread = Thread.objects.select_related("article", "accepted_answer").get(title="SSO login fails for new hires")
    archived, status = thread.archived_at, thread.article.status
    answerer = thread.accepted_answer.author_contact_id
    connection.close()
    assert archived is not None and status == ArticleStatus.PUBLISHED and answerer == people["mia"].pk
