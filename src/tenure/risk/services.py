"""Risk: detect signals for batches of accounts (the plays, tasks and work queue they lead to are risk/work.py).

``detect_signals(account_ids, as_of)`` loads the facts of a whole batch in a fixed handful of queries (never one
per account), runs the pure detectors (detectors.py), then reconciles with the stored signals:

- a condition that holds and has no open signal opens one;
- a condition that still holds keeps its one row: evidence, title, severity and ``last_seen_on`` refreshed;
- an open signal whose condition no longer holds resolves itself (``resolved_on``).

Then ``work.plan_work`` brings the batch's work in line: one play run per account and
driver for all its open signals, its steps opened one after another; a run whose signals have all cleared ends,
and its open tasks close with the reason "condition cleared", so nobody has to tidy up after it. Renewal and
expansion signals open no work here: the renewals room owns those motions.

Accounts in stage churned are not checked (their open signals resolve).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, fields

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from tenure import bulk
from tenure.accounts.models import Account
from tenure.facts import AccountFacts, among, load_facts
from tenure.health.models import AccountHealth
from tenure.integrations.webhooks import emit_many
from tenure.risk import detectors as d
from tenure.risk.models import (
    ACTIVE_TASK_STATUSES,
    Driver,
    RiskSettings,
    Severity,
    Signal,
    Task,
    TaskStatus,
)
from tenure.risk.work import plan_work, plays_by_kind

BATCH_SIZE = 500


def thresholds() -> d.Thresholds:
    return d.Thresholds.from_settings(RiskSettings.load())


# ---- evidence links ----------------------------------------------------------------------------------------

_ANCHORS = {"accounts.contact": "contacts", "support.ticket": "tickets", "engagement.touch": "timeline",
            "billing.subscription": "subscriptions", "usage": "usage", "timeline": "timeline",
            "engagement.milestone": "onboarding", "surveys.surveyresponse": "health"}
_API = {"accounts.contact": "/api/contacts/{id}", "support.ticket": "/api/tickets/{id}",
        "engagement.touch": "/api/touches/{id}", "billing.subscription": "/api/subscriptions/{id}",
        "usage": "/api/accounts/{id}/usage"}


@functools.cache
def _account_page_pattern(script_prefix: str) -> str:
    return reverse("accounts:detail", args=[0])


def account_pages() -> str:
    """The account pages' address with ``/0/`` for the id, reversed once per process and script prefix (a reverse
    per signal was a quarter of a refresh's time; reading the prefix per signal, a twentieth)."""
    return _account_page_pattern(get_script_prefix())


# Records that live outside the account page: their own address (the community's threads, in the portal).
_PAGES = {"community.thread": "/help/community/t/{id}/", "community.post": "/help/community/post/{id}/",
          "community.member": "/help/community/members/{id}/"}


def link_records(records: list[dict], account_id: int, pages: str | None = None) -> list[dict]:
    """Each record reference gets ``url`` (its place on the account page, or its own page) and ``api`` (the record
    itself). ``pages``: ``account_pages()``, when the caller links many."""
    page = (pages or account_pages()).replace("/0/", f"/{account_id}/")
    out = []
    for r in records:
        r = dict(r)
        own = _PAGES.get(r["model"])
        r["url"] = own.format(id=r["id"]) if own else f"{page}#{_ANCHORS.get(r['model'], 'key-numbers')}"
        if r["model"] in _API:
            r["api"] = _API[r["model"]].format(id=r["id"])
        out.append(r)
    return out


def _evidence(c: d.Candidate, account_id: int, pages: str) -> dict:
    e = c.evidence
    e["records"] = link_records(e["records"], account_id, pages)
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
    place = {pk: i for i, pk in enumerate(facts)} if facts is not None else {}  # in the order load_facts gave them
    for i in range(0, len(ids), batch_size):
        batch = ids[i:i + batch_size]
        loaded = {pk: facts[pk] for pk in sorted((pk for pk in batch if pk in place), key=place.__getitem__)
                  } if facts is not None else load_facts(batch, as_of, t.windows)
        result += _detect_batch(batch, as_of, t, patterns, plays, loaded)
    return result


