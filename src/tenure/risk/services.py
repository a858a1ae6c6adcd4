"""Risk: detect signals for batches of accounts, and the verbs of the CSM work queue.

``detect_signals(account_ids, as_of)`` loads the facts of a whole batch in a fixed handful of queries (never one
per account), runs the pure detectors (detectors.py), then reconciles with the stored signals:

- a condition that holds and has no open signal opens one, and its play (or one follow-up task) opens tasks
  for the account's CSM — unless a task for the same account and play step (or signal) is open or snoozed;
- a condition that still holds keeps its one row: evidence, title, severity and ``last_seen_on`` refreshed;
- an open signal whose condition no longer holds resolves itself (``resolved_on``), and the tasks it opened
  that are still open close with the reason "condition cleared", so nobody has to tidy up after it.

Accounts in stage churned are not checked (their open signals resolve).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.models import Account
from tenure.facts import AccountFacts, load_facts
from tenure.health.models import AccountHealth
from tenure.integrations.webhooks import emit_many
from tenure.risk import detectors as d
from tenure.risk.models import (
    ACTIVE_TASK_STATUSES,
    PERSON_CLOSE_REASONS,
    CloseReason,
    Driver,
    Outcome,
    Play,
    PlayStep,
    RiskSettings,
    Severity,
    Signal,
    Task,
    TaskPriority,
    TaskStatus,
)
from tenure.risk.plays import install_default_plays

BATCH_SIZE = 500
SEVERITY_PRIORITY = {Severity.HIGH: TaskPriority.HIGH, Severity.MEDIUM: TaskPriority.NORMAL,
                     Severity.LOW: TaskPriority.LOW}
# A signal without a play opens one follow-up task, due this many days after it opened.
FOLLOW_UP_DAYS = {Severity.HIGH: 2, Severity.MEDIUM: 7, Severity.LOW: 14}


def thresholds() -> d.Thresholds:
    return d.Thresholds.from_settings(RiskSettings.load())


# ---- evidence links ----------------------------------------------------------------------------------------

_ANCHORS = {"accounts.contact": "contacts", "support.ticket": "tickets", "engagement.touch": "timeline",
            "billing.subscription": "subscriptions", "usage": "usage", "timeline": "timeline",
            "engagement.milestone": "onboarding", "surveys.surveyresponse": "health"}
_API = {"accounts.contact": "/api/contacts/{id}", "support.ticket": "/api/tickets/{id}",
        "engagement.touch": "/api/touches/{id}", "billing.subscription": "/api/subscriptions/{id}",
        "usage": "/api/accounts/{id}/usage"}


def link_records(records: list[dict], account_id: int) -> list[dict]:
    """Each record reference gets ``url`` (its place on the account page) and ``api`` (the record itself)."""
    page = reverse("accounts:detail", args=[account_id])
    out = []
    for r in records:
        r = dict(r)
        r["url"] = f"{page}#{_ANCHORS.get(r['model'], 'key-numbers')}"
        if r["model"] in _API:
            r["api"] = _API[r["model"]].format(id=r["id"])
        out.append(r)
    return out


def _evidence(c: d.Candidate, account_id: int) -> dict:
    e = c.evidence
    e["records"] = link_records(e["records"], account_id)
    return e


# ---- detection ---------------------------------------------------------------------------------------------


@dataclass
class DetectionResult:
    checked: int = 0
    opened: int = 0
    refreshed: int = 0
    resolved: int = 0
    tasks_opened: int = 0
    tasks_closed: int = 0

    def __iadd__(self, other: DetectionResult) -> DetectionResult:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


def plays_by_kind() -> dict[str, tuple[Play, list[PlayStep]]]:
    plays = list(Play.objects.filter(is_active=True).prefetch_related("steps"))
    if not plays and not Play.objects.exists():
        install_default_plays(Play, PlayStep)
        plays = list(Play.objects.filter(is_active=True).prefetch_related("steps"))
    out = {}
    for play in plays:
        for kind in play.trigger_kinds or []:
            out.setdefault(kind, (play, list(play.steps.all())))
    return out


def detect_signals(account_ids, as_of: dt.date | None = None, *, batch_size: int = BATCH_SIZE,
                   facts: dict[int, AccountFacts] | None = None) -> DetectionResult:
    """Detect, refresh and resolve signals for these accounts as of a day; open tasks for new ones. ``facts``:
    the batch's account facts when the refresh pipeline already loaded them (with ``thresholds().windows``)."""
    as_of = as_of or timezone.localdate()
    t = thresholds()
    patterns = (d.phrase_pattern(t.competitor_names), d.phrase_pattern(t.churn_phrases))
    plays = plays_by_kind()
    ids = sorted(set(account_ids))
    result = DetectionResult()
    for i in range(0, len(ids), batch_size):
        batch = ids[i:i + batch_size]
        loaded = {pk: facts[pk] for pk in batch if pk in facts} if facts is not None else load_facts(
            batch, as_of, t.windows)
        result += _detect_batch(batch, as_of, t, patterns, plays, loaded)
    return result


