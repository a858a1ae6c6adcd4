"""The connectors' queued work: a sync a person started, the webhooks just stored, and the schedule's sweep."""

import contextlib

from django.db import transaction
from huey.contrib.djhuey import db_task

from tenure.connectors import sync
from tenure.connectors.models import Connection, InboxEvent, InboxStatus


@db_task()
def _sync(connection_id: int, trigger: str, full: bool) -> None:
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is not None:
        with contextlib.suppress(sync.AlreadyRunning):  # the sync under way takes the same pages
            sync.run_sync(connection, trigger=trigger, full=full)


def sync_connection(connection_id: int, *, trigger: str = "sync now", full: bool = False) -> None:
    transaction.on_commit(lambda: _sync(connection_id, trigger, full))


@db_task()
def _process(connection_id: int) -> None:
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is not None:
        sync.process_inbox(connection)


def process_webhooks(connection_id: int) -> None:
    transaction.on_commit(lambda: _process(connection_id))


def sweep() -> None:
    """Every minute: the syncs that are due, and webhooks still pending (a worker died, or a retry is due)."""
    sync.sync_due()
    waiting = (InboxEvent.objects.filter(status=InboxStatus.PENDING).values_list("connection_id", flat=True)
               .distinct())
    for connection in Connection.objects.filter(pk__in=list(waiting)):
        sync.process_inbox(connection)
