"""Usage rollups counted from the event log in passes: any process may run one (the loop of `tenure serve` and
`tenure worker`, a request when they run inline, a command after it stores events); passes take turns on the
rollup cursor, so each event is counted once. The SQL is in ``store``."""

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from tenure.usage import store
from tenure.usage.models import Event, RollupCursor


def login_events() -> set[str]:
    return {e.strip().lower() for e in settings.TENURE_LOGIN_EVENTS if e.strip()}


ROLLUP_PASS_EVENTS = 50_000  # event ids one pass covers at most: about a second of SQLite's write lock after a backlog


def rollups_run_inline() -> bool:
    """Whether a request counts its own events before it answers (no background loop runs: tests, one-off
    commands), rather than leaving them to the rollup loop of ``tenure serve`` / ``tenure worker``."""
    from huey.contrib.djhuey import HUEY

    return settings.TENURE_ROLLUPS_INLINE or HUEY.immediate


def roll_up_pending(*, limit: int = ROLLUP_PASS_EVENTS, wait: bool = True) -> int:
    """One rollup pass: count the live events stored since the last pass (up to ``limit`` ids) into the rollups
    and the feature catalog, and move the cursor past them, in one transaction. Return how many event ids it
    covered (0 when there was nothing to count, or when ``wait`` is False and another pass holds the cursor).

    Any process may run it, as often as it likes: passes take turns on the cursor, so each event is counted once.
    """
    with transaction.atomic():
        cursor = RollupCursor.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
        if cursor is None:
            if RollupCursor.objects.filter(pk=1).exists():
                return 0  # another pass has it
            # A database without the cursor row (a new one, or emptied by a test's flush): create it, then hold it
            # like any pass. get_or_create alone returned it unlocked to the pass that lost the race to create it,
            # and two passes then counted side by side (a deadlock on the rollups, or events counted twice).
            RollupCursor.objects.get_or_create(pk=1)
            cursor = RollupCursor.objects.select_for_update().get(pk=1)
        committed = store.committed_event_id()
        if committed <= cursor.last_event_id:
            return 0
        # Ids skipped by rolled-back transactions cost nothing: the pass starts at the next stored event.
        first = Event.objects.filter(id__gt=cursor.last_event_id).aggregate(first=Min("id"))["first"]
        upto = committed if first is None else min(committed, first - 1 + limit)
        store.roll_up_events(cursor.last_event_id, upto, login_events())
        covered = upto - cursor.last_event_id
        cursor.last_event_id = upto
        cursor.updated_at = timezone.now()
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return covered


def roll_up_all() -> int:
    """Passes until every committed event is counted (commands and the demo, after they store events)."""
    covered = 0
    while n := roll_up_pending():
        covered += n
    return covered
