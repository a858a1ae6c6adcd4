"""Onboarding projects (milestones from a template, time to first value) and success plans (goals with targets).

Templates apply themselves: an account in the onboarding stage with no project gets the active template that
matches its plan and segment best (a plan-and-segment template beats a plan-only or segment-only one, which
beats a catch-all). Each milestone's due date is the project's start plus its ``due_days``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure.accounts.models import Account, LifecycleStage
from tenure.billing.models import LIVE_STATUSES, Subscription
from tenure.engagement.models import (
    GoalDirection,
    Milestone,
    MilestoneStatus,
    OnboardingProject,
    OnboardingTemplate,
    ProjectStatus,
    SuccessGoal,
)
from tenure.engagement.services import record_touch


def best_template(templates: list[OnboardingTemplate], plan: str, segment: str) -> OnboardingTemplate | None:
    def fits(t):
        plan_fits = not t.plan or t.plan.lower() == plan.lower()
        return plan_fits and (not t.segment or t.segment.lower() == segment.lower())

    candidates = [t for t in templates if t.active and fits(t)]
    return max(candidates, key=lambda t: (bool(t.plan) + bool(t.segment), -t.pk), default=None)


@transaction.atomic
def start_onboarding(account: Account, template: OnboardingTemplate | None = None, *,
                     started_on: dt.date | None = None, owner=None, by=None) -> OnboardingProject:
    started_on = started_on or timezone.localdate()
    project = OnboardingProject.objects.create(
        account=account, template=template, name=template.name if template else "Onboarding", started_on=started_on
    )
    steps = template.milestones if template else []
    Milestone.objects.bulk_create([
        Milestone(project=project, position=i, title=step["title"], owner=owner or account.owner,
                  due_on=started_on + dt.timedelta(days=int(step.get("due_days", 0))),
                  first_value=bool(step.get("first_value")))
        for i, step in enumerate(steps)
    ])
    record_touch(account=account, kind="note", author=by, summary=f"Onboarding started: {project.name}.",
                 occurred_at=timezone.make_aware(dt.datetime.combine(started_on, dt.time(9))))
    return project


@transaction.atomic
def complete_milestone(milestone: Milestone, *, done_on: dt.date | None = None, by=None) -> Milestone:
    if milestone.status != MilestoneStatus.OPEN:
        raise ValidationError({"status": f"“{milestone}” is already {milestone.get_status_display().lower()}"})
    project = milestone.project
    milestone.status, milestone.done_on = MilestoneStatus.DONE, done_on or timezone.localdate()
    if milestone.done_on < project.started_on:
        raise ValidationError({"done_on": "is before the project started"})
    milestone.save(update_fields=["status", "done_on"])
    summary = f"Onboarding milestone done: {milestone.title}."
    if milestone.first_value and project.first_value_on is None:
        project.first_value_on = milestone.done_on
        summary += f" First value after {project.days_to_first_value} days."
    if not project.milestones.filter(status=MilestoneStatus.OPEN).exists():
        project.status, project.completed_on = ProjectStatus.COMPLETED, milestone.done_on
        summary += f" Onboarding complete in {project.days_to_complete} days."
    project.save(update_fields=["first_value_on", "status", "completed_on"])
    record_touch(account=project.account, kind="note", author=by, summary=summary,
                 occurred_at=timezone.make_aware(dt.datetime.combine(milestone.done_on, dt.time(9))))
    return milestone


def overdue_milestones(account_ids, as_of: dt.date) -> dict[int, list[Milestone]]:
    """Open milestones past their due date, per account: the disengagement signal's evidence."""
    out: dict[int, list[Milestone]] = {}
    rows = (
        Milestone.objects.filter(project__account_id__in=list(account_ids), project__status=ProjectStatus.ACTIVE,
                                 status=MilestoneStatus.OPEN, due_on__lt=as_of)
        .select_related("project").order_by("due_on")
    )
    for m in rows:
        out.setdefault(m.project.account_id, []).append(m)
    return out


def apply_templates(account_ids: list[int], as_of: dt.date | None = None) -> int:
    """The job's hook: start onboarding for accounts in the onboarding stage that have no project yet."""
    templates = list(OnboardingTemplate.objects.filter(active=True))
    if not templates:
        return 0
    accounts = list(
        Account.objects.filter(pk__in=list(account_ids), stage=LifecycleStage.ONBOARDING, onboarding_projects=None)
        .select_related("owner")
    )
    plans = dict(
        Subscription.objects.filter(account__in=accounts, status__in=LIVE_STATUSES).order_by("start_date")
        .values_list("account_id", "plan")
    )
    started = 0
    for account in accounts:
        template = best_template(templates, plans.get(account.pk, ""), account.segment)
        if template is not None:
            first_start = account.subscriptions.order_by("start_date").values_list("start_date", flat=True).first()
            start_onboarding(account, template, started_on=first_start or as_of)
            started += 1
    return started


def goal_progress_text(goal: SuccessGoal) -> str:
    """'cut ticket handling time 30% — now 22%' style: where the goal stands, in words."""
    unit = f" {goal.unit}" if goal.unit and goal.unit != "%" else goal.unit
    change = goal.target - goal.baseline
    pct = f" ({abs(change) / goal.baseline:.0%} {'less' if change < 0 else 'more'})" if goal.baseline else ""
    text = f"{goal.metric}: from {_num(goal.baseline)}{unit} to {_num(goal.target)}{unit}{pct}"
    if goal.current is None:
        return text + " — not measured yet"
    done = goal.progress or 0
    return text + f" — now {_num(goal.current)}{unit}, {done:.0%} of the way"


def _num(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@transaction.atomic
def record_goal_progress(goal: SuccessGoal, current: Decimal, *, by=None) -> SuccessGoal:
    goal.current = current
    goal.full_clean()
    goal.save(update_fields=["current", "updated_at"])
    record_touch(account=goal.account, kind="note", author=by, summary=f"Success plan: {goal_progress_text(goal)}.")
    return goal


def goal_met(goal: SuccessGoal) -> bool:
    if goal.current is None:
        return False
    if goal.direction == GoalDirection.DECREASE:
        return goal.current <= goal.target
    return goal.current >= goal.target
