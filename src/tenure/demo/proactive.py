"""The demo's proactive work: assignment rules, onboarding projects with milestones, and success plans.

Written through the rooms' own services (few rows: speed is no concern here), deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Q

from tenure.accounts.assignment import assign_accounts
from tenure.accounts.models import Account, AssignmentRule
from tenure.demo.models import Cause, DemoScenario, Scenario, UsageTrend
from tenure.engagement.models import Milestone, OnboardingTemplate, SuccessGoal
from tenure.engagement.onboarding import apply_templates, best_template, complete_milestone, start_onboarding
from tenure.users.models import User

STANDARD = [
    {"title": "Kick-off call", "due_days": 5},
    {"title": "Single sign-on connected", "due_days": 14},
    {"title": "Data sources connected", "due_days": 21},
    {"title": "First dashboard shared with the team", "due_days": 30, "first_value": True},
    {"title": "Admins trained", "due_days": 45},
]
ENTERPRISE = [
    {"title": "Kick-off with the executive sponsor", "due_days": 7},
    {"title": "Success plan agreed", "due_days": 14},
    {"title": "Single sign-on and provisioning live", "due_days": 30},
    {"title": "Pilot team live", "due_days": 45, "first_value": True},
    {"title": "Rollout to all departments", "due_days": 75},
    {"title": "First QBR", "due_days": 90},
]
GOALS = [
    ("Faster support answers", "ticket handling time", "min", "decrease", 42, 30),
    ("Self-serve reporting", "reports built by business users a month", "", "increase", 12, 40),
    ("Wider adoption", "weekly active teams", "", "increase", 3, 8),
    ("Less manual work", "hours spent on manual exports a week", "h", "decrease", 20, 8),
    ("Faster month-end close", "days to close the month", "days", "decrease", 9, 5),
]


def seed_proactive(today: dt.date, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}-proactive")
    # A rebuild starts over (build_demo only runs on a database that holds nothing but the demo).
    AssignmentRule.objects.all().delete()
    OnboardingTemplate.objects.all().delete()
    from tenure.surveys.models import SurveyCampaign

    SurveyCampaign.objects.all().delete()
    csms = {u.username: u for u in User.objects.filter(role="csm")}
    named = AssignmentRule.objects.create(name="Named CSM above 50 licenses", position=10, min_seats=51)
    named.team.set([u for name, u in sorted(csms.items()) if name in {"alex", "sam", "jordan", "taylor", "priya"}])
    AssignmentRule.objects.create(name="Tech touch up to 50 licenses", position=20, coverage="pooled")
    # Only accounts nobody owns: people's choices stay.
    assigned = len(assign_accounts())

    OnboardingTemplate.objects.create(name="Standard onboarding", milestones=STANDARD)
    OnboardingTemplate.objects.create(name="Enterprise onboarding", segment="enterprise", milestones=ENTERPRISE)
    # New customers, and the ones still stuck in onboarding months in.
    recent = list(
        Account.objects.filter(Q(demo_scenario__scenario=Scenario.NEW) | Q(
            demo_scenario__cause=Cause.NEVER_ADOPTED, demo_scenario__churned_on__isnull=True))
        .values_list("pk", flat=True)
    )
    apply_templates(recent, today)
    # One that never adopted may be most of a year in (an annual contract): its project started at signing.
    templates = list(OnboardingTemplate.objects.all())
    for account in Account.objects.filter(pk__in=recent, onboarding_projects=None).select_related("owner"):
        signed = account.subscriptions.order_by("start_date").values_list("start_date", flat=True).first()
        start_onboarding(account, best_template(templates, "", account.segment), started_on=signed)
    for milestone in Milestone.objects.filter(project__account_id__in=recent).select_related(
        "project__account__demo_scenario"
    ).order_by("project_id", "position"):
        _progress(milestone, today, rng)

    goals = 0
    scenarios = DemoScenario.objects.filter(account__segment__in=["mid-market", "enterprise"]).select_related(
        "account").order_by("account_id")
    for s in scenarios:
        if rng.random() > 0.45:
            continue
        title, metric, unit, direction, baseline, target = GOALS[rng.randrange(len(GOALS))]
        doing_well = s.usage_trend in (UsageTrend.GROWING, UsageTrend.STEADY, UsageTrend.RAMPING)
        share = rng.uniform(0.5, 1.1) if doing_well else rng.uniform(0.0, 0.35)
        current = Decimal(baseline + (target - baseline) * share).quantize(Decimal("0.1"))
        SuccessGoal.objects.create(account=s.account, title=title, metric=metric, unit=unit, direction=direction,
                                   baseline=Decimal(baseline), target=Decimal(target), current=current,
                                   due_on=today + dt.timedelta(days=rng.randint(30, 180)))
        goals += 1
    answers = _nps_campaign(today, rng)
    return {"assigned by rules": assigned, "onboarding milestones": Milestone.objects.count(), "success goals": goals,
            "NPS answers": answers}


# NPS by how the account is really doing (the scenario): promoters where it grows, detractors where it is leaving.
NPS_RANGES = {
    Scenario.EXPANDING: (8, 10), Scenario.STEADY: (6, 10), Scenario.NEW: (6, 10), Scenario.AT_RISK: (1, 7),
}
COMMENTS = {
    "promoter": ["Dashboards save my team hours every week.", "Support is quick and knows the product.",
                 "Rolled it out to two more departments already."],
    "passive": ["Does the job; reporting could be more flexible.", "Good, but onboarding took a while."],
    "detractor": ["Reports keep timing out for us.", "Too expensive for how much we use it.",
                  "We are evaluating alternatives for next year.", "Hard to get answers from support lately."],
}


def _nps_campaign(today: dt.date, rng: random.Random) -> int:
    """A quarterly NPS to sponsors, champions and admins, sent three weeks ago; about four in ten answered."""
    from tenure.accounts.models import Contact
    from tenure.surveys.models import SurveyCampaign, SurveyInvitation
    from tenure.surveys.services import nps_category, record_response

    sent = dt.datetime.combine(today - dt.timedelta(days=21), dt.time(9), tzinfo=dt.UTC)
    campaign = SurveyCampaign.objects.create(name="Quarterly NPS", roles=["executive_sponsor", "champion", "admin"],
                                             sent_at=sent)
    people = (Contact.objects.filter(left_on__isnull=True, account__demo_scenario__churned_on__isnull=True)
              .exclude(email="").filter(Q(is_executive_sponsor=True) | Q(is_champion=True) | Q(is_admin=True))
              .select_related("account__demo_scenario").order_by("pk"))
    answered = 0
    for contact in people:
        invitation = SurveyInvitation.objects.create(campaign=campaign, contact=contact, sent_at=sent)
        if rng.random() > 0.4:
            continue
        low, high = NPS_RANGES.get(contact.account.demo_scenario.scenario, (5, 9))
        score = rng.randint(low, high)
        comment = rng.choice(COMMENTS[nps_category(score)]) if rng.random() < 0.6 else ""
        at = sent + dt.timedelta(days=rng.randint(0, 14), hours=rng.randint(0, 8))
        invitation.response = record_response(account=contact.account, contact=contact, score=score,
                                              comment=comment, answered_at=at)
        invitation.save(update_fields=["response"])
        answered += 1
    return answered


def _progress(milestone: Milestone, today: dt.date, rng: random.Random) -> None:
    """Most milestones are done a few days either side of their due date; stalled accounts fall behind."""
    project = milestone.project
    story = project.account.demo_scenario
    stalled = story.usage_trend == UsageTrend.DECLINING or story.cause == Cause.NEVER_ADOPTED or rng.random() < 0.2
    slip = rng.randint(8, 30) if stalled else rng.randint(-4, 6)
    done_on = max(project.started_on, milestone.due_on + dt.timedelta(days=slip))
    if done_on <= today and not (stalled and milestone.position >= 2):
        complete_milestone(milestone, done_on=done_on)