def detect_all_signals(as_of: dt.date | None = None, facts: dict[int, AccountFacts] | None = None
                       ) -> dict[str, int]:
    """Every account, now: what the demo and ``tenure signals --all`` run. Returns counts to print. ``facts``: every
    account's facts when the caller loaded them already (with ``thresholds().windows``), as detect_signals."""
    detect_signals(Account.objects.values_list("pk", flat=True), as_of, facts=facts)
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
    pages = account_pages()
    with transaction.atomic():
        # Read as values: a steady refresh keeps most signals as they are, and building a model per signal
        # was a fifth of it. Models are made only for the signals that change.
        current = {(row[1], row[2]): row for row in Signal.objects.filter(
            among(ids), resolved_on__isnull=True).values_list(
            "pk", "account_id", "dedupe_key", "severity", "title", "evidence", "driver", "kind")}
        new, keep, changed, gone = [], [], [], []
        for key, c in found.items():
            row = current.get(key)
            if row is None:
                new.append(Signal(account_id=key[0], driver=c.driver, kind=c.kind, subject=c.subject,
                                  dedupe_key=c.dedupe_key, severity=c.severity, title=c.title[:300],
                                  evidence=_evidence(c, key[0], pages), first_detected_on=as_of, last_seen_on=as_of))
                continue
            keep.append(row[0])
            evidence = _evidence(c, key[0], pages)
            if (row[3], row[4], row[5]) != (c.severity, c.title[:300], evidence):
                changed.append(Signal(pk=row[0], account_id=key[0], severity=c.severity, title=c.title[:300],
                                      evidence=evidence))
        now = timezone.now()
        for key, row in current.items():
            if key not in found:
                gone.append(Signal(pk=row[0], account_id=row[1], dedupe_key=row[2], severity=row[3], title=row[4],
                                   driver=row[6], kind=row[7]))
        bulk.insert(Signal, new)
        emit_many([("signal.opened", _signal_event(s)) for s in new]
                  + [("signal.resolved", _signal_event(s)) for s in gone])
        # Unchanged signals only move their last_seen_on: one UPDATE.
        Signal.objects.filter(pk__in=keep, last_seen_on__lt=as_of).update(last_seen_on=as_of, updated_at=now)
        bulk.save_changed(Signal, changed, ["severity", "title", "evidence"])
        Signal.objects.filter(pk__in=[s.pk for s in gone]).update(resolved_on=as_of, updated_at=now)
        result.opened, result.refreshed, result.resolved = len(new), len(keep), len(gone)
        result.tasks_opened, result.tasks_closed = plan_work(ids, as_of, plays)
    return result


def health_bands(account_ids: list[int]) -> dict[int, str]:
    """Each account's current health band: risk reads it so that a signal on a red account says so."""
    return dict(AccountHealth.objects.filter(among(account_ids)).values_list("account_id", "band"))


def _signal_event(s: Signal) -> dict:
    return {"summary": f"{s.get_driver_display()}: {s.title}", "signal_id": s.pk, "account_id": s.account_id,
            "kind": s.kind, "driver": s.driver, "severity": s.severity, "title": s.title,
            "url": f"{settings.TENURE_BASE_URL}/accounts/{s.account_id}/#signals"}


RESOLVED_SHOWN = 5
RESOLVED_DAYS = 90


TASKS_CLOSED_DAYS, TASKS_SHOWN = 30, 25


def account_tasks_panel(account: Account, today: dt.date | None = None) -> dict:
    """The account page's tasks: open and snoozed ones (the most pressing first), automatic and opened by hand,
    and those closed in the last 30 days. 1 query."""
    since = (today or timezone.localdate()) - dt.timedelta(days=TASKS_CLOSED_DAYS)
    rows = list(Task.objects.filter(Q(account=account) & (Q(status__in=ACTIVE_TASK_STATUSES) |
                                                          Q(closed_at__date__gte=since)))
                .select_related("owner", "contact", "play").order_by("priority", "due_on", "pk")[:200])
    active = [t for t in rows if t.status in ACTIVE_TASK_STATUSES]
    closed = sorted((t for t in rows if t.status not in ACTIVE_TASK_STATUSES), key=lambda t: t.closed_at,
                    reverse=True)
    return {"account_tasks": active[:TASKS_SHOWN], "more_account_tasks": len(active) > TASKS_SHOWN,
            "account_tasks_open": len(active), "account_tasks_closed": closed[:TASKS_SHOWN]}


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

