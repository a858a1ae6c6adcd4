"""The account page tells what the account's people did in the help centre, from the account facts."""

import re

import pytest
from django.utils import timezone

from tenure.knowledge.services import count_activity, create_article, record_deflection, record_feedback
from tests.accounts.pages import account_page, section
from tests.factories import make_account, make_contact

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_help_centre_section_counts_views_votes_and_deflections_and_names_the_busiest_reader(csm, csm_client):
    account = make_account(name="Readers Inc", owner=csm)
    ann, bob = make_contact(account, name="Ann Reader"), make_contact(account, name="Bob Browser")
    article = create_article(title="Invite your team", body="Open Settings")
    count_activity("view", account=account, contact=ann, article=article, count=4)
    count_activity("view", account=account, contact=bob, article=article)
    record_feedback(article, True, contact=ann)
    record_feedback(article, False, contact=bob)
    record_deflection(account, ann, [article])
    text = _text(section(account_page(csm_client, account), "knowledge"))
    assert "Article views 5" in text
    assert "Answered before a ticket 1" in text
    assert "Found it helpful 1 of 2 votes" in text
    assert "People 2 (most: Ann Reader 6, Bob Browser 2)" in text
    assert f"Last visit {timezone.localdate():%-d %b %Y}" in text


def test_an_account_whose_people_never_came_says_so(csm, csm_client):
    account = make_account(name="Quiet Co", owner=csm)
    text = _text(section(account_page(csm_client, account), "knowledge"))
    assert "Nobody at Quiet Co used the help centre in the past year." in text


def test_an_open_tickets_suggested_articles_list_the_ones_shown_to_the_customer_and_matches(csm, csm_client):
    from tenure.knowledge.services import record_shown
    from tests.factories import make_ticket
    from tests.knowledge.builders import make_article

    account = make_account(name="Stuck Corp", owner=csm)
    shown = make_article("Export a report to CSV", "Open Reports, then Export.")
    make_article("Scheduled exports", "Reports can be exported every week.")
    make_article("Exports for enterprise", "Export more.", visibility="segment", audience_value="enterprise")
    ticket = make_ticket(account, subject="Weekly export of reports fails")
    record_shown(ticket, [shown])
    page = section(account_page(csm_client, account), "tickets")
    assert f"/knowledge/for-ticket/{ticket.pk}/" in page
    text = _text(csm_client.get(f"/knowledge/for-ticket/{ticket.pk}/").content.decode())
    assert "Shown to the customer before they wrote: Export a report to CSV" in text
    assert "May answer it: Scheduled exports" in text
    assert "Exports for enterprise" not in text  # the account may not read it, so it is no answer to send


def test_each_person_still_there_has_a_link_to_the_help_centre_as_they_see_it(csm, csm_client):
    account = make_account(name="Viewers Ltd", owner=csm)
    ann = make_contact(account, name="Ann Active")
    page = section(account_page(csm_client, account), "contacts")
    assert f'href="/help/view-as/{ann.pk}/"' in page
