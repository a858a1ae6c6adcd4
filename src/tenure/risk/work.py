"""Risk's work: plays and tasks for the signals, renewals and opportunities, and the verbs and reading of the
work queue (open, snooze, close, wake; a CSM's queue grouped by account). Detection (services.py) asks
``plan_work`` for the work its signals need; the renewals room starts and ends its own runs here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tenure import bulk
from tenure.accounts.models import Account, AssignmentRule
from tenure.facts import among
from tenure.integrations.webhooks import emit_many
from tenure.risk.models import (
    ACTIVE_TASK_STATUSES,
    PERSON_CLOSE_REASONS,
    CloseReason,
    Driver,
    Outcome,
    Play,
    PlayRun,
    PlayStep,
    Severity,
    Signal,
    Task,
    TaskPriority,
    TaskStatus,
)
from tenure.risk.plays import due_dates, install_default_plays
from tenure.users import audit

SEVERITY_PRIORITY = {Severity.HIGH: TaskPriority.HIGH, Severity.MEDIUM: TaskPriority.NORMAL,
                     Severity.LOW: TaskPriority.LOW}
# A signal without a play opens one follow-up task, due this many days after it opened.
FOLLOW_UP_DAYS = {Severity.HIGH: 2, Severity.MEDIUM: 7, Severity.LOW: 14}


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


def _task_event(t: Task) -> dict:
    return {"summary": f"Task: {t.title}", "task_id": t.pk, "account_id": t.account_id, "owner_id": t.owner_id,
            "title": t.title, "due_on": t.due_on.isoformat() if t.due_on else None, "status": t.status,
            "outcome": t.outcome, "url": f"{settings.TENURE_BASE_URL}/accounts/{t.account_id}/"}


# ---- plays and tasks: the work the signals, renewals and opportunities ask for ------------------------------
#
# One play run per account and motion: all the open signals of one driver share one run (the play of the worst
# of them that has one, else a single follow-up task); the renewals room starts one per renewal and per
# expansion opportunity (it owns those motions: the lifecycle signals only show). A run opens its steps one
# after another, each when the one before is closed or its due day has passed. Automatic tasks go to the
# account's CSM, or to the pooled queue for accounts the tech-touch team serves.

POOLED = "pooled"
LIFECYCLE_KEYS = ("renewal:", "opportunity:")  # runs the renewals room starts and ends
_SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


@dataclass
class RunStart:
    """A play to start on an account for ``key`` (e.g. "driver:downturn", "renewal:12"), unless one is under way.
    ``play`` None: the run is one follow-up task, ``follow_up`` = (title, description, due day)."""

    account_id: int
    key: str
    play: Play | None
    priority: int = TaskPriority.NORMAL
    signal_ids: list[int] = field(default_factory=list)
    signal_id: int | None = None  # the signal its tasks link to: the worst when it started
    event_on: dt.date | None = None
    follow_up: tuple[str, str, dt.date] | None = None


def task_owners(account_ids) -> dict[int, int | None]:
    """Who gets an account's automatic tasks: its CSM; nobody by name (the pooled queue) for tech-touch accounts."""
    return {pk: None if coverage == POOLED else owner_id for pk, owner_id, coverage in
            Account.objects.filter(pk__in=list(account_ids)).values_list("pk", "owner_id", "coverage")}


def _steps_of(play_ids) -> dict[int, list[PlayStep]]:
    steps: dict[int, list[PlayStep]] = {}
    if play_ids:
        for step in PlayStep.objects.filter(play_id__in=list(play_ids)).order_by("play_id", "order", "pk"):
            steps.setdefault(step.play_id, []).append(step)
    return steps


def _step_task(run: PlayRun, steps: list[PlayStep], order: int, owner_id, signal_id) -> Task:
    step = steps[order]
    due = due_dates([(s.due_offset_days, s.days_before_event) for s in steps], run.started_on, run.event_on)[order]
    return Task(account_id=run.account_id, owner_id=owner_id, signal_id=signal_id, play_id=run.play_id, step=step,
                run=run, dedupe_key=f"run:{run.pk}:{order}", title=step.title, description=step.description,
                priority=run.priority, due_on=due, created_by_rule=run.key)


