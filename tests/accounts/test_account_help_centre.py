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
