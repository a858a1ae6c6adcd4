"""The facts layer never reads after its day: facts as of D are the same whether or not later rows exist."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from tenure.billing.services import update_subscription
from tenure.community.models import Post, Reaction, Thread
from tenure.engagement.models import Milestone, OnboardingProject, Pulse
from tenure.facts import load_facts
from tenure.knowledge.services import count_activity
from tenure.surveys.models import SurveyKind, SurveyResponse
from tenure.usage.models import DailyAccountActivity, DailyUserActivity, DailyUserFeature, Feature
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch

D = dt.date(2026, 3, 31)
DAY = dt.timedelta(days=1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _history(account, days: list[dt.date]):
    """One of every kind of input on each day: a touch, a ticket, usage, an NPS answer, a pulse. (Contacts keep
    no creation day, so the people are made once, in the fixture.)"""
    sponsor, champion = account.contacts.order_by("pk")
    for i, day in enumerate(days):
        make_touch(account, occurred_at=at(day), contacts=[sponsor if i % 2 else champion],
                   summary=f"call {i} about Competitor", sentiment="negative" if i % 3 else "positive")
        make_ticket(account, opened_at=at(day), priority="high", subject=f"ticket {i}",
                    resolved_at=at(day + 3 * DAY) if i % 2 else None, status="closed" if i % 2 else "open")
        for u in range(1 + i % 4):
            DailyUserActivity.objects.create(account=account, user_key=f"u{u}", day=day, events=1)
            DailyUserFeature.objects.create(account=account, user_key=f"u{u}", day=day, event="Report Exported",
                                            count=1)
        DailyAccountActivity.objects.create(account=account, day=day, active_users=1 + i % 4, logins=i, events=5)
        SurveyResponse.objects.create(account=account, contact=sponsor, kind=SurveyKind.NPS, score=i % 11,
                                      answered_at=at(day))
        Pulse.objects.create(account=account, rating=("green", "yellow", "red")[i % 3], created_at=at(day))
        count_activity(("view", "search", "helpful", "deflection")[i % 4], account=account, contact=sponsor, day=day)
        # a community question, its answer, a like and (every other day) its acceptance, all on the day
        thread = Thread.objects.create(title=f"question {i} about Competitor", author_contact=sponsor, account=account,
                                       created_at=at(day), last_activity_at=at(day))
        Post.objects.create(thread=thread, number=1, body="?", body_text="?", author_contact=sponsor,
                            account=account, created_at=at(day))
        answer = Post.objects.create(thread=thread, number=2, body="!", body_text="!", author_contact=champion,
                                     account=account, created_at=at(day, 13))
        like = Reaction.objects.create(kind="like", post=answer, who=f"c{sponsor.pk}", contact=sponsor)
        Reaction.objects.filter(pk=like.pk).update(created_at=at(day, 14))
        if i % 2:
            Thread.objects.filter(pk=thread.pk).update(accepted_answer=answer, accepted_at=at(day, 15))


@pytest.fixture
def world(db):
    Feature.objects.create(event="Report Exported", is_key=True, first_seen=timezone.now(),
                           last_seen=timezone.now())
    account = make_account(name="Leaky Ltd")
    make_contact(account, name="Sam Sponsor", roles=["executive_sponsor"])
    make_contact(account, name="Cleo Champion", roles=["champion"])
    sub = make_subscription(account, start_date=D - 400 * DAY, end_date=D + 30 * DAY, seats=20, mrr=1000)
    before = [D - k * DAY for k in (200, 120, 95, 61, 45, 31, 20, 10, 3, 1, 0)]
    _history(account, before)
    project = OnboardingProject.objects.create(account=account, name="Go live", started_on=D - 60 * DAY)
    Milestone.objects.create(project=project, title="SSO", due_on=D - 10 * DAY)
    return account, sub, project


def _as_dict(facts):
    return {pk: dataclasses.asdict(f) for pk, f in facts.items()}


def test_facts_as_of_a_day_ignore_everything_after_it(world):
    account, sub, project = world
    before = _as_dict(load_facts([account.pk], D))
    # The future: more of every input, a seat cut, a departure, a finished milestone and project.
    _history(account, [D + k * DAY for k in (1, 2, 5, 20)])
    update_subscription(sub, seats=5, mrr=250, effective_on=D + 2 * DAY)
    account.contacts.filter(name="Sam Sponsor").update(left_on=D + 3 * DAY)
    project.milestones.update(status="done", done_on=D + 4 * DAY)
    OnboardingProject.objects.filter(pk=project.pk).update(status="completed", completed_on=D + 6 * DAY)
    after = _as_dict(load_facts([account.pk], D))
    changed = {k: (before[account.pk][k], v) for k, v in after[account.pk].items() if before[account.pk][k] != v}
    assert changed == {}
    # ...and the later day does see them, so the comparison above could fail.
    later = load_facts([account.pk], D + 10 * DAY)[account.pk]
    assert later.seats == 5 and not later.sponsor.present and later.sponsor.departed
    assert later.overdue_milestones == [] and not later.onboarding_active
    assert later.community.threads > after[account.pk]["community"]["threads"]


def test_every_fact_of_the_shape_is_defined_in_the_glossary():
    from tenure.facts import GLOSSARY, AccountFacts

    loaded = {f.name for f in dataclasses.fields(AccountFacts)} - {"account_id", "as_of", "segment", "windows"}
    assert loaded <= set(GLOSSARY), loaded - set(GLOSSARY)
