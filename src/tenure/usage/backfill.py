"""The history backfill (``tenure import events``): events stored in chunks of their own transactions, counted
all at once when the whole import is in, or deleted if it is given up."""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tenure.usage import store
from tenure.usage.models import Backfill, Event, RollupCursor
from tenure.usage.protocol import BackfillEvent
from tenure.usage.rollups import login_events

BACKFILL_DELETE_ROWS = 50_000  # events deleted per transaction when a backfill is given up


def begin_backfill(source: str) -> Backfill:
    """The unfinished backfill of this source (a digest of the file and its options) to resume, or a new one."""
    with transaction.atomic():
        found = Backfill.objects.filter(source=source, status=Backfill.Status.RUNNING).order_by("-pk").first()
        if found is not None:
            return found
        # Every event stored from now on has a larger id (ids only grow), so the backfill's are found by range.
        after = Event.objects.aggregate(last=Max("id"))["last"] or 0
        return Backfill.objects.create(source=source, after_event_id=after)


def stage_backfill(backfill: Backfill, events: list[BackfillEvent], *, lines_done: int, unchanged: int = 0,
                   received_at: dt.datetime | None = None) -> int:
    """Store one chunk of a backfill's events (protocol.BackfillEvent, each naming its account) in a transaction
    of its own, not counted anywhere until ``complete_backfill``; record the progress with them so a retry
    resumes after ``lines_done``. ``unchanged`` counts rows of the chunk known to be stored already. Return how
    many events were new: a message id already stored (by an earlier import or the event API) is not stored
    again."""
    with transaction.atomic(durable=True):
        new = store.append_backfill_events(events, backfill.pk, received_at or timezone.now())
        backfill.created += new
        backfill.unchanged += len(events) - new + unchanged
        backfill.lines_done = lines_done
        backfill.save(update_fields=["created", "unchanged", "lines_done"])
    return new


def complete_backfill(backfill: Backfill) -> Backfill:
    """Count a backfill's events, all at once, in one transaction: their product users, rollups and features, in
    a few set-based statements. It holds the rollup cursor meanwhile, as a rollup pass does."""
    with transaction.atomic(durable=True):
        RollupCursor.objects.select_for_update().filter(pk=1).first()  # one writer of rollups at a time
        backfill = Backfill.objects.select_for_update().get(pk=backfill.pk)
        if backfill.status == Backfill.Status.COMPLETE:
            return backfill
        store.add_backfill_users(backfill.pk, backfill.after_event_id)
        store.roll_up_events(backfill.after_event_id, None, login_events(), backfill_id=backfill.pk)
        backfill.status = Backfill.Status.COMPLETE
        backfill.finished_at = timezone.now()
        backfill.save(update_fields=["status", "finished_at"])
    return backfill


def discard_backfill(backfill: Backfill) -> None:
    """Give up an unfinished backfill: delete its events, a short transaction at a time, then the record. Its
    events were never counted, so nothing else changes."""
    if backfill.status == Backfill.Status.COMPLETE:
        raise ValueError(f"{backfill} is complete: its events are counted and stay")
    while True:
        with transaction.atomic(durable=True):
            deleted = store.delete_backfill_events(backfill.pk, backfill.after_event_id, BACKFILL_DELETE_ROWS)
        if deleted < BACKFILL_DELETE_ROWS:
            break
    backfill.delete()