def _open_steps(tasks: list[Task], runs: list[PlayRun]) -> list[Task]:
    """Save the tasks of newly opened steps and move each run's step counter past them."""
    bulk.insert(Task, tasks)
    by_next: dict[int, list[int]] = {}
    for run in runs:
        by_next.setdefault(run.next_order, []).append(run.pk)
    for next_order, pks in by_next.items():  # as many updates as a play has steps, whatever the batch
        PlayRun.objects.filter(pk__in=pks).update(next_order=next_order)
    emit_many([("task.opened", _task_event(t)) for t in tasks])
    return tasks


def start_runs(starts: list[RunStart], as_of: dt.date) -> list[Task]:
    """Start these plays (skipping any whose account and key has a run under way) and open their first steps."""
    if not starts:
        return []
    under_way = set(PlayRun.objects.filter(account_id__in={s.account_id for s in starts}, ended_on__isnull=True)
                    .values_list("account_id", "key"))
    todo = []
    for s in starts:
        if (s.account_id, s.key) not in under_way:
            under_way.add((s.account_id, s.key))
            todo.append(s)
    if not todo:
        return []
    runs = [PlayRun(account_id=s.account_id, play=s.play, key=s.key, priority=s.priority, started_on=as_of,
                    event_on=s.event_on) for s in todo]
    bulk.insert(PlayRun, runs)
    bulk.insert_links(PlayRun.signals.through, ("playrun", "signal"),
                      ((r.pk, sid) for r, s in zip(runs, todo, strict=True) for sid in s.signal_ids))
    owners = task_owners({s.account_id for s in todo})
    steps = _steps_of({s.play.pk for s in todo if s.play})
    tasks = []
    for run, s in zip(runs, todo, strict=True):
        if steps.get(run.play_id):
            tasks.append(_step_task(run, steps[run.play_id], 0, owners.get(run.account_id), s.signal_id))
        elif s.follow_up:
            title, description, due = s.follow_up
            tasks.append(Task(account_id=run.account_id, owner_id=owners.get(run.account_id), signal_id=s.signal_id,
                              run=run, dedupe_key=f"run:{run.pk}:0", title=title[:300], description=description,
                              priority=run.priority, due_on=due, created_by_rule=run.key))
        run.next_order = 1
    return _open_steps(tasks, runs)


def advance_runs(as_of: dt.date, *, account_ids=None, run_ids=None) -> list[Task]:
    """Open the next step of each run under way whose last opened step is closed or past its due day."""
    runs = PlayRun.objects.filter(ended_on__isnull=True, play__isnull=False)
    runs = list(runs.filter(among(account_ids)) if run_ids is None else runs.filter(pk__in=run_ids))
    steps = _steps_of({r.play_id for r in runs})
    runs = [r for r in runs if r.next_order < len(steps.get(r.play_id, []))]
    if not runs:
        return []
    last = {}
    for run_id, status, due_on, signal_id in (Task.objects.filter(run_id__in=[r.pk for r in runs])
                                              .order_by("run_id", "pk").values_list("run_id", "status", "due_on",
                                                                                    "signal_id")):
        last[run_id] = (status, due_on, signal_id)
    ready = [r for r in runs if r.pk not in last or last[r.pk][0] == TaskStatus.DONE
             or (last[r.pk][0] == TaskStatus.OPEN and last[r.pk][1] < as_of)]
    if not ready:
        return []
    owners = task_owners({r.account_id for r in ready})
    tasks = []
    for run in ready:
        tasks.append(_step_task(run, steps[run.play_id], run.next_order, owners.get(run.account_id),
                                last.get(run.pk, (None, None, None))[2]))
        run.next_order += 1
    return _open_steps(tasks, ready)


