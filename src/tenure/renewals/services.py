"""The verbs of renewals and opportunities: sync (open rows and tasks as dates and usage move), close (with an
outcome, a timeline note, the tasks closed and a webhook), and the churn-reason report's rows.

Renewal tasks open at each configured offset before the renewal date (``TENURE_RENEWAL_OFFSETS``, default
120/90/60/30 days), once per renewal and offset: the first offset reached applies the shipped renewal play,
each later one opens a single follow-up task "Renewal in N days: …".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenure.accounts.models import Account
from tenure.billing.models import LIVE_STATUSES, Subscription
from tenure.engagement.services import record_touch
from tenure.integrations import webhooks
from tenure.renewals import report as r
from tenure.renewals.models import (
    TRIGGER_KIND,
    ChurnReason,
    Opportunity,
    OpportunityOutcome,
    Renewal,
    RenewalOutcome,
    RenewalStatus,
)
from tenure.risk import services as risk
from tenure.risk.models import ACTIVE_TASK_STATUSES, CloseReason, Outcome, Play, RiskSettings, Task, TaskPriority
from tenure.usage.facts import usage_summaries

DEFAULT_OFFSETS = (120, 90, 60, 30)
RENEWAL_PLAY = "renewal-90"
OPPORTUNITY_DAYS = 30  # utilization is measured over this many days
REOPEN_AFTER_DAYS = 90  # a closed opportunity of the same trigger does not reopen sooner
TASK_OUTCOME = {RenewalOutcome.RENEWED: Outcome.NO_CHANGE, RenewalOutcome.EXPANDED: Outcome.IMPROVED,
                RenewalOutcome.DOWNGRADED: Outcome.WORSE, RenewalOutcome.CHURNED: Outcome.CHURNING}


def offsets() -> tuple[int, ...]:
    return tuple(sorted(getattr(settings, "TENURE_RENEWAL_OFFSETS", DEFAULT_OFFSETS), reverse=True))


def _task_key(renewal: Renewal, offset: int) -> str:
    return f"renewal:{renewal.pk}:{offset}"


# ---- renewals ----------------------------------------------------------------------------------------------


def sync_renewals(account_ids, as_of: dt.date | None = None) -> dict[str, int]:
    """Open a renewal for each live subscription ending within the largest offset, then its due tasks."""
    as_of = as_of or timezone.localdate()
    steps = offsets()
    horizon = as_of + dt.timedelta(days=steps[0])
    subs = list(Subscription.objects.filter(
        account_id__in=list(account_ids), status__in=LIVE_STATUSES, end_date__gte=as_of, end_date__lte=horizon,
    ).exclude(account__stage="churned").values_list("pk", "account_id", "end_date", "mrr"))
    existing = {(s, d) for s, d in Renewal.objects.filter(
        subscription_id__in=[s[0] for s in subs]).values_list("subscription_id", "renewal_on")}
    new = [Renewal(account_id=a, subscription_id=s, renewal_on=end, arr_before=mrr * 12)
           for s, a, end, mrr in subs if (s, end) not in existing]
    Renewal.objects.bulk_create(new, ignore_conflicts=True)
    opened = 0
    play = Play.objects.filter(key=RENEWAL_PLAY, is_active=True).prefetch_related("steps").first()
    for renewal in Renewal.objects.filter(
            status=RenewalStatus.OPEN, subscription_id__in=[s[0] for s in subs]).select_related("account"):
        opened += len(open_due_tasks(renewal, as_of, play))
    return {"renewals opened": len(new), "renewal tasks opened": opened}


def open_due_tasks(renewal: Renewal, as_of: dt.date, play: Play | None = None) -> list[Task]:
    """The tasks of the offsets reached since the last call: the play at the first, one follow-up after."""
    due = r.offsets_due((renewal.renewal_on - as_of).days, offsets(), renewal.offsets_opened)
    if not due:
        return []
    tasks: list[Task] = []
    if not renewal.offsets_opened and play is not None:
        tasks = risk.apply_play(renewal.account, play, as_of=as_of)
    else:
        days_left = (renewal.renewal_on - as_of).days
        task = risk.open_task(
            renewal.account, title=f"Renewal in {due[-1]} days: {renewal.account.name} "
            f"({renewal.renewal_on:%d %b %Y}, ARR {renewal.arr_before:,.0f})",
            description=f"{days_left} days left. Confirm the decision maker, the proposal and any blocker.",
            due_on=as_of + dt.timedelta(days=min(7, max(days_left, 0))),
            priority=TaskPriority.HIGH if due[-1] <= 30 else TaskPriority.NORMAL,
            created_by_rule="renewal", dedupe_key=_task_key(renewal, due[-1]))
        tasks = [task] if task else []
    renewal.offsets_opened = sorted({*renewal.offsets_opened, *due}, reverse=True)
    renewal.save(update_fields=["offsets_opened"])
    return tasks


def renewal_tasks(renewal: Renewal):
    """Active tasks of the renewal: its follow-ups, and the renewal play's steps on the account."""
    from django.db.models import Q

    return Task.objects.filter(
        Q(dedupe_key__startswith=f"renewal:{renewal.pk}:") | Q(play__key=RENEWAL_PLAY),
        account_id=renewal.account_id, status__in=ACTIVE_TASK_STATUSES,
    )


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[field] = "Enter a number."
        return None
    if number < 0:
        errors[field] = "Enter zero or more."
    return number