def detect_all_signals(as_of: dt.date | None = None) -> dict[str, int]:
    """Every account, now: what the demo and ``tenure signals --all`` run. Returns counts to print."""
    detect_signals(Account.objects.values_list("pk", flat=True), as_of)
    return {"open signals": Signal.objects.filter(resolved_on__isnull=True).count(),
            "open tasks": Task.objects.filter(status=TaskStatus.OPEN).count()}


def _detect_batch(ids, as_of, t, patterns, plays, facts: dict[int, AccountFacts]) -> DetectionResult:
    facts = {pk: f for pk, f in facts.items() if f.stage != "churned"}
    bands = health_bands(list(facts))
    found: dict[tuple[int, str], d.Candidate] = {}
    for account_id, f in facts.items():
        for c in d.detect(f, t, patterns):
            found.setdefault((account_id, c.dedupe_key), d.weigh_by_health(c, bands.get(account_id, "")))
    result = DetectionResult(checked=len(facts))
    with transaction.atomic():
        current = {(s.account_id, s.dedupe_key): s
                   for s in Signal.objects.filter(account_id__in=ids, resolved_on__isnull=True)}
        new, keep, changed, gone = [], [], [], []
        for key, c in found.items():
            s = current.get(key)
            if s is None:
                new.append(Signal(account_id=key[0], driver=c.driver, kind=c.kind, subject=c.subject,
                                  dedupe_key=c.dedupe_key, severity=c.severity, title=c.title[:300],
                                  evidence=_evidence(c, key[0]), first_detected_on=as_of, last_seen_on=as_of))
                continue
            keep.append(s)
            evidence = _evidence(c, key[0])
            if (s.severity, s.title, s.evidence) != (c.severity, c.title[:300], evidence):
                s.severity, s.title, s.evidence = c.severity, c.title[:300], evidence
                changed.append(s)
        now = timezone.now()
        for key, s in current.items():
            if key not in found:
                gone.append(s)
        Signal.objects.bulk_create(new, batch_size=500)
        emit_many([("signal.opened", _signal_event(s)) for s in new]
                  + [("signal.resolved", _signal_event(s)) for s in gone])
        # Unchanged signals only move their last_seen_on: one UPDATE. The changed ones are rewritten in small
        # batches (bulk_update's CASE per row grows with the square of the batch).
        Signal.objects.filter(pk__in=[s.pk for s in keep], last_seen_on__lt=as_of).update(last_seen_on=as_of,
                                                                                          updated_at=now)
        Signal.objects.bulk_update(changed, ["severity", "title", "evidence"], batch_size=100)
        Signal.objects.filter(pk__in=[s.pk for s in gone]).update(resolved_on=as_of, updated_at=now)
        result.opened, result.refreshed, result.resolved = len(new), len(keep), len(gone)
        if gone:
            result.tasks_closed = _close_tasks_of([s.pk for s in gone], now)
        if new:
            result.tasks_opened = _open_tasks_for(new, as_of, plays)
    return result


def health_bands(account_ids: list[int]) -> dict[int, str]:
    """Each account's current health band: risk reads it so that a signal on a red account says so."""
    return dict(AccountHealth.objects.filter(account_id__in=account_ids).values_list("account_id", "band"))


def _close_tasks_of(signal_ids: list[int], now) -> int:
    risk = Task.objects.filter(signal_id__in=signal_ids, status__in=ACTIVE_TASK_STATUSES)
    lifecycle = Q(signal__driver=Driver.LIFECYCLE)
    closed = 0
    for condition, outcome in ((~lifecycle, Outcome.IMPROVED), (lifecycle, Outcome.NO_CHANGE)):
        closed += risk.filter(condition).update(
            status=TaskStatus.DONE, closed_at=now, close_reason=CloseReason.CONDITION_CLEARED, outcome=outcome,
            close_note="The signal's condition no longer holds.", snoozed_until=None, updated_at=now)
    return closed


