import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tenure.engagement.models import OnboardingTemplate, SuccessGoal
from tenure.engagement.onboarding import (
    apply_templates,
    best_template,
    complete_milestone,
    goal_met,
    goal_progress_text,
    overdue_milestones,
    record_goal_progress,
    start_onboarding,
)
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db

STEPS = [
    {"title": "Kick-off call", "due_days": 3},
    {"title": "SSO connected", "due_days": 14},
    {"title": "First report shared", "due_days": 21, "first_value": True},
    {"title": "Admins trained", "due_days": 30},
]


@pytest.fixture
def template():
    return OnboardingTemplate.objects.create(name="Growth onboarding", plan="Growth", milestones=STEPS)


def test_milestones_get_due_dates_from_the_template(template):
    project = start_onboarding(make_account(), template, started_on=dt.date(2026, 3, 1))
    assert list(project.milestones.values_list("title", "due_on")) == [
        ("Kick-off call", dt.date(2026, 3, 4)), ("SSO connected", dt.date(2026, 3, 15)),
        ("First report shared", dt.date(2026, 3, 22)), ("Admins trained", dt.date(2026, 3, 31)),
    ]


def test_time_to_first_value_and_to_complete(template):
    project = start_onboarding(make_account(), template, started_on=dt.date(2026, 3, 1))
    milestones = list(project.milestones.all())
    for m, day in zip(milestones, [2, 10, 18, 40], strict=True):
        complete_milestone(m, done_on=dt.date(2026, 3, 1) + dt.timedelta(days=day))
    project.refresh_from_db()
    assert (project.days_to_first_value, project.days_to_complete, project.status) == (18, 40, "completed")
    notes = list(project.account.touches.values_list("summary", flat=True))
    assert any("First value after 18 days" in n for n in notes)
    assert any("Onboarding complete in 40 days" in n for n in notes)


def test_a_milestone_cannot_be_done_twice(template):
    m = start_onboarding(make_account(), template, started_on=dt.date(2026, 3, 1)).milestones.first()
    complete_milestone(m, done_on=dt.date(2026, 3, 2))
    with pytest.raises(ValidationError, match="already done"):
        complete_milestone(m)


def test_overdue_milestones_are_found_per_account(template):
    project = start_onboarding(make_account(), template, started_on=dt.date(2026, 3, 1))
    overdue = overdue_milestones([project.account_id], as_of=dt.date(2026, 3, 16))
    assert [m.title for m in overdue[project.account_id]] == ["Kick-off call", "SSO connected"]


def test_templates_apply_themselves_to_new_accounts_by_plan_and_segment(template):
    catch_all = OnboardingTemplate.objects.create(name="Standard", milestones=STEPS[:1])
    growth = make_account(stage="onboarding")
    make_subscription(growth, plan="Growth", start_date=dt.date(2026, 2, 1))
    other = make_account(stage="onboarding")
    make_subscription(other, plan="Starter", start_date=dt.date(2026, 2, 1))
    mature = make_account(stage="mature")
    assert apply_templates([growth.pk, other.pk, mature.pk], dt.date(2026, 2, 2)) == 2
    assert growth.onboarding_projects.get().template == template
    assert other.onboarding_projects.get().template == catch_all
    assert not mature.onboarding_projects.exists()
    assert apply_templates([growth.pk, other.pk], dt.date(2026, 2, 3)) == 0  # never twice
    assert growth.onboarding_projects.get().started_on == dt.date(2026, 2, 1)


def test_best_template_prefers_the_most_specific():
    a = OnboardingTemplate(pk=1, name="any")
    b = OnboardingTemplate(pk=2, name="plan", plan="Pro")
    c = OnboardingTemplate(pk=3, name="both", plan="Pro", segment="smb")
    assert best_template([a, b, c], "pro", "SMB") == c
    assert best_template([a, b, c], "Pro", "enterprise") == b
    assert best_template([a, b], "Starter", "smb") == a


def test_success_goal_progress_in_words():
    goal = SuccessGoal.objects.create(account=make_account(), title="Faster support", metric="ticket handling time",
                                      unit="min", direction="decrease", baseline=Decimal(40), target=Decimal(28))
    assert goal_progress_text(goal) == "ticket handling time: from 40 min to 28 min (30% less) — not measured yet"
    record_goal_progress(goal, Decimal("31.2"))
    assert goal_progress_text(goal) == (
        "ticket handling time: from 40 min to 28 min (30% less) — now 31.2 min, 73% of the way"
    )
    assert not goal_met(goal)
    record_goal_progress(goal, Decimal(27))
    assert goal_met(goal)
    goal.refresh_from_db()
    assert goal.current == Decimal(27)  # the progress is stored, not only computed
