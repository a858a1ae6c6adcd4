"""The community part of the account facts, and what reads it: the health measure and the community signals."""

import datetime as dt

import pytest
from django.utils import timezone

from tenure.community import reputation
from tenure.community import services as community
from tenure.facts import load_facts
from tenure.health.measures import raw_values_of
from tenure.risk import detectors as d
from tenure.surveys.models import SurveyKind, SurveyResponse
from tests.factories import make_account, make_contact

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def world(db, csm, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
    big = make_account(name="Globex", domain="globex.example", segment="Enterprise")
    small = make_account(name="Tiny", domain="tiny.example", segment="SMB")
    return {"big": big, "small": small, "staff": community.Viewer(user=csm),
            "hank": community.Viewer(contact=make_contact(big, name="Hank", email="hank@globex.example")),
            "tia": community.Viewer(contact=make_contact(small, name="Tia", email="tia@tiny.example"))}


def test_posts_answers_and_open_questions_are_facts_of_the_account(world):
    hank, tia, staff, big = world["hank"], world["tia"], world["staff"], world["big"]
    now = timezone.now()
    asked = community.start_thread(hank, title="Can SSO use Okta?", body="?", at=now - 72 * HOUR)
    fails = community.start_thread(hank, title="Export fails", body="Since Monday, like with ChurnGuard before",
                                   at=now - 3 * HOUR)
    answered = community.start_thread(tia, title="API limits?", body="?", at=now - 80 * HOUR)
    answer = community.reply(answered, hank, body="1,000 a minute.", at=now - 70 * HOUR)
    community.accept_answer(answered, answer, tia)
    community.reply(asked, hank, body="Anyone?", at=now - 60 * HOUR)  # the asker's own reply answers nothing
    facts = load_facts([big.pk, world["small"].pk], timezone.localdate())
    c = facts[big.pk].community
    assert (c.threads, c.replies, c.answers_accepted, c.people) == (2, 2, 1, 1)
    assert [q.id for q in c.unanswered] == [asked.pk, fails.pk] and c.unanswered[0].hours_waiting >= 72
    assert facts[big.pk].community_engagement == 4
    assert facts[world["small"].pk].community.replies_received == 1
    assert raw_values_of(facts[big.pk])["community_engagement"] == 4.0
    assert any(t.model == "community.post" and "ChurnGuard" in t.text for t in facts[big.pk].texts)

    t = d.Thresholds()
    [signal] = d.community_unanswered(facts[big.pk], t)
    assert signal.kind == "community_unanswered" and "Can SSO use Okta?" in signal.title
    assert signal.records[0] == {"model": "community.thread", "id": asked.pk, "label": "Can SSO use Okta?"}
    [mention] = [c for c in d.competition(facts[big.pk], t) if c.kind == "competitor_mentioned"]
    assert mention.records[0]["model"] == "community.post"
    community.reply(asked, staff, body="Yes: Settings → SSO.")
    again = load_facts([big.pk], timezone.localdate())[big.pk]
    assert d.community_unanswered(again, t) == []  # staff answered
    tia_q = community.start_thread(tia, title="Old question", body="?", at=now - 100 * HOUR)
    assert tia_q and d.community_unanswered(load_facts([world["small"].pk], timezone.localdate())[
        world["small"].pk], t) == []  # not a watched segment


def test_an_account_that_never_posted_is_unknown_not_zero(world):
    f = load_facts([world["small"].pk], timezone.localdate())[world["small"].pk]
    assert f.community_engagement is None and raw_values_of(f)["community_engagement"] is None


def test_a_heard_detractor_raises_the_influential_detractor_signal(world):
    hank, tia, big = world["hank"], world["tia"], world["big"]
    for i in range(6):
        q = community.start_thread(tia, title=f"Question {i}", body="?")
        a = community.reply(q, hank, body="Here is how.")
        community.like(a, tia)
        community.accept_answer(q, a, tia)
    reputation.count_standings()
    SurveyResponse.objects.create(account=big, contact=hank.contact, kind=SurveyKind.NPS, score=2,
                                  answered_at=timezone.now())
    f = load_facts([big.pk], timezone.localdate())[big.pk]
    assert f.community.reach[hank.contact.pk] == 6 + 0 + 2 * 1  # six likes, one person helped
    t = d.Thresholds(influential_reach=8)
    [signal] = d.influential_detractor(f, t)
    assert signal.subject == f"contact:{hank.contact.pk}" and "NPS 2" in signal.title
    assert d.influential_detractor(f, d.Thresholds(influential_reach=9)) == []