def _task_specs(signal: Signal, as_of: dt.date, plays) -> list[dict]:
    """The tasks a new signal asks for: its play's steps, or one follow-up."""
    priority = SEVERITY_PRIORITY[signal.severity]
    if signal.kind in plays:
        play, steps = plays[signal.kind]
        return [{"dedupe_key": f"play:{play.key}:{step.order}", "play": play, "step": step,
                 "title": step.title, "description": step.description, "priority": priority,
                 "due_on": as_of + dt.timedelta(days=step.due_offset_days)} for step in steps]
    return [{"dedupe_key": f"signal:{signal.dedupe_key}", "play": None, "step": None,
             "title": f"Follow up: {signal.title}"[:300], "description": "",
             "priority": priority, "due_on": as_of + dt.timedelta(days=FOLLOW_UP_DAYS[signal.severity])}]


def _open_tasks_for(signals: list[Signal], as_of: dt.date, plays) -> int:
    account_ids = {s.account_id for s in signals}
    active = set(Task.objects.filter(account_id__in=account_ids, status__in=ACTIVE_TASK_STATUSES)
                 .values_list("account_id", "dedupe_key"))
    owners = dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "owner_id"))
    tasks = []
    for s in sorted(signals, key=lambda s: (s.severity != Severity.HIGH, s.pk)):
        for spec in _task_specs(s, as_of, plays):
            key = (s.account_id, spec["dedupe_key"])
            if key in active:
                continue
            active.add(key)
            tasks.append(Task(account_id=s.account_id, owner_id=owners.get(s.account_id), signal=s,
                              created_by_rule=s.kind, **spec))
    Task.objects.bulk_create(tasks, batch_size=500)
    emit_many([("task.opened", _task_event(t)) for t in tasks])
    return len(tasks)


def _signal_event(s: Signal) -> dict:
    return {"summary": f"{s.get_driver_display()}: {s.title}", "signal_id": s.pk, "account_id": s.account_id,
            "kind": s.kind, "driver": s.driver, "severity": s.severity, "title": s.title,
            "url": f"{settings.TENURE_BASE_URL}/accounts/{s.account_id}/#signals"}


def _task_event(t: Task) -> dict:
    return {"summary": f"Task: {t.title}", "task_id": t.pk, "account_id": t.account_id, "owner_id": t.owner_id,
            "title": t.title, "due_on": t.due_on.isoformat() if t.due_on else None, "status": t.status,
            "outcome": t.outcome, "url": f"{settings.TENURE_BASE_URL}/accounts/{t.account_id}/"}


# ---- the work queue's verbs --------------------------------------------------------------------------------

_UNSET = object()


def _check_actor(task: Task, by) -> None:
    if by is None:
        return
    if not by.can_write:
        raise PermissionDenied("Read-only users cannot change tasks.")
    if not by.is_leader and task.owner_id != by.pk:
        raise PermissionDenied("Only the task's owner or a leader can change it.")


def open_task(account: Account, *, title: str, due_on: dt.date | None = None, priority: int = TaskPriority.NORMAL,
              description: str = "", signal: Signal | None = None, play: Play | None = None,
              step: PlayStep | None = None, owner=_UNSET, created_by_rule: str = "",
              dedupe_key: str | None = None) -> Task | None:
    """Open a task for the account's CSM; None when an open or snoozed task with the same key exists."""
    key = dedupe_key or f"task:{uuid.uuid4().hex}"
    if Task.objects.filter(account=account, dedupe_key=key, status__in=ACTIVE_TASK_STATUSES).exists():
        return None
    task = Task(account=account, owner_id=account.owner_id if owner is _UNSET else getattr(owner, "pk", None),
                signal=signal, play=play, step=step, dedupe_key=key, title=title[:300], description=description,
                priority=priority, due_on=due_on or timezone.localdate(), created_by_rule=created_by_rule)
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # opened by someone else a moment ago
        return None
    emit_many([("task.opened", _task_event(task))])
    return task


