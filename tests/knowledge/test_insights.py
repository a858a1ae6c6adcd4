"""The leaders' knowledge insights: weekly sums (pure), and the page's figures from real counts."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tenure.knowledge import insights
from tenure.knowledge.search import Audience, search_articles
from tenure.knowledge.services import count_activity, record_deflection, record_feedback, record_search
from tenure.support.services import open_portal_ticket
from tests.factories import make_account, make_contact
from tests.knowledge.builders import make_article

MON = dt.date(2026, 6, 1)  # a Monday


def test_weeks_run_monday_to_sunday_and_empty_weeks_are_kept():
    weeks = insights.weekly([(MON, "view", 2), (MON + dt.timedelta(days=6), "view", 3), (MON + dt.timedelta(days=14),
                             "deflection", 1)], [(MON + dt.timedelta(days=15), 3)], MON, MON + dt.timedelta(days=20))
    assert [w.start for w in weeks] == [MON, MON + dt.timedelta(days=7), MON + dt.timedelta(days=14)]
    assert [w.views for w in weeks] == [5, 0, 0]
    assert (weeks[2].deflections, weeks[2].portal_tickets, weeks[2].deflection_rate) == (1, 3, 0.25)
    assert weeks[1].deflection_rate is None and weeks[1].helpfulness is None


@given(st.lists(st.tuples(st.integers(0, 60), st.sampled_from(["view", "search", "helpful", "unhelpful",
                                                                 "deflection"]), st.integers(1, 50))))
def test_weekly_sums_keep_every_count_inside_the_period(rows):
    since, until = MON + dt.timedelta(days=3), MON + dt.timedelta(days=40)
    activity = [(MON + dt.timedelta(days=d), kind, n) for d, kind, n in rows]
    weeks = insights.weekly(activity, [], since, until)
    inside = sum(n for day, _, n in activity if since <= day <= until)
    assert sum(w.views + w.searches + w.helpful + w.unhelpful + w.deflections for w in weeks) == inside


@pytest.mark.django_db
def test_the_page_shows_the_deflection_rate_helpfulness_top_articles_and_gaps(csm_client):
    account = make_account(name="Askers")
    ann = make_contact(account, name="Ann", email="ann@askers.example")
    sso, billing = make_article("Single sign-on setup"), make_article("Billing questions")
    count_activity("view", account=account, contact=ann, article=sso, count=7)
    count_activity("view", account=account, contact=ann, article=billing, count=2)
    record_feedback(sso, True, contact=ann)
    record_feedback(sso, True, contact=ann)
    record_feedback(billing, False, contact=ann)
    for _ in range(3):
        record_deflection(account, ann, [sso, billing])  # each deflection counts once, not once per article
    open_portal_ticket(ann, subject="Still stuck")
    query = "webhook retries"
    record_search(query, search_articles(query, audience=Audience.STAFF), contact=ann)

    html = csm_client.get("/knowledge/insights/?days=30").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Deflection rate 75% 3 answered before a ticket, 1 ticket opened in the portal" in text
    assert "Found helpful 67% 2 of 3 votes" in text
    top = text[text.index("Top articles"):text.index("Most asked")]
    assert top.index("Single sign-on setup 7 3 2 of 2") < top.index("Billing questions 2 3 0 of 1")
    assert "webhook retries 1 1" in text
    assert f"{timezone.localdate():%-d %b %Y}" in text


@pytest.mark.django_db
def test_an_unknown_period_falls_back_to_90_days_and_read_only_users_may_look(reader_client):
    response = reader_client.get("/knowledge/insights/?days=abc")
    assert response.status_code == 200
    assert 'aria-current="page">last 90 days' in response.content.decode()