def _check_writer(by) -> None:
    if by is not None and not by.can_write:
        raise PermissionDenied("Read-only users cannot close renewals or opportunities.")


@transaction.atomic
def close_renewal(renewal: Renewal, outcome: str, reason: str = "", arr_after=None, by=None,
                  note: str = "") -> Renewal:
    """Close with an outcome (a reason required when churned), note it on the timeline, close its tasks."""
    _check_writer(by)
    errors: dict[str, str] = {}
    if renewal.status == RenewalStatus.CLOSED:
        errors["__all__"] = "The renewal is already closed."
    if outcome not in RenewalOutcome.values:
        errors["outcome"] = "Pick the outcome."
    if outcome == RenewalOutcome.CHURNED and reason not in ChurnReason.values:
        errors["reason"] = "Pick why the customer left."
    if reason and reason not in ChurnReason.values:
        errors["reason"] = "Pick a reason from the list."
    after = _decimal(arr_after, "arr_after", errors)
    if errors:
        raise ValidationError(errors)
    if outcome == RenewalOutcome.CHURNED:
        after = Decimal("0")
    elif after is None:
        after = renewal.arr_before
    renewal.status, renewal.outcome = RenewalStatus.CLOSED, outcome
    renewal.reason = reason if outcome == RenewalOutcome.CHURNED else ""
    renewal.arr_after, renewal.note = after, note.strip()
    renewal.closed_at, renewal.closed_by = timezone.now(), by
    renewal.save()
    label = renewal.get_outcome_display() + (f" ({renewal.get_reason_display().lower()})" if renewal.reason else "")
    record_touch(account=renewal.account, kind="note", author=by, summary=(
        f"Renewal of {renewal.renewal_on:%d %b %Y} closed: {label}. ARR {renewal.arr_before:,.0f} → {after:,.0f}."
        + (f"\n{renewal.note}" if renewal.note else "")))
    closed = []
    for task in renewal_tasks(renewal):
        risk.close_task(task, CloseReason.COMPLETED, TASK_OUTCOME[outcome], by=None,
                        note=f"Renewal closed: {label}.")
        closed.append(task.pk)
    if closed and by is not None:
        Task.objects.filter(pk__in=closed).update(closed_by=by)
    webhooks.emit("renewal.closed", {
        "summary": f"Renewal {label}: {renewal.account.name}", "renewal_id": renewal.pk,
        "account_id": renewal.account_id, "outcome": outcome, "reason": renewal.reason,
        "arr_before": str(renewal.arr_before), "arr_after": str(after),
        "url": f"{settings.TENURE_BASE_URL}/renewals/"})
    return renewal


# ---- opportunities -----------------------------------------------------------------------------------------


