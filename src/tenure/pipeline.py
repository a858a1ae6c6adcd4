"""The account refresh: how an account's inputs become its owner, onboarding, health score, renewals, signals and
tasks. ``refresh`` below is the whole of it, one step a line, each step a room's own service called with the
account ids, the day and (from step 3) the batch's account facts:

1. assignment: rule-made owners follow seats and ARR first, so every task opened below reaches the right CSM;
2. onboarding: an account entering onboarding gets its project, whose milestones health and risk read;
3. facts: ``tenure.facts.load_facts`` once for the batch, after the two steps above (a new onboarding project is
   a fact), with the windows the risk settings compare over; every step below reads these same facts, so the
   health score, the renewals and the signals tell one story;
4. health: the score, measure by measure, as of the day;
5. renewals: renewals at their offsets with their play and tasks, then expansion opportunities;
6. risk: signals by departure driver (reading the health band step 4 wrote), their plays and tasks. Last,
   because it acts on what the steps above wrote: the owner its tasks go to, and the renewal play already open.

Churn probabilities are not a step: the model scores every account once a day (``jobs.daily_churn_predictions``).

The same function runs for one account, a batch, or everyone:
- every minute, ``refresh_changed``: the accounts whose inputs changed (``tenure.changes``: once per change),
  queued in batches of ``BATCH_SIZE`` that any number of workers share;
- every day, ``refresh_everyone``: all accounts, because time alone moves renewals and "no touch in N days";
- ``tenure score [--all]``, ``refresh_now``: the same, here and now, batch by batch.
When runs happen is tenure/jobs.py's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from tenure.accounts.assignment import refresh_assignments
from tenure.changes.services import (
    claim_batch,
    claim_changed_accounts,
    finish_batch,
    record_batches,
    stalled_batches,
)
from tenure.engagement.onboarding import apply_templates
from tenure.facts import load_facts
from tenure.health.services import score_accounts
from tenure.renewals import services as renewals
from tenure.risk.services import detect_signals
from tenure.risk.services import thresholds as risk_settings

BATCH_SIZE = 200


def refresh(account_ids: Iterable[int], as_of: dt.date | None = None) -> None:
    """Refresh these accounts as of a day (default today), every step in order."""
    ids = sorted(set(account_ids))
    as_of = as_of or timezone.localdate()
    refresh_assignments(ids, as_of)
    apply_templates(ids, as_of)
    facts = load_facts(ids, as_of, risk_settings().windows)
    score_accounts(ids, as_of, facts)
    renewals.refresh(ids, as_of, facts)
    detect_signals(ids, as_of, facts=facts)


def batches(ids: Iterable[int], size: int | None = None) -> list[list[int]]:
    ids, size = sorted(ids), size or BATCH_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@db_task(retries=2, retry_delay=10)
def refresh_batch(batch_id: int) -> None:
    """One recorded batch on a worker: claimed, refreshed, marked done. An exception is retried by the queue; a
    worker killed mid-batch leaves it claimed and not done, and ``requeue_stalled`` queues it again."""
    batch = claim_batch(batch_id)
    if batch is None:
        return  # done already (a second copy of a re-queued batch)
    refresh(batch.account_ids, batch.as_of)
    finish_batch(batch_id)


def enqueue(account_ids: Iterable[int], as_of: dt.date | None = None) -> int:
    """Record and queue the accounts' refresh in batches; return how many accounts."""
    chunks = batches(account_ids)
    for batch_id in record_batches(chunks, as_of):
        refresh_batch(batch_id)
    return sum(map(len, chunks))


def requeue_stalled(stalled_after: dt.timedelta | None = None) -> int:
    """Queue again the batches whose worker died mid-batch; return how many."""
    ids = stalled_batches(stalled_after)
    for batch_id in ids:
        refresh_batch(batch_id)
    return len(ids)


def refresh_changed() -> int:
    """Queue the accounts whose inputs changed since the last look, each change once. Safe to run concurrently."""
    return _claim_and_enqueue(everyone=False)


def refresh_everyone(as_of: dt.date | None = None) -> int:
    """Queue every account (changes seen so far count as handled)."""
    return _claim_and_enqueue(everyone=True, as_of=as_of)


def _claim_and_enqueue(*, everyone: bool, as_of: dt.date | None = None) -> int:
    """The claim and its batches commit together: a process killed in between leaves the changes unclaimed, to be
    claimed again, never claimed with no batch to refresh them. A batch recorded but never queued is queued again
    by ``requeue_stalled``."""
    with transaction.atomic():
        chunks = batches(claim_changed_accounts(everyone=everyone))
        batch_ids = record_batches(chunks, as_of)
    for batch_id in batch_ids:
        refresh_batch(batch_id)
    return sum(map(len, chunks))


def refresh_now(*, everyone: bool = False, as_of: dt.date | None = None, batch_size: int | None = None) -> int:
    """Refresh the changed accounts (or everyone) in this process, batch by batch; return how many accounts."""
    ids = claim_changed_accounts(everyone=everyone, force=True)
    for batch in batches(ids, batch_size):
        refresh(batch, as_of)
    return len(ids)
