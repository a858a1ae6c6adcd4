"""The demo vendor's connections: Stripe as if it had synced the demo's billing, so Set-up → Connections shows
what a configured source looks like (its runs, counts and one failure in words). Paused: its key is not a real one;
`tenure connect stripe --test-server URL` (README) tries a real sync against a local server."""

import datetime as dt

from django.utils import timezone

from tenure.accounts.models import Account
from tenure.billing.models import Subscription
from tenure.connectors import sync
from tenure.connectors.models import Connection, ConnectionStatus, RunStatus, SyncRun

DEMO_NAME = "Stripe (demo)"


def wipe_connections() -> None:
    Connection.objects.filter(name=DEMO_NAME).delete()


def seed_connections(today: dt.date) -> dict[str, int]:
    wipe_connections()
    connection = sync.create_connection(kind="stripe", name=DEMO_NAME, every_minutes=60,
                                        credentials={"api_key": "sk_test_demo", "webhook_secret": "whsec_demo"},
                                        options={"demo": True})
    accounts = Account.objects.exclude(billing_id=None).count()
    subscriptions = Subscription.objects.count()
    end_of_day = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    runs = [
        # the backfill, a year ago: every customer and subscription arrived
        (end_of_day - dt.timedelta(days=365), "sync now", RunStatus.SUCCEEDED, accounts + subscriptions, 0, ""),
        (end_of_day - dt.timedelta(days=2, hours=3), "schedule", RunStatus.FAILED, 0, 0,
         "Stripe could not be reached: connection timed out (retried 3 times); the next run resumed from the last "
         "stored page"),
        (end_of_day - dt.timedelta(days=2), "schedule", RunStatus.SUCCEEDED, 0, max(subscriptions // 40, 1), ""),
        (end_of_day - dt.timedelta(hours=1), "webhooks", RunStatus.SUCCEEDED, 0, max(subscriptions // 100, 1), ""),
    ]
    for started, trigger, status, created, updated, message in runs:
        run = SyncRun.objects.create(connection=connection, trigger=trigger, status=status, created=created,
                                     updated=updated, message=message, finished_at=started + dt.timedelta(minutes=2))
        SyncRun.objects.filter(pk=run.pk).update(started_at=started)  # auto_now_add: the past is set after
    Connection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.PAUSED, last_synced_at=end_of_day - dt.timedelta(hours=1),
        next_sync_at=timezone.now())
    return {"connections": 1}
