"""Connections to source systems: credentials, cursors, runs, the webhook inbox and the links to records."""

from django.conf import settings
from django.db import models

__all__ = ["Conflict", "Connection", "ConnectionStatus", "Cursor", "InboxEvent", "InboxStatus", "RunStatus",
           "SourceLink", "SyncRun"]


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class Connection(models.Model):
    """One source system (a Stripe account, a HubSpot portal, …): how to reach it and when to sync it.

    ``credentials`` holds the secrets (API key, webhook signing secret), encrypted with the key from the
    environment (connectors.secrets); pages never show them again. ``options`` holds what is not secret: the test
    server's address, who wins each field, the write-back opt-in."""

    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    credentials = models.TextField(blank=True, default="", help_text="Encrypted JSON; see connectors.secrets.")
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE)
    every_minutes = models.PositiveIntegerField("sync every (minutes)", default=60)
    next_sync_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed runs in a row: the back-off grows with it.")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def paused(self) -> bool:
        return self.status == ConnectionStatus.PAUSED


class Cursor(models.Model):
    """Where the last sync of one object type stopped: the next sync starts there. Saved in the transaction that
    stored the page it follows, so a crash resumes after the last stored page, never before it or past it."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="cursors")
    object_type = models.CharField(max_length=40)
    value = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "object_type"], name="one_cursor_per_type")]


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Succeeded with failed records"
    FAILED = "failed", "Failed"


class SyncRun(models.Model):
    """One sync (or test, or webhook batch) of a connection, with its counts and the first errors in words."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=20, default="schedule", help_text="schedule, sync now, test, webhooks…")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    by_type = models.JSONField(default=dict, blank=True, help_text="The counts per object type.")
    errors = models.JSONField(default=list, blank=True, help_text="The first errors, in words.")
    message = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["connection", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.connection} {self.trigger} {self.status}"


class SourceLink(models.Model):
    """A source record tied to the Tenure record it became (matched once, then by this link forever), with the
    values the source last wrote: a field whose Tenure value still equals them was not changed by a person."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="links")
    object_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=200)
    record_id = models.BigIntegerField()
    written = models.JSONField(default=dict, blank=True, help_text="The field values the source last wrote.")
    fingerprint = models.CharField(max_length=64, blank=True, default="", help_text="Hash of the source's record.")
    source_updated = models.CharField(max_length=40, blank=True, default="", help_text="The source's own version.")
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "object_type", "source_id"],
                                               name="one_link_per_source_record")]
        indexes = [models.Index(fields=["object_type", "record_id"])]


class Conflict(models.Model):
    """A field where the source and a person in Tenure disagree and the field's rule keeps Tenure's value: shown
    on the connection's page until someone takes the source's value or keeps Tenure's."""

    class Resolution(models.TextChoices):
        OPEN = "", "Open"
        KEPT = "kept", "Kept Tenure's value"
        TOOK = "took", "Took the source's value"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="conflicts")
    object_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=200)
    record_id = models.BigIntegerField()
    record_label = models.CharField(max_length=300)
    field = models.CharField(max_length=60)
    tenure_value = models.TextField(blank=True, default="")
    source_value = models.TextField(blank=True, default="")
    resolution = models.CharField(max_length=4, choices=Resolution.choices, default=Resolution.OPEN, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["connection", "object_type", "source_id", "field"],
                                               condition=models.Q(resolution=""), name="one_open_conflict_per_field")]


class InboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Processed"
    SKIPPED = "skipped", "Skipped (older than what is stored)"
    FAILED = "failed", "Failed"


class InboxEvent(models.Model):
    """A webhook as the source sent it, stored before anything is done with it: a 200 means it is kept. Processed
    once per event id, in the source's order per object (``ordering_key``: a subscription's events one after
    another, oldest first)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="inbox")
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    ordering_key = models.CharField(max_length=200, blank=True, default="")
    occurred = models.BigIntegerField(help_text="The source's timestamp (seconds), the order within a key.")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=InboxStatus.choices, default=InboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred", "pk"]
        constraints = [models.UniqueConstraint(fields=["connection", "event_id"], name="one_inbox_row_per_event")]
        indexes = [models.Index(fields=["status", "connection", "occurred"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"
