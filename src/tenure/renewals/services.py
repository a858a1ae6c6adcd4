"""The verbs of renewals and opportunities: sync (open rows and their plays as dates and usage move), close
(with an outcome, a timeline note, the tasks closed and a webhook), and the churn-reason report's rows.

This room owns the renewal and expansion motions: the risk room's ``renewal_due`` and ``expansion_ready``
signals show on the account, but only the plays started here open tasks. A renewal opens the largest of
``TENURE_RENEWAL_OFFSETS`` days (default 120) before its date and starts the renewal play, whose steps are dated
back from the renewal date (compressed when it opens late) and open one after another. An expansion opportunity
starts the expansion play. Closing the renewal or the opportunity closes the tasks its play still has open.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from tenure.engagement.services import record_touch
from tenure.facts import AccountFacts, load_facts
from tenure.integrations import webhooks
from tenure.renewals import report as r
from tenure.renewals.models import (
    TRIGGER_KIND,
    ChurnReason,
    Deal,
    Opportunity,
    OpportunityKind,
    OpportunityOutcome,
    Renewal,
    RenewalOutcome,
    RenewalStatus,
)
from tenure.risk import services as risk
from tenure.risk import work
from tenure.risk.models import (
    ACTIVE_TASK_STATUSES,
    CloseReason,
    Outcome,
    Play,
    PlayRun,
    Task,
    TaskPriority,
)
from tenure.risk.plays import due_dates

DEFAULT_OFFSETS = (120, 90, 60, 30)
RENEWAL_PLAY = "renewal-90"
EXPANSION_PLAY = "expansion"
REOPEN_AFTER_DAYS = 90  # a closed opportunity of the same trigger does not reopen sooner
TASK_OUTCOME = {RenewalOutcome.RENEWED: Outcome.NO_CHANGE, RenewalOutcome.EXPANDED: Outcome.IMPROVED,
                RenewalOutcome.DOWNGRADED: Outcome.WORSE, RenewalOutcome.CHURNED: Outcome.CHURNING}


def offsets() -> tuple[int, ...]:
    return tuple(sorted(getattr(settings, "TENURE_RENEWAL_OFFSETS", DEFAULT_OFFSETS), reverse=True))


def run_key(renewal: Renewal) -> str:
    return f"renewal:{renewal.pk}"


def opportunity_run_key(opportunity: Opportunity) -> str:
    return f"opportunity:{opportunity.pk}"


# ---- renewals ----------------------------------------------------------------------------------------------


def sync_renewals(account_ids, as_of: dt.date | None = None, facts: dict[int, AccountFacts] | None = None
                  ) -> dict[str, int]:
    """Open a renewal for each live subscription ending within the largest offset, and start its play. Reads the
    account facts (``tenure.facts``; loaded here unless the refresh passes its batch's)."""
    as_of = as_of or timezone.localdate()
    facts = facts if facts is not None else load_facts(account_ids, as_of)
    horizon = as_of + dt.timedelta(days=offsets()[0])
    subs = [(s.id, f.account_id, s.end_date, s.mrr) for f in facts.values() if f.stage != "churned"
            for s in f.subscriptions if s.end_date is not None and as_of <= s.end_date <= horizon]
    existing = {(s, d) for s, d in Renewal.objects.filter(
        subscription_id__in=[s[0] for s in subs]).values_list("subscription_id", "renewal_on")}
    new = [Renewal(account_id=a, subscription_id=s, renewal_on=end, arr_before=Decimal(str(mrr)) * 12)
           for s, a, end, mrr in subs if (s, end) not in existing]
    Renewal.objects.bulk_create(new, ignore_conflicts=True)
    renewals = list(Renewal.objects.filter(status=RenewalStatus.OPEN, subscription_id__in=[s[0] for s in subs],
                                           renewal_on__gte=as_of).select_related("account"))
    opened = start_renewal_plays(renewals, as_of)
    return {"renewals opened": len(new), "renewal tasks opened": len(opened)}


def start_renewal_plays(renewals: list[Renewal], as_of: dt.date) -> list[Task]:
    """Start the renewal play on each renewal that has none under way (one run per renewal, ever: a closed
    renewal is not selected again). Without an active renewal play, one task prepares the renewal."""
    play = Play.objects.filter(key=RENEWAL_PLAY, is_active=True).first()
    starts = []
    for renewal in renewals:
        days_left = (renewal.renewal_on - as_of).days
        follow_up = None if play else (
            f"Prepare the renewal: {renewal.account.name} ({renewal.renewal_on:%d %b %Y}, "
            f"ARR {renewal.arr_before:,.0f})", "Confirm the decision maker, the proposal and any blocker.",
            due_dates([(0, 30)], as_of, renewal.renewal_on)[0])
        starts.append(work.RunStart(
            account_id=renewal.account_id, key=run_key(renewal), play=play, event_on=renewal.renewal_on,
            priority=TaskPriority.HIGH if days_left <= 30 else TaskPriority.NORMAL, follow_up=follow_up))
    return work.start_runs(starts, as_of)


def renewal_tasks(renewals):
    """The open and snoozed tasks of these renewals' plays: what the renewals page counts and closing closes."""
    return Task.objects.filter(run__key__in=[run_key(r) for r in renewals], run__ended_on__isnull=True,
                               status__in=ACTIVE_TASK_STATUSES)


def open_task_counts(renewals) -> dict[int, int]:
    """Renewal id → its open and snoozed tasks, in one query."""
    by_key = dict(renewal_tasks(renewals).values("run__key").annotate(n=Count("pk")).values_list("run__key", "n"))
    return {r.pk: by_key.get(run_key(r), 0) for r in renewals}


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
    work.close_tasks(renewal_tasks([renewal]), CloseReason.COMPLETED, TASK_OUTCOME[outcome], by=by,
                     note=f"Renewal closed: {label}.")
    work.end_runs(PlayRun.objects.filter(account_id=renewal.account_id, key=run_key(renewal)),
                  timezone.localdate(), reason=CloseReason.COMPLETED, outcome=TASK_OUTCOME[outcome], by=by)
    webhooks.emit("renewal.closed", {
        "summary": f"Renewal {label}: {renewal.account.name}", "renewal_id": renewal.pk,
        "account_id": renewal.account_id, "outcome": outcome, "reason": renewal.reason,
        "arr_before": str(renewal.arr_before), "arr_after": str(after),
        "url": f"{settings.TENURE_BASE_URL}/renewals/"})
    return renewal


# ---- opportunities -----------------------------------------------------------------------------------------


def sync_opportunities(account_ids, as_of: dt.date | None = None, facts: dict[int, AccountFacts] | None = None
                       ) -> int:
    """Open an opportunity where utilization over the usage window is at or above the expansion threshold
    (expansion), or under the low-utilization threshold with at least 10 seats (adoption / right-sizing). Reads the
    account facts: the expansion the observed utilization (already high, whatever arrives later), the adoption one
    the settled utilization (not before usage was recorded over the whole window)."""
    as_of = as_of or timezone.localdate()
    t = risk.thresholds()
    facts = facts if facts is not None else load_facts(account_ids, as_of, t.windows)
    candidates = [f for f in facts.values() if f.stage not in ("churned", "onboarding")]
    blocked = set(Opportunity.objects.filter(account_id__in=[f.account_id for f in candidates]).filter(
        models_q_recent(as_of)).values_list("account_id", "trigger"))
    new = []
    for f in candidates:
        trigger = r.opportunity_trigger(f.utilization, f.seats, t.expansion_utilization_pct, t.low_utilization_pct)
        if trigger == "unused_capacity" and f.settled_utilization is None:
            trigger = None
        if trigger and (f.account_id, trigger) not in blocked:
            new.append(Opportunity(account_id=f.account_id, trigger=trigger, kind=TRIGGER_KIND[trigger],
                                   opened_on=as_of, evidence={"utilization": round(f.utilization * 100),
                                                              "mau": f.active_users, "seats": f.seats,
                                                              "days": f.windows.usage}))
    saved = []
    for opp in new:
        try:
            with transaction.atomic():
                opp.save()
        except IntegrityError:  # opened by another worker a moment ago
            continue
        saved.append(opp)
    start_expansion_plays(saved, as_of)
    return len(saved)


def start_expansion_plays(opportunities: list[Opportunity], as_of: dt.date) -> list[Task]:
    """An expansion opportunity starts the expansion play (adoption ones do not: low use is the risk room's
    disengagement motion)."""
    play = Play.objects.filter(key=EXPANSION_PLAY, is_active=True).first()
    if play is None:
        return []
    return work.start_runs([work.RunStart(account_id=o.account_id, key=opportunity_run_key(o), play=play)
                            for o in opportunities if o.kind == OpportunityKind.EXPANSION], as_of)


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
    work.end_runs(PlayRun.objects.filter(account_id=opportunity.account_id, key=opportunity_run_key(opportunity)),
                  timezone.localdate(), reason=CloseReason.COMPLETED, by=by,
                  outcome=Outcome.IMPROVED if outcome == OpportunityOutcome.WON else Outcome.NO_CHANGE,
                  note=f"Opportunity closed: {opportunity.get_outcome_display().lower()}.")
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


def refresh(account_ids, as_of: dt.date | None = None, facts: dict[int, AccountFacts] | None = None) -> None:
    """The refresh pipeline's renewals step: renewals and their tasks, then opportunities, from the batch's facts."""
    ids = list(account_ids)
    as_of = as_of or timezone.localdate()
    facts = facts if facts is not None else load_facts(ids, as_of, risk.thresholds().windows)
    sync_renewals(ids, as_of, facts)
    sync_opportunities(ids, as_of, facts)


def churn_reasons(start: dt.date, end: dt.date) -> r.ChurnReasonReport:
    """Renewals closed with a renewal date in [start, end], by outcome and churn reason."""
    rows = (r.ClosedRenewalRow(*row) for row in Renewal.objects.filter(
        status=RenewalStatus.CLOSED, renewal_on__range=(start, end)).values_list(
        "outcome", "reason", "arr_before", "arr_after", "account_id", "account__name"))
    return r.churn_reason_report(rows, RenewalOutcome.values, ChurnReason.values)


# ---- deals: the CRM's opportunities, kept as the CRM tells them -----------------------------------------------

DEAL_FIELDS = ("account", "name", "kind", "stage", "status", "amount", "close_date", "owner")


@transaction.atomic
def save_deals(source: str, rows) -> list[tuple[Deal, str]]:
    """Create or update the deals of one CRM: rows of (the CRM's id, fields). Returns each deal with created,
    updated or unchanged, in the rows' order; a fixed number of queries."""
    from tenure import bulk

    rows = list(rows)
    for _, fields in rows:
        unknown = set(fields) - set(DEAL_FIELDS)
        if unknown:
            raise ValidationError({f: "not a deal field" for f in sorted(unknown)})
        if fields.get("amount") is not None:
            errors = {}
            fields["amount"] = _decimal(fields["amount"], "amount", errors)
            if errors:
                raise ValidationError(errors)
            fields["amount"] = fields["amount"].quantize(Decimal("0.01"))
        if "name" in fields:
            fields["name"] = (fields["name"] or "").strip()[:300] or "(no name)"
    return bulk.save_by_key(Deal, rows, scope={"source": source})
