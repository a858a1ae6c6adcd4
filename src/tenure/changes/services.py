"""Which accounts' inputs changed since the last look, each change handed out once.

Rows are found by their timestamps (``CHANGE_SOURCES``) rather than by hooking every write, so bulk imports,
raw-SQL rollups and the demo are caught too. A row committed a little after the last look read the tables can
carry an earlier timestamp, so every look reaches back ``OVERLAP`` before the previous one. Most rows in that
overlap were handed out already: the watermark remembers, per account, a fingerprint of its rows inside the next
look's overlap (how many, and the sum of their timestamps), and the next look claims an account only if that
fingerprint changed: a new row, a late one, a row written again or one gone. A change is claimed once; a late
row is still claimed; an account with live usage is claimed each minute because its rollup really changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from tenure.accounts.models import Account, Contact
from tenure.billing.models import Subscription, SubscriptionChange
from tenure.changes.models import RefreshBatch, Watermark
from tenure.engagement.models import Pulse, Touch
from tenure.support.models import Ticket
from tenure.surveys.models import SurveyResponse
from tenure.usage.models import DailyAccountActivity

WATERMARK = "refresh"
# Rows committed a little after a look read the tables can carry an earlier timestamp: look back this far.
OVERLAP = dt.timedelta(minutes=2)
# A second worker's look moments after the first finds nothing new: skip it.
MIN_INTERVAL = dt.timedelta(seconds=30)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class ChangeSource:
    """A table whose rows are inputs to an account's refresh: its timestamp, and the path to its account."""

    model: type[models.Model]
    timestamp: str
    account: str = "account_id"


# Rooms add their inputs here (a scorecard change re-scores its accounts through the health room's service).
CHANGE_SOURCES: list[ChangeSource] = [
    ChangeSource(Account, "updated_at", "id"),
    ChangeSource(Contact, "updated_at"),
    ChangeSource(Subscription, "updated_at"),
    ChangeSource(SubscriptionChange, "recorded_at", "subscription__account_id"),
    ChangeSource(Ticket, "updated_at"),
    ChangeSource(Touch, "created_at"),
    ChangeSource(DailyAccountActivity, "updated_at"),
    ChangeSource(Pulse, "created_at"),
    ChangeSource(SurveyResponse, "created_at"),
    ChangeSource(SurveyResponse, "answered_at"),  # an answer corrected through its link keeps its created_at
]

Fingerprint = tuple[int, int]  # rows, sum of their timestamps in microseconds


def changed_rows(since: dt.datetime) -> Iterator[tuple[int, dt.datetime]]:
    """(account id, timestamp) of every input row stamped at or after ``since``."""
    for source in CHANGE_SOURCES:
        rows = source.model.objects.filter(**{f"{source.timestamp}__gte": since})
        for account_id, stamped in rows.values_list(source.account, source.timestamp).iterator(chunk_size=5000):
            if account_id is not None:
                yield account_id, stamped


def fingerprints(rows: Iterable[tuple[int, dt.datetime]]) -> dict[int, Fingerprint]:
    """Per account: how many rows, and the sum of their timestamps (a row written again moves its timestamp)."""
    prints: dict[int, Fingerprint] = {}
    for account_id, stamped in rows:
        n, total = prints.get(account_id, (0, 0))
        prints[account_id] = (n + 1, total + (stamped - _EPOCH) // _MICROSECOND)
    return prints


def new_changes(now: dict[int, Fingerprint], before: dict[int, Fingerprint]) -> set[int]:
    """Accounts whose rows in the same window differ from what was handed out: new, late, rewritten or gone."""
    return {a for a in now.keys() | before.keys() if now.get(a) != before.get(a)}


def _remembered(mark: Watermark, window_from: dt.datetime) -> dict[int, Fingerprint]:
    memory = mark.dispatched or {}
    if not memory.get("from") or dt.datetime.fromisoformat(memory["from"]) != window_from:
        return {}  # a memory of another window cannot be compared: treat every row in this one as new
    return {int(a): (n, total) for a, (n, total) in memory.get("accounts", {}).items()}


def claim_changed_accounts(*, everyone: bool = False, force: bool = False, now: dt.datetime | None = None
                           ) -> list[int]:
    """The accounts whose inputs changed since the last claim (every account with ``everyone``, or on the first
    claim), remembered as handed out. Empty if another worker claimed moments ago, unless ``force``."""
    now = now or timezone.now()
    next_from = now - OVERLAP  # where the next claim will start reading
    with transaction.atomic():
        mark, _ = Watermark.objects.select_for_update().get_or_create(name=WATERMARK)
        if not (everyone or force) and mark.last_run and now - mark.last_run < MIN_INTERVAL:
            return []
        if everyone or mark.last_run is None:
            ids = set(Account.objects.values_list("pk", flat=True))
            rows = list(changed_rows(next_from))
        else:
            window_from = mark.last_run - OVERLAP
            rows = list(changed_rows(window_from))
            ids = new_changes(fingerprints(rows), _remembered(mark, window_from))
        upcoming = fingerprints((a, t) for a, t in rows if t >= next_from)
        mark.last_run = now
        mark.dispatched = {"from": next_from.isoformat(),
                           "accounts": {str(a): list(fp) for a, fp in upcoming.items()}}
        mark.save(update_fields=["last_run", "dispatched"])
    return sorted(ids)


# ---- refresh batches: kept until done ------------------------------------------------------------------------

STALLED_AFTER = dt.timedelta(minutes=10)  # a batch takes seconds; claimed this long ago and not done, its worker died
# Recorded this long ago and never claimed: it never reached the queue (its process died between the commit and
# the push), or the queue lost it. Longer than a big backlog takes to drain: a second copy only costs a re-run.
UNCLAIMED_AFTER = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 5


def record_batches(chunks: list[list[int]], as_of: dt.date | None) -> list[int]:
    """Record batches about to be queued; their ids."""
    now = timezone.now()
    return [b.pk for b in RefreshBatch.objects.bulk_create(
        [RefreshBatch(account_ids=chunk, as_of=as_of, queued_at=now) for chunk in chunks])]


def claim_batch(batch_id: int) -> RefreshBatch | None:
    """A worker takes the batch (None when it is done already, or unknown)."""
    now = timezone.now()
    claimed = RefreshBatch.objects.filter(pk=batch_id, done_at__isnull=True).update(
        claimed_at=now, attempts=models.F("attempts") + 1)
    return RefreshBatch.objects.get(pk=batch_id) if claimed else None


def finish_batch(batch_id: int) -> None:
    RefreshBatch.objects.filter(pk=batch_id).update(done_at=timezone.now())


def stalled_batches(stalled_after: dt.timedelta | None = None) -> list[int]:
    """Batches a worker claimed and never finished (it was killed), or that were recorded and never claimed (lost
    on their way to the queue), made queued again; finished batches older than a day are forgotten. A batch that
    failed ``MAX_ATTEMPTS`` times stays for a person to look at."""
    now = timezone.now()
    RefreshBatch.objects.filter(done_at__lt=now - dt.timedelta(days=1)).delete()
    stalled_after = STALLED_AFTER if stalled_after is None else stalled_after
    with transaction.atomic():
        ids = list(RefreshBatch.objects.select_for_update(skip_locked=True).filter(
            models.Q(claimed_at__lt=now - stalled_after)
            | models.Q(claimed_at__isnull=True, queued_at__lt=now - max(stalled_after, UNCLAIMED_AFTER)),
            done_at__isnull=True, attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
        RefreshBatch.objects.filter(pk__in=ids).update(claimed_at=None, queued_at=now)
    return ids