def sync_opportunities(account_ids, as_of: dt.date | None = None) -> int:
    """Open an opportunity where utilization over 30 days is at or above the expansion threshold (expansion), or
    under the low-utilization threshold with at least 10 seats (adoption / right-sizing)."""
    as_of = as_of or timezone.localdate()
    ids = list(Account.objects.filter(pk__in=list(account_ids)).exclude(stage__in=("churned", "onboarding"))
               .values_list("pk", flat=True))
    t = RiskSettings.load()
    summaries = usage_summaries(ids, as_of, OPPORTUNITY_DAYS)
    blocked = set(Opportunity.objects.filter(account_id__in=ids).filter(
        models_q_recent(as_of)).values_list("account_id", "trigger"))
    new = []
    for account_id, s in summaries.items():
        trigger = r.opportunity_trigger(s.utilization, s.seats, t.expansion_utilization_pct, t.low_utilization_pct)
        if trigger and (account_id, trigger) not in blocked:
            new.append(Opportunity(account_id=account_id, trigger=trigger, kind=TRIGGER_KIND[trigger],
                                   opened_on=as_of, evidence={"utilization": round(s.utilization * 100),
                                                              "mau": s.mau, "seats": s.seats,
                                                              "days": OPPORTUNITY_DAYS}))
    for opp in new:
        try:
            with transaction.atomic():
                opp.save()
        except IntegrityError:  # opened by another worker a moment ago
            pass
    return len(new)


def models_q_recent(as_of: dt.date):
    from django.db.models import Q

    since = timezone.make_aware(dt.datetime.combine(as_of - dt.timedelta(days=REOPEN_AFTER_DAYS), dt.time.min))
    return Q(status=RenewalStatus.OPEN) | Q(closed_at__gte=since)


@transaction.atomic
def close_opportunity(opportunity: Opportunity, outcome: str, amount=None, reason: str = "", by=None,
                      note: str = "") -> Opportunity:
    _check_writer(by)
    errors: dict[str, str] = {}
    if opportunity.status == RenewalStatus.CLOSED:
        errors["__all__"] = "The opportunity is already closed."
    if outcome not in OpportunityOutcome.values:
        errors["outcome"] = "Pick won or lost."
    value = _decimal(amount, "amount", errors)
    if outcome == OpportunityOutcome.LOST and not reason.strip():
        errors["reason"] = "Say why it was lost."
    if errors:
        raise ValidationError(errors)
    opportunity.status, opportunity.outcome = RenewalStatus.CLOSED, outcome
    opportunity.amount = value if outcome == OpportunityOutcome.WON else None
    opportunity.reason, opportunity.note = reason.strip()[:200], note.strip()
    opportunity.closed_at, opportunity.closed_by = timezone.now(), by
    opportunity.save()
    record_touch(account=opportunity.account, kind="note", author=by, summary=(
        f"{opportunity.get_kind_display()} opportunity closed: {opportunity.get_outcome_display()}"
        + (f", ARR {value:,.0f}" if opportunity.amount is not None else "")
        + (f" — {opportunity.reason}" if opportunity.reason else "") + "."))
    webhooks.emit("opportunity.closed", {
        "summary": f"Opportunity {outcome}: {opportunity.account.name}", "opportunity_id": opportunity.pk,
        "account_id": opportunity.account_id, "kind": opportunity.kind, "outcome": outcome,
        "amount": str(opportunity.amount) if opportunity.amount is not None else None,
        "url": f"{settings.TENURE_BASE_URL}/renewals/"})
    return opportunity


# ---- the refresher, and the report -------------------------------------------------------------------------


def refresh(account_ids, as_of: dt.date | None = None, facts=None) -> None:
    """The renewals step of the account refresh (tenure/pipeline.py): renewals and their tasks, then opportunities."""
    ids = list(account_ids)
    sync_renewals(ids, as_of)
    sync_opportunities(ids, as_of)


def refresh_all(as_of: dt.date | None = None) -> None:
    ids = list(Account.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        refresh(ids[start : start + 500], as_of)


def churn_reasons(start: dt.date, end: dt.date) -> r.ChurnReasonReport:
    """Renewals closed with a renewal date in [start, end], by outcome and churn reason."""
    rows = (r.ClosedRenewalRow(*row) for row in Renewal.objects.filter(
        status=RenewalStatus.CLOSED, renewal_on__range=(start, end)).values_list(
        "outcome", "reason", "arr_before", "arr_after"))
    return r.churn_reason_report(rows, RenewalOutcome.values, ChurnReason.values)
