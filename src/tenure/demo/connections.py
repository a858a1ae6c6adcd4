"""The demo vendor's connections: Stripe, HubSpot and Zendesk as if they had synced the demo's billing, accounts and
tickets, so Set-up → Connections shows what configured sources look like (their runs, counts and one failure in
words). Paused: their keys are not real ones; `tenure connect stripe --test-server URL` (README) tries a real sync
against a local server."""

import datetime as dt

from django.utils import timezone

from tenure.accounts.models import Account, Contact
from tenure.billing.models import Subscription
from tenure.connectors import sync
from tenure.connectors.models import Connection, ConnectionStatus, RunStatus, SyncRun
from tenure.support.models import Ticket

DEMO_NAMES = {"stripe": "Stripe (demo)", "hubspot": "HubSpot (demo)", "zendesk": "Zendesk (demo)"}
CREDENTIALS = {"stripe": {"api_key": "sk_test_demo", "webhook_secret": "whsec_demo"},
               "hubspot": {"access_token": "pat-demo", "client_secret": "demo"},
               "zendesk": {"email": "demo@vendor.example", "api_token": "demo", "subdomain": "demo"}}


def wipe_connections() -> None:
    Connection.objects.filter(name__in=DEMO_NAMES.values()).delete()


def seed_connections(today: dt.date) -> dict[str, int]:
    wipe_connections()
    subscriptions = Subscription.objects.count()
    counts = {"stripe": Account.objects.exclude(billing_id=None).count() + subscriptions,
              "hubspot": Account.objects.exclude(crm_id=None).count() + Contact.objects.count(),
              "zendesk": Ticket.objects.count()}
    morning = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    for kind, name in DEMO_NAMES.items():
        connection = sync.create_connection(kind=kind, name=name, credentials=CREDENTIALS[kind],
                                            options={"demo": True})
        runs = [
            # the backfill, a year ago: everything the source held arrived
            (morning - dt.timedelta(days=365), "sync now", RunStatus.SUCCEEDED, counts[kind], 0, ""),
            (morning - dt.timedelta(days=1), "schedule", RunStatus.SUCCEEDED, 0, max(counts[kind] // 40, 1), ""),
            (morning - dt.timedelta(hours=1), "schedule", RunStatus.SUCCEEDED, 0, max(counts[kind] // 200, 1), ""),
        ]
        if kind == "stripe":  # what a failure looks like, and that the next run resumed
            runs.insert(1, (morning - dt.timedelta(days=1, hours=3), "schedule", RunStatus.FAILED, 0, 0,
                            "Stripe could not be reached: connection timed out (retried 3 times); the next run "
                            "resumed from the last stored page"))
        for started, trigger, status, created, updated, message in runs:
            run = SyncRun.objects.create(connection=connection, trigger=trigger, status=status, created=created,
                                         updated=updated, message=message,
                                         finished_at=started + dt.timedelta(minutes=2))
            SyncRun.objects.filter(pk=run.pk).update(started_at=started)  # auto_now_add: the past is set after
        Connection.objects.filter(pk=connection.pk).update(
            status=ConnectionStatus.PAUSED, last_synced_at=morning - dt.timedelta(hours=1),
            next_sync_at=timezone.now())
    return {"connections": len(DEMO_NAMES)}
