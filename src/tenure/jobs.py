"""Background jobs, declared in one place: what runs, when, and which rooms take part.

How accounts get refreshed (health score, risk signals, …): every minute ``refresh_changed_accounts`` looks
for accounts whose inputs changed since its last run (the ``CHANGE_SOURCES`` below, by their timestamps), and
enqueues ``refresh_accounts`` for them in batches, so any number of workers share the work. Each batch runs
every function in ``ACCOUNT_REFRESHERS`` in order. Watching timestamps, rather than hooking every write, also
catches bulk imports, raw-SQL rollups and the demo.

Embedded mode (no TENURE_QUEUE_URL): huey on SQLite, consumed by threads inside ``tenure serve``. With Redis:
``tenure worker`` processes on any number of machines; the dispatcher claims its run in the database, so only
one of them dispatches a given minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Rows committed a little after the watermark was read can carry an earlier timestamp: look back this far.
OVERLAP = dt.timedelta(minutes=2)
MIN_INTERVAL = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class ChangeSource:
    """A table whose rows are inputs to an account's refresh: ``model`` path, its timestamp, its account path."""

    model: str
    timestamp: str
    account: str = "account_id"


# Rooms add their inputs here (a scorecard change that re-scores everyone is handled by its own service).
CHANGE_SOURCES: list[ChangeSource] = [
    ChangeSource("accounts.Account", "updated_at", "id"),
    ChangeSource("accounts.Contact", "updated_at"),
    ChangeSource("billing.Subscription", "updated_at"),
    ChangeSource("billing.SubscriptionChange", "recorded_at", "subscription__account_id"),
    ChangeSource("support.Ticket", "updated_at"),
    ChangeSource("engagement.Touch", "created_at"),
    ChangeSource("usage.DailyAccountActivity", "updated_at"),
    ChangeSource("engagement.Pulse", "created_at"), ChangeSource("surveys.SurveyResponse", "created_at"),
]

# Called in this order with (account_ids, as_of) for every batch. Each is a room's service function.
ACCOUNT_REFRESHERS: list[str] = [
    "tenure.accounts.assignment.refresh_assignments",  # owners first, so tasks reach the right CSM
    "tenure.engagement.onboarding.apply_templates",  # new accounts get their onboarding project
    "tenure.health.services.score_accounts",
    "tenure.renewals.services.refresh",  # renewals and their tasks at each offset, opportunities
    "tenure.risk.services.detect_signals",
]


def changed_accounts(since: dt.datetime | None) -> set[int]:
    from django.apps import apps

    from tenure.accounts.models import Account

    if since is None:
        return set(Account.objects.values_list("pk", flat=True))
    changed: set[int] = set()
    for source in CHANGE_SOURCES:
        model = apps.get_model(source.model)
        changed.update(
            model.objects.filter(**{f"{source.timestamp}__gte": since - OVERLAP})
            .values_list(source.account, flat=True).distinct()
        )
    changed.discard(None)
    return changed


def run_refreshers(account_ids: list[int], as_of: dt.date | None = None) -> None:
    as_of = as_of or timezone.localdate()
    for path in ACCOUNT_REFRESHERS:
        import_string(path)(account_ids, as_of)


def batches(ids, size: int | None = None) -> list[list[int]]:
    ids, size = sorted(ids), size or BATCH_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@db_task(retries=2, retry_delay=10)
def refresh_accounts(account_ids: list[int], as_of: str | None = None) -> None:
    run_refreshers(account_ids, dt.date.fromisoformat(as_of) if as_of else None)


def dispatch(all_accounts: bool = False) -> int:
    """Enqueue refreshes for changed accounts (or all); return how many accounts. Safe to call concurrently."""
    from tenure.web.models import JobWatermark

    now = timezone.now()
    with transaction.atomic():
        mark, _ = JobWatermark.objects.select_for_update().get_or_create(name="refresh")
        if not all_accounts and mark.last_run and now - mark.last_run < MIN_INTERVAL:
            return 0  # another worker dispatched moments ago
        since = None if all_accounts else mark.last_run
        mark.last_run = now
        mark.save(update_fields=["last_run"])
    ids = changed_accounts(since)
    for batch in batches(ids):
        refresh_accounts(batch)
    return len(ids)


@db_periodic_task(crontab(minute="*"))
def refresh_changed_accounts() -> None:
    count = dispatch()
    if count:
        log.info("queued refresh of %d changed accounts", count)


@db_task()
def deliver_webhooks(delivery_ids: list[int]) -> None:
    from tenure.integrations import webhooks

    for delivery_id in delivery_ids:
        webhooks.attempt(delivery_id)


@db_periodic_task(crontab(minute="*"))
def retry_webhooks() -> None:
    """Deliveries whose back-off has passed, and any a dead worker left half-sent."""
    from tenure.integrations import webhooks

    webhooks.release_stuck()
    due = webhooks.due_deliveries()
    for start in range(0, len(due), 50):
        deliver_webhooks(due[start : start + 50])


@db_task(retries=2, retry_delay=10)
def detect_signals_batch(account_ids: list[int], as_of: str) -> None:
    from tenure.risk.services import detect_signals

    detect_signals(account_ids, dt.date.fromisoformat(as_of))


@db_periodic_task(crontab(hour="5", minute="10"))
def daily_risk_rules() -> None:
    """Time-based rules need no input change to fire (renewal in 90 days, no touch in N days, tickets unresolved
    past N days): check every account once a day, and wake the snoozed tasks whose day has come."""
    from tenure.accounts.models import Account
    from tenure.risk.services import wake_snoozed_tasks

    today = timezone.localdate()
    woken = wake_snoozed_tasks(today)
    ids = list(Account.objects.values_list("pk", flat=True))
    for batch in batches(ids):
        detect_signals_batch(batch, today.isoformat())
    log.info("daily risk rules: %d tasks woken, %d accounts queued", woken, len(ids))


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="30"))
def weekly_churn_model_retrain() -> None:
    """Retrain the churn model on the history so far (back-test, keep the better candidate), then re-score."""
    from tenure.predict.services import NotEnoughHistory, retrain

    try:
        result = retrain()
    except NotEnoughHistory as exc:
        log.info("churn model not retrained: %s", exc)
        return
    log.info("churn model v%d trained (%s); %d accounts scored", result.model.version, result.model.kind,
             result.scored)


@db_periodic_task(crontab(hour="4", minute="40"))
def daily_churn_predictions() -> None:
    """Score every paying account with the active churn model, as of today."""
    from tenure.predict.services import predict

    log.info("churn probabilities for %d accounts", predict())


@db_periodic_task(crontab(hour="5", minute="20"))
def daily_renewals() -> None:
    """Renewal offsets are reached by the calendar, not by a change: open the due renewals and tasks every day."""
    from tenure.renewals.services import refresh_all

    refresh_all(timezone.localdate())


@db_periodic_task(crontab(minute="15"))
def hourly_digests() -> None:
    """Each user's digest email, when their daily or weekly digest is due and has something to say."""
    from tenure.renewals.digest import send_digests

    log.info("%d digest emails sent", send_digests())
