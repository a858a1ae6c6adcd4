"""Counting help-centre use from the past and in bulk: a day or time given to the one-at-a-time services, and
``add_activity`` / ``add_feedback`` / ``add_shown`` for a year at once (the demo, imports). Same counts as the
one-at-a-time door."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenure.knowledge import services
from tenure.knowledge.models import ArticleFeedback, KnowledgeActivity, KnowledgeGap
from tenure.knowledge.services import Tally
from tenure.support.services import create_ticket
from tests.factories import make_account, make_contact
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 2)


def counts(account):
    return {(a.day, a.kind, a.contact_id, a.article_id): a.count for a in KnowledgeActivity.objects.filter(
        account=account)}


def test_a_past_view_vote_and_deflection_are_counted_on_their_own_day():
    account = make_account()
    ann = make_contact(account)
    article = make_article("Reports")
    services.record_view(article, account, ann, day=MARCH)
    at = dt.datetime(2026, 3, 3, 15, 30, tzinfo=dt.UTC)
    vote = services.record_feedback(article, True, contact=ann, at=at)
    services.record_deflection(account, ann, [article], day=MARCH)
    assert counts(account) == {(MARCH, "view", ann.pk, article.pk): 1, (at.date(), "helpful", ann.pk, article.pk): 1,
                               (MARCH, "deflection", ann.pk, None): 1, (MARCH, "deflection", ann.pk, article.pk): 1}
    assert ArticleFeedback.objects.get(pk=vote.pk).created_at == at


def test_a_past_search_widens_the_gap_dates_seen_and_counts_on_its_day():
    account = make_account()
    now = timezone.now()
    services.record_search("gantt chart", [], account=account)
    earlier = now - dt.timedelta(days=40)
    gap = services.record_search("Gantt chart?", [], account=account, at=earlier)
    assert gap.count == 2
    assert gap.first_seen == earlier
    assert gap.last_seen >= now  # a late record of an old search does not move the last time seen back
    assert {(a.day, a.kind): a.count for a in KnowledgeActivity.objects.filter(account=account)} == {
        (timezone.localdate(), "search"): 1, (timezone.localdate(earlier), "search"): 1}


def test_add_activity_adds_up_repeated_tallies_and_what_is_stored():
    account = make_account()
    ann = make_contact(account)
    article = make_article()
    services.count_activity("view", account=account, contact=ann, article=article, day=MARCH, count=2)
    written = services.add_activity([Tally(MARCH, account.pk, "view", ann.pk, article.pk),
                                     Tally(MARCH, account.pk, "view", ann.pk, article.pk, 3),
                                     Tally(MARCH, account.pk, "search", ann.pk),
                                     Tally(MARCH, account.pk, "search")])
    assert written == 3
    assert counts(account) == {(MARCH, "view", ann.pk, article.pk): 6, (MARCH, "search", ann.pk, None): 1,
                               (MARCH, "search", None, None): 1}


def test_add_activity_in_several_statements_counts_every_row():
    account = make_account()
    days = [MARCH + dt.timedelta(days=i) for i in range(services.ACTIVITY_CHUNK + 5)]
    assert services.add_activity(Tally(d, account.pk, "search") for d in days) == len(days)
    assert KnowledgeActivity.objects.filter(account=account).count() == len(days)


def test_add_activity_refuses_a_contact_of_another_account_and_an_unknown_kind():
    account = make_account()
    stranger = make_contact()
    with pytest.raises(ValidationError, match="another account"):
        services.add_activity([Tally(MARCH, account.pk, "view", stranger.pk)])
    with pytest.raises(ValidationError, match="not one of"):
        services.add_activity([Tally(MARCH, account.pk, "download")])
    assert not KnowledgeActivity.objects.filter(account=account).exists()


def test_add_feedback_keeps_each_answer_s_date_and_counts_the_votes():
    account = make_account()
    ann = make_contact(account)
    article = make_article()
    first = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    second = dt.datetime(2026, 2, 9, 17, tzinfo=dt.UTC)
    services.add_feedback([ArticleFeedback(article=article, helpful=True, contact=ann, created_at=first),
                           ArticleFeedback(article=article, helpful=False, account=account, contact=ann,
                                           comment="  Out of date. ", created_at=second)])
    stored = list(ArticleFeedback.objects.filter(article=article).order_by("created_at"))
    assert [(f.created_at, f.helpful, f.comment, f.account_id) for f in stored] == [
        (first, True, "", account.pk), (second, False, "Out of date.", account.pk)]
    assert counts(account) == {(first.date(), "helpful", ann.pk, article.pk): 1,
                               (second.date(), "unhelpful", ann.pk, article.pk): 1}


def test_add_shown_keeps_the_articles_shown_with_each_ticket_once():
    account = make_account()
    ann = make_contact(account)
    one, two = make_article("Slack"), make_article("Salesforce")
    a = create_ticket(account=account, contact=ann, subject="Slack")
    b = create_ticket(account=account, contact=ann, subject="Salesforce")
    services.add_shown([(a, [one, two, one]), (b, [two])])
    assert services.shown_with(a) == [one, two]
    assert services.shown_with(b) == [two]


def test_wipe_knowledge_leaves_nothing():
    account = make_account()
    article = make_article()
    services.record_view(article, account)
    services.record_search("nothing here", [], account=account)
    services.wipe_knowledge()
    assert not KnowledgeActivity.objects.exists()
    assert not KnowledgeGap.objects.exists()
    assert not type(article).objects.exists()