def apply_play(account: Account, play: Play, signal: Signal | None = None,
               as_of: dt.date | None = None) -> list[Task]:
    """Open one task per step of the play, due ``due_offset_days`` after ``as_of``; steps already open are skipped."""
    as_of = as_of or timezone.localdate()
    priority = SEVERITY_PRIORITY[signal.severity] if signal else TaskPriority.NORMAL
    opened = []
    for step in play.steps.all():
        task = open_task(account, title=step.title, description=step.description, priority=priority,
                         due_on=as_of + dt.timedelta(days=step.due_offset_days), signal=signal, play=play, step=step,
                         created_by_rule=signal.kind if signal else f"play:{play.key}",
                         dedupe_key=f"play:{play.key}:{step.order}")
        if task is not None:
            opened.append(task)
    return opened


def snooze_task(task: Task, until: dt.date, by=None) -> Task:
    _check_actor(task, by)
    if task.status == TaskStatus.DONE:
        raise ValidationError("A closed task cannot be snoozed.")
    if until is None or until <= timezone.localdate():
        raise ValidationError({"until": "Snooze until a day after today."})
    task.status, task.snoozed_until = TaskStatus.SNOOZED, until
    task.save(update_fields=["status", "snoozed_until", "updated_at"])
    return task


def close_task(task: Task, reason: str, outcome: str, by=None, note: str = "") -> Task:
    """Close with a reason and an outcome, both required."""
    _check_actor(task, by)
    errors = {}
    allowed = {r for r, _ in PERSON_CLOSE_REASONS} | ({CloseReason.CONDITION_CLEARED} if by is None else set())
    if reason not in allowed:
        errors["reason"] = "Pick why the task is closed."
    if outcome not in Outcome.values:
        errors["outcome"] = "Pick the outcome."
    if task.status == TaskStatus.DONE:
        errors["__all__"] = "The task is already closed."
    if errors:
        raise ValidationError(errors)
    task.status, task.snoozed_until = TaskStatus.DONE, None
    task.close_reason, task.outcome, task.close_note = reason, outcome, note.strip()
    task.closed_at, task.closed_by = timezone.now(), by
    task.save(update_fields=["status", "snoozed_until", "close_reason", "outcome", "close_note", "closed_at",
                             "closed_by", "updated_at"])
    emit_many([("task.closed", _task_event(task))])
    return task


def wake_snoozed_tasks(today: dt.date | None = None) -> int:
    """Snoozed tasks whose day has come are open again."""
    today = today or timezone.localdate()
    return Task.objects.filter(status=TaskStatus.SNOOZED, snoozed_until__lte=today).update(
        status=TaskStatus.OPEN, snoozed_until=None, updated_at=timezone.now())


# ---- reading -----------------------------------------------------------------------------------------------

UNASSIGNED = "none"


def work_queue(user, owner: str | None = None):
    """Open tasks by priority then due date: a CSM's own; a leader's choice of CSM (``owner`` id or "none")."""
    qs = Task.objects.filter(status=TaskStatus.OPEN).select_related("account", "owner", "signal", "play")
    if not user.is_leader:
        qs = qs.filter(owner=user)
    elif owner == UNASSIGNED:
        qs = qs.filter(owner__isnull=True)
    elif owner:
        qs = qs.filter(owner_id=owner)
    return qs.order_by("priority", "due_on", "pk")


RESOLVED_SHOWN = 5
RESOLVED_DAYS = 90


def account_signals_panel(account: Account, today: dt.date | None = None) -> dict:
    """The account page's signals panel: open signals (worst first) and the latest resolved in 90 days. 1 query."""
    since = (today or timezone.localdate()) - dt.timedelta(days=RESOLVED_DAYS)
    rows = list(account.signals.filter(Q(resolved_on__isnull=True) | Q(resolved_on__gte=since)))
    open_signals = [s for s in rows if s.resolved_on is None]
    rank = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
    open_signals.sort(key=lambda s: (s.driver == Driver.LIFECYCLE, rank.get(s.severity, 3), s.first_detected_on))
    resolved = sorted((s for s in rows if s.resolved_on is not None), key=lambda s: (s.resolved_on, s.pk),
                      reverse=True)[:RESOLVED_SHOWN]
    return {"risk_signals": open_signals, "risk_resolved": resolved,
            "risk_drivers": sorted({s.driver for s in open_signals if s.driver != Driver.LIFECYCLE})}

