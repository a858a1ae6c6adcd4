"""The schedule: what runs when. What each job does lives in the room it calls (the account refresh is
tenure/pipeline.py); nothing here but the time and the call.

| when                 | job                        | what                                                         |
|----------------------|----------------------------|--------------------------------------------------------------|
| every minute         | refresh_changed_accounts   | the pipeline over accounts whose inputs changed, once each   |
| every minute         | requeue_stalled_refreshes  | refresh batches a killed worker left unfinished, again       |
| every minute         | retry_webhooks             | webhook deliveries whose back-off has passed                 |
| every minute         | sync_connections           | connectors' syncs that are due; webhooks still waiting       |
| every hour, :15      | hourly_digests             | each user's digest email when it is due                      |
| every hour, :20      | hourly_community_digests   | each member's community digest when it is due                |
| every hour, :40      | hourly_community_standings | community reputation and mavens, counted for every member    |
| every day, 04:40     | daily_churn_predictions    | churn probabilities for every paying account                 |
| every day, 05:10     | daily_refresh              | snoozed tasks woken, then the pipeline over every account    |
| every day, 00:05     | daily_sort_totals          | accounts' sort totals for subscriptions that began or ended  |
| every day, 03:10     | maintain_event_log         | event-log partitions ahead; raw months past retention out    |
| Sundays, 03:30       | weekly_churn_model_retrain | the churn model retrained and back-tested                    |

Embedded mode (no TENURE_QUEUE_URL): huey on SQLite, consumed by threads inside ``tenure serve``. With Redis:
``tenure worker`` processes on any number of machines; change detection claims its run in the database, so only
one of them dispatches a given minute. Tasks queued by the rooms themselves (a batch of the refresh, a scorecard's
re-score, a webhook delivery) are declared beside the code they run and registered when this module imports it.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tenure import pipeline
from tenure.billing.services import store_calendar_totals
from tenure.community.digest import send_digests as send_community_digests
from tenure.community.reputation import count_standings
from tenure.connectors import tasks as connectors
from tenure.integrations import webhooks
from tenure.renewals.digest import send_digests
from tenure.risk.work import wake_snoozed_tasks
from tenure.usage import event_log

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def refresh_changed_accounts() -> None:
    count = pipeline.refresh_changed()
    if count:
        log.info("queued refresh of %d changed accounts", count)


@db_periodic_task(crontab(minute="*"))
def requeue_stalled_refreshes() -> None:
    count = pipeline.requeue_stalled()
    if count:
        log.warning("queued again %d refresh batches a stopped worker had left unfinished", count)


@db_periodic_task(crontab(minute="*"))
def retry_webhooks() -> None:
    webhooks.retry_due()


@db_periodic_task(crontab(minute="*"))
def sync_connections() -> None:
    connectors.sweep()


@db_periodic_task(crontab(minute="15"))
def hourly_digests() -> None:
    log.info("%d digest emails sent", send_digests())


@db_periodic_task(crontab(minute="20"))
def hourly_community_digests() -> None:
    log.info("%d community digest emails sent", send_community_digests())


@db_periodic_task(crontab(hour="0", minute="5"))
def daily_sort_totals() -> None:
    """The day moved: subscriptions whose term began or ended are in or out of the accounts list's sort totals."""
    log.info("sort totals stored for %d accounts", store_calendar_totals())


@db_periodic_task(crontab(hour="4", minute="40"))
def daily_churn_predictions() -> None:
    from tenure.predict import services as churn  # scikit-learn takes seconds to load: only its jobs import it

    log.info("churn probabilities for %d accounts", churn.predict())


@db_periodic_task(crontab(minute="40"))
def hourly_community_standings() -> None:
    """Reputation and mavens, counted for every member (a few queries, whatever the community's size)."""
    count_standings()


@db_periodic_task(crontab(hour="5", minute="10"))
def daily_refresh() -> None:
    """The calendar alone moves some things (a renewal 90 days away, no touch in N days, a snooze ending)."""
    today = timezone.localdate()
    woken = wake_snoozed_tasks(today)
    queued = pipeline.refresh_everyone(today)
    log.info("daily refresh: %d tasks woken, %d accounts queued", woken, queued)


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="30"))
def weekly_churn_model_retrain() -> None:
    from tenure.predict import services as churn  # scikit-learn takes seconds to load: only its jobs import it

    try:
        result = churn.retrain()
    except churn.NotEnoughHistory as exc:
        log.info("churn model not retrained: %s", exc)
        return
    except Exception:  # bad data must not stop the schedule: the last good model stays active
        log.exception("churn model not retrained; the active model is kept")
        return
    log.info("churn model v%d trained (%s); %d accounts scored", result.model.version, result.model.kind,
             result.scored)


@db_periodic_task(crontab(hour="3", minute="10"))
def maintain_event_log() -> None:
    created, aged = event_log.maintain()
    for name in created:
        log.info("created event-log partition %s", name)
    for done in aged:
        log.info("aged out %d raw events of %s%s", done.rows, done.label, f" to {done.file}" if done.file else "")
