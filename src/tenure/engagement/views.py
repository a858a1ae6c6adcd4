"""Onboarding, success plan and value report pages for one account."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenure.accounts.models import Account
from tenure.engagement.models import Milestone, OnboardingTemplate, SuccessGoal
from tenure.engagement.onboarding import (
    complete_milestone,
    goal_met,
    goal_progress_text,
    record_goal_progress,
    start_onboarding,
)


def _writer(request) -> None:
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot change onboarding or success plans.")


def plan_context(account: Account) -> dict:
    """What the account page's onboarding and success plan panel shows."""
    milestones = Prefetch("milestones", Milestone.objects.select_related("owner"))  # with their owners: one query
    projects = list(account.onboarding_projects.prefetch_related(milestones)[:3])
    goals = list(account.success_goals.all())
    today = timezone.localdate()
    for p in projects:
        for m in p.milestones.all():
            m.overdue = m.status == "open" and m.due_on < today
    for g in goals:
        g.text, g.met = goal_progress_text(g), goal_met(g)
    return {"onboarding_projects": projects, "success_goals": goals,
            "onboarding_templates": OnboardingTemplate.objects.filter(active=True)}


def value_report(request, account_id: int):
    """What the customer got from the product: printable, for a QBR or an executive sponsor."""
    from tenure.usage.facts import window
    from tenure.usage.panels import account_usage_panel

    account = get_object_or_404(Account.objects.select_related("owner"), pk=account_id)
    today = timezone.localdate()
    context = {"account": account, "today": today, "window_start": window(today, 90)[0], **plan_context(account)}
    context.update(account_usage_panel(account, today))
    return render(request, "engagement/value_report.html", context)


@require_POST
def milestone_done(request, account_id: int, pk: int):
    _writer(request)
    milestone = get_object_or_404(Milestone, pk=pk, project__account_id=account_id)
    try:
        complete_milestone(milestone, by=request.user)
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    return redirect(f"/accounts/{account_id}/#onboarding")


@require_POST
def start_project(request, account_id: int):
    _writer(request)
    account = get_object_or_404(Account, pk=account_id)
    template = get_object_or_404(OnboardingTemplate, pk=request.POST.get("template"))
    start_onboarding(account, template, by=request.user)
    messages.success(request, f"Started {template.name}.")
    return redirect(f"/accounts/{account_id}/#onboarding")


@require_POST
def goal_progress(request, account_id: int, pk: int):
    _writer(request)
    goal = get_object_or_404(SuccessGoal, pk=pk, account_id=account_id)
    try:
        record_goal_progress(goal, Decimal(request.POST.get("current", "").strip()), by=request.user)
    except (InvalidOperation, ValidationError):
        messages.error(request, f"“{request.POST.get('current')}” is not a number.")
    return redirect(f"/accounts/{account_id}/#onboarding")


@require_POST
def add_goal(request, account_id: int):
    _writer(request)
    account = get_object_or_404(Account, pk=account_id)
    try:
        goal = SuccessGoal(
            account=account, title=request.POST.get("title", "").strip(), metric=request.POST.get("metric", "").strip(),
            unit=request.POST.get("unit", "").strip(), direction=request.POST.get("direction", "increase"),
            baseline=Decimal(request.POST.get("baseline", "")), target=Decimal(request.POST.get("target", "")),
        )
        goal.full_clean()
        goal.save()
    except (InvalidOperation, ValidationError) as e:
        messages.error(request, "The goal needs a title, a metric, and numbers for baseline and target. "
                       + ("; ".join(e.messages) if isinstance(e, ValidationError) else ""))
    return redirect(f"/accounts/{account_id}/#onboarding")
