"""The demo's proactive work: who serves which account, onboarding under way, success plans."""

import pytest

from tenure.accounts.models import Account, AssignmentRule
from tenure.demo.models import Scenario
from tenure.engagement.models import Milestone, OnboardingProject, SuccessGoal

pytestmark = pytest.mark.django_db


def test_demo_has_rules_onboarding_and_goals(small_demo):
    assert AssignmentRule.objects.filter(name="Named CSM above 50 licenses").exists()
    assert not Account.objects.filter(owner__isnull=True, coverage="named").exclude(stage="churned").exists()
    new_accounts = Account.objects.filter(demo_scenario__scenario=Scenario.NEW)
    assert OnboardingProject.objects.filter(account__in=new_accounts).count() == new_accounts.count() > 0
    assert Milestone.objects.filter(status="done").exists() and Milestone.objects.filter(status="open").exists()
    assert SuccessGoal.objects.exists()
    assert not SuccessGoal.objects.filter(account__segment="smb").exists()


def test_pooled_accounts_are_small(small_demo):
    for account in Account.objects.filter(coverage="pooled"):
        assert sum(s.seats for s in account.subscriptions.all() if s.is_live) <= 50


def test_demo_nps_answers_follow_how_accounts_really_do(small_demo):
    from tenure.surveys.campaigns import nps
    from tenure.surveys.models import SurveyResponse

    answers = SurveyResponse.objects.select_related("account__demo_scenario")
    assert answers.count() > 10
    at_risk = [a.score for a in answers if a.account.demo_scenario.scenario == Scenario.AT_RISK]
    growing = [a.score for a in answers if a.account.demo_scenario.scenario == Scenario.EXPANDING]
    assert at_risk and growing and nps(at_risk) < nps(growing)
    assert all(a.invitation.campaign.name == "Quarterly NPS" for a in answers)