def end_runs(runs, as_of: dt.date, *, reason: str, outcome: str, by=None, note: str = "") -> int:
    """End these runs (a queryset): their open and snoozed tasks close with the reason and outcome given."""
    ids = list(runs.filter(ended_on__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    closed = close_tasks(Task.objects.filter(run_id__in=ids), reason, outcome, by=by, note=note)
    PlayRun.objects.filter(pk__in=ids).update(ended_on=as_of)
    return len(closed)


class _OpenSignal(NamedTuple):
    pk: int
    account_id: int
    driver: str
    kind: str
    severity: str
    title: str
    first_detected_on: dt.date


def plan_work(account_ids, as_of: dt.date, plays=None) -> tuple[int, int]:
    """The refresh's last step: bring these accounts' play runs in line with their open signals, then open the
    steps that are next. Returns (tasks opened, tasks closed). A fixed number of queries per batch."""
    plays = plays_by_kind() if plays is None else plays
    ids = list(account_ids)
    by_driver: dict[tuple[int, str], list[_OpenSignal]] = {}
    for row in (Signal.objects.filter(among(ids), resolved_on__isnull=True).exclude(driver=Driver.LIFECYCLE)
                .values_list("pk", "account_id", "driver", "kind", "severity", "title", "first_detected_on")):
        s = _OpenSignal(*row)
        by_driver.setdefault((s.account_id, s.driver), []).append(s)
    runs = {(r.account_id, r.key): r for r in PlayRun.objects.filter(among(ids), ended_on__isnull=True,
                                                                     key__startswith="driver:")}
    cleared = [r.pk for (account_id, key), r in runs.items() if (account_id, key[7:]) not in by_driver]
    closed = end_runs(PlayRun.objects.filter(pk__in=cleared), as_of, reason=CloseReason.CONDITION_CLEARED,
                      outcome=Outcome.IMPROVED, note="The signals that opened this play no longer hold.")
    # Tasks opened by hand (or before play runs) for a signal close when it resolves.
    orphans = Task.objects.filter(among(ids), run__isnull=True, signal__resolved_on__isnull=False)
    for condition, outcome in ((~Q(signal__driver=Driver.LIFECYCLE), Outcome.IMPROVED),
                               (Q(signal__driver=Driver.LIFECYCLE), Outcome.NO_CHANGE)):
        closed += len(close_tasks(orphans.filter(condition), CloseReason.CONDITION_CLEARED, outcome,
                                  note="The signal's condition no longer holds."))
    link = PlayRun.signals.through
    linked = set(link.objects.filter(playrun_id__in=[r.pk for r in runs.values()])
                 .values_list("playrun_id", "signal_id")) if runs else set()
    links, starts = [], []
    for (account_id, driver), signals in by_driver.items():
        signals.sort(key=lambda s: (_SEVERITY_RANK.get(s.severity, 3), s.first_detected_on, s.pk))
        run = runs.get((account_id, f"driver:{driver}"))
        if run is not None:  # a new signal of the driver joins the play under way: no new tasks
            links += [(run.pk, s.pk) for s in signals if (run.pk, s.pk) not in linked]
            continue
        worst = signals[0]
        play = next((plays[s.kind][0] for s in signals if s.kind in plays), None)
        more = (f" (and {len(signals) - 1} more {Driver(worst.driver).label.lower()} signals)"
                if len(signals) > 1 else "")
        starts.append(RunStart(
            account_id=account_id, key=f"driver:{driver}", play=play, priority=SEVERITY_PRIORITY[worst.severity],
            signal_ids=[s.pk for s in signals], signal_id=worst.pk,
            follow_up=None if play else (f"Follow up: {worst.title}{more}", "",
                                         as_of + dt.timedelta(days=FOLLOW_UP_DAYS[worst.severity]))))
    bulk.insert_links(link, ("playrun", "signal"), links)
    opened = start_runs(starts, as_of)
    opened += advance_runs(as_of, account_ids=ids)
    return len(opened), closed


# ---- the work queue's verbs --------------------------------------------------------------------------------

_UNSET = object()


def works_pooled_queue(user) -> bool:
    """Leaders, and the members of a pooled (tech-touch) assignment rule's team, work the pooled queue."""
    return user.is_leader or AssignmentRule.objects.filter(coverage=POOLED, active=True, team=user).exists()


def _check_actor(task: Task, by) -> None:
    if by is None:
        return
    if not by.can_write:
        raise PermissionDenied("Read-only users cannot change tasks.")
    if by.is_leader or task.owner_id == by.pk:
        return
    if task.owner_id is None and task.account.coverage == POOLED and works_pooled_queue(by):
        return
    raise PermissionDenied("Only the task's owner or a leader can change it.")


def open_task(account: Account, *, title: str, due_on: dt.date | None = None, priority: int = TaskPriority.NORMAL,
              description: str = "", signal: Signal | None = None, play: Play | None = None,
              step: PlayStep | None = None, owner=_UNSET, created_by_rule: str = "",
              dedupe_key: str | None = None, contact=None, created_by=None) -> Task | None:
    """Open a task for the account's CSM; None when an open or snoozed task with the same key exists."""
    key = dedupe_key or f"task:{uuid.uuid4().hex}"
    if Task.objects.filter(account=account, dedupe_key=key, status__in=ACTIVE_TASK_STATUSES).exists():
        return None
    task = Task(account=account, owner_id=account.owner_id if owner is _UNSET else getattr(owner, "pk", None),
                signal=signal, play=play, step=step, dedupe_key=key, title=title[:300], description=description,
                priority=priority, due_on=due_on or timezone.localdate(), created_by_rule=created_by_rule,
                contact=contact, created_by=created_by)
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # opened by someone else a moment ago
        return None
    emit_many([("task.opened", _task_event(task))])
    return task


def apply_play(account: Account, play: Play, signal: Signal | None = None, as_of: dt.date | None = None, *,
               key: str | None = None, event_on: dt.date | None = None,
               priority: int | None = None) -> list[Task]:
    """Start the play on the account (its first step opens now, the others one after another); nothing when a
    run with the same key (default "play:<key>") is under way. ``event_on``: the day it prepares."""
    as_of = as_of or timezone.localdate()
    if priority is None:
        priority = SEVERITY_PRIORITY[signal.severity] if signal else TaskPriority.NORMAL
    return start_runs([RunStart(account_id=account.pk, key=key or f"play:{play.key}", play=play, priority=priority,
                                signal_ids=[signal.pk] if signal else [], signal_id=signal.pk if signal else None,
                                event_on=event_on)], as_of)


def snooze_task(task: Task, until: dt.date, by=None) -> Task:
    _check_actor(task, by)
    if task.status == TaskStatus.DONE:
        raise ValidationError("A closed task cannot be snoozed.")
    if until is None or until <= timezone.localdate():
        raise ValidationError({"until": "Snooze until a day after today."})
    task.status, task.snoozed_until = TaskStatus.SNOOZED, until
    task.save(update_fields=["status", "snoozed_until", "updated_at"])
    return task


def close_tasks(tasks, reason: str, outcome: str, *, by=None, note: str = "") -> list[Task]:
    """Close every open or snoozed task of the queryset with one reason and outcome, ``closed_by`` the person who
    did it (None: the system), and tell the webhooks (task.closed). The one door for closing tasks in bulk:
    a renewal or opportunity closed, a play's signals cleared. Returns the tasks closed."""
    if reason not in CloseReason.values or outcome not in Outcome.values:
        raise ValidationError("Pick a reason and an outcome.")
    rows = list(tasks.filter(status__in=ACTIVE_TASK_STATUSES))
    if not rows:
        return []
    now, note = timezone.now(), note.strip()
    Task.objects.filter(pk__in=[t.pk for t in rows]).update(
        status=TaskStatus.DONE, snoozed_until=None, close_reason=reason, outcome=outcome, close_note=note,
        closed_at=now, closed_by=by, updated_at=now)
    labels = dict(TaskStatus.choices)
    audit.record_changes(Task, [(t, {"status": (labels[t.status], labels[TaskStatus.DONE]),
                                     "close_reason": ("", CloseReason(reason).label),
                                     "outcome": ("", Outcome(outcome).label)}) for t in rows],
                         label="Tenure, automatically" if by is None else None)
    for t in rows:
        t.status, t.snoozed_until, t.close_reason, t.outcome = TaskStatus.DONE, None, reason, outcome
        t.close_note, t.closed_at, t.closed_by, t.updated_at = note, now, by, now
    emit_many([("task.closed", _task_event(t)) for t in rows])
    return rows


def close_task(task: Task, reason: str, outcome: str, by=None, note: str = "") -> Task:
    """Close with a reason and an outcome, both required; the next step of its play opens."""
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
    with transaction.atomic():
        [closed] = close_tasks(Task.objects.filter(pk=task.pk), reason, outcome, by=by, note=note) or [task]
        for name in ("status", "snoozed_until", "close_reason", "outcome", "close_note", "closed_at", "closed_by",
                     "updated_at"):
            setattr(task, name, getattr(closed, name))
        if task.run_id:
            advance_runs(timezone.localdate(), run_ids=[task.run_id])
    return task


def wake_snoozed_tasks(today: dt.date | None = None) -> int:
    """Snoozed tasks whose day has come are open again."""
    today = today or timezone.localdate()
    return Task.objects.filter(status=TaskStatus.SNOOZED, snoozed_until__lte=today).update(
        status=TaskStatus.OPEN, snoozed_until=None, updated_at=timezone.now())


# ---- reading -----------------------------------------------------------------------------------------------

UNASSIGNED = "none"
ACCOUNTS_PER_PAGE = 25


def work_queue(user, owner: str | None = None, status: str = TaskStatus.OPEN):
    """Open (or snoozed) tasks by priority then due date: a CSM's own (or the pooled queue, if on the tech-touch
    team); a leader's choice of CSM (``owner`` id), "none" (unassigned accounts) or "pooled" (the tech-touch
    queue)."""
    qs = Task.objects.filter(status=TaskStatus.SNOOZED if status == TaskStatus.SNOOZED else TaskStatus.OPEN)
    if owner == POOLED and works_pooled_queue(user):
        qs = qs.filter(owner__isnull=True, account__coverage=POOLED)
    elif not user.is_leader:
        qs = qs.filter(owner=user)
    elif owner == UNASSIGNED:
        qs = qs.filter(owner__isnull=True).exclude(account__coverage=POOLED)
    elif owner:
        owner_id = int(owner) if str(owner).isdigit() else 0  # anything but a user id shows nobody's tasks
        qs = qs.filter(owner_id=owner_id) if 0 < owner_id < 2**63 else qs.none()
    return qs.order_by("priority", "due_on", "pk")


@dataclass
class AccountWork:
    """One account's open tasks on a page of My work."""

    account: Account
    tasks: list[Task]


@dataclass
class WorkPage:
    """A page of accounts on My work: where it starts and whether more follow (the number of accounts on the whole
    queue is not counted: on a leader's queue of 100,000 accounts that alone would cost more than the page)."""

    number: int
    per_page: int
    shown: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.shown else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + self.shown


def _page_number(page) -> int:
    try:
        return max(1, min(int(page), 10_000))
    except (TypeError, ValueError):
        return 1


def work_by_account(tasks, page=1, per_page: int = ACCOUNTS_PER_PAGE) -> tuple[WorkPage, list[AccountWork]]:
    """A page of accounts in the order of their most pressing task (the most urgent, then the soonest due: the
    order of the tasks themselves), each with its open tasks from ``tasks`` (a work_queue queryset). The accounts
    are found by reading the queue in that order from an index until the page is full, so page 1 costs the same
    on a queue of ten tasks or of a hundred thousand. A page past the end shows the last one."""
    number = _page_number(page)
    ranked = tasks.order_by("priority", "due_on", "account_id").values_list("account_id", flat=True)
    order: list[int] = []
    seen: set[int] = set()
    wanted, offset, chunk = number * per_page + 1, 0, 4 * (number * per_page + 1)
    while len(order) < wanted:
        batch = list(ranked[offset:offset + chunk])
        for account_id in batch:
            if account_id not in seen:
                seen.add(account_id)
                order.append(account_id)
        if len(batch) < chunk:
            break
        offset, chunk = offset + chunk, chunk * 4
    if number > 1 and (number - 1) * per_page >= len(order):  # past the end: the last page
        number = max(1, -(-len(order) // per_page))
    ids = order[(number - 1) * per_page:number * per_page]
    rows: dict[int, list[Task]] = {pk: [] for pk in ids}
    for t in (tasks.filter(account_id__in=ids)
              .select_related("account", "account__owner", "owner", "signal", "play", "step", "contact")):
        rows[t.account_id].append(t)
    groups = [AccountWork(rows[pk][0].account, rows[pk]) for pk in ids if rows[pk]]
    return WorkPage(number, per_page, len(groups), has_next=len(order) > number * per_page), groups
