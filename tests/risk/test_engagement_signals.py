"""Signals from onboarding milestones and NPS answers."""

import datetime as dt

import pytest

from tenure.engagement.models import OnboardingTemplate
from tenure.engagement.onboarding import complete_milestone, start_onboarding
from tenure.risk.detectors import AccountFacts, AnswerFact, MilestoneFact, Thresholds, detractor, milestone_overdue
from tenure.risk.models import Signal, Task
from tenure.risk.services import detect_signals
from tenure.surveys.services import record_response
from tests.factories import make_account, make_contact

TODAY = dt.date(2026, 6, 30)
T = Thresholds()


def test_milestone_overdue_fires_past_the_grace_days():
    facts = AccountFacts(1, TODAY, overdue_milestones=[MilestoneFact(5, "SSO connected", TODAY - dt.timedelta(days=8))])
    (c,) = milestone_overdue(facts, T)
    assert c.driver == "disengagement"
    assert c.title == "Onboarding milestone “SSO connected” overdue by 8 days"
    facts.overdue_milestones[0].due_on = TODAY - dt.timedelta(days=7)
    assert milestone_overdue(facts, T) == []


def test_detractor_fires_for_0_to_6_within_the_window():
    answer = AnswerFact(9, 3, "Dana", 4, "Too slow", TODAY - dt.timedelta(days=10))
    (c,) = detractor(AccountFacts(1, TODAY, nps_answers=[answer]), T)
    assert (c.driver, c.subject, c.title) == ("disconnection", "contact:3", "Dana answered NPS 4: “Too slow”")
    answer.score = 7
    assert detractor(AccountFacts(1, TODAY, nps_answers=[answer]), T) == []
    answer.score, answer.answered_on = 2, TODAY - dt.timedelta(days=91)
    assert detractor(AccountFacts(1, TODAY, nps_answers=[answer]), T) == []


@pytest.mark.django_db
def test_an_overdue_milestone_opens_a_signal_and_the_onboarding_play():
    template = OnboardingTemplate.objects.create(name="Std", milestones=[{"title": "Kick-off", "due_days": 5}])
    project = start_onboarding(make_account(), template, started_on=TODAY - dt.timedelta(days=20))
    detect_signals([project.account_id], TODAY)
    signal = Signal.objects.get(account=project.account, kind="milestone_overdue")
    assert signal.evidence["records"][0]["url"].endswith("#onboarding")
    assert Task.objects.filter(signal=signal).exists()
    complete_milestone(project.milestones.get(), done_on=TODAY)
    detect_signals([project.account_id], TODAY)
    signal.refresh_from_db()
    assert signal.resolved_on is not None


@pytest.mark.django_db
def test_a_detractor_answer_opens_a_signal_and_a_task_until_a_better_answer():
    account = make_account()
    dana = make_contact(account, name="Dana")
    record_response(account=account, contact=dana, score=3, comment="Reports keep failing",
                    answered_at=dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC))
    detect_signals([account.pk], TODAY)
    signal = Signal.objects.get(account=account, kind="detractor")
    assert signal.severity == "high" and "Reports keep failing" in signal.title
    assert Task.objects.filter(signal=signal, status="open").count() == 1
    record_response(account=account, contact=dana, score=9, answered_at=dt.datetime(2026, 6, 28, tzinfo=dt.UTC))
    detect_signals([account.pk], TODAY)
    signal.refresh_from_db()
    assert signal.resolved_on is not None
