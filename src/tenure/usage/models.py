"""Product usage: write keys, raw events (append-only) and the rollups everything else reads."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from tenure.accounts.models import Account, Contact
from tenure.users.models import SecretKey


class WriteKey(SecretKey):
    """Authenticates a source (the vendor's product) sending events."""

    PREFIX = "wk_"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta(SecretKey.Meta):
        pass


class MessageType(models.TextChoices):
    TRACK = "track"
    IDENTIFY = "identify"
    GROUP = "group"
    PAGE = "page"
    SCREEN = "screen"
    ALIAS = "alias"


class Event(models.Model):
    """One accepted message, as received. Append-only; read only by rebuilds, never by pages.

    The only index besides the key is the unique message id, which de-duplicates retries.
    """

    message_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=10, choices=MessageType.choices)
    event = models.CharField(max_length=200, blank=True, default="", help_text="Rolled-up name: track event, page:…")
    user_id = models.CharField(max_length=200, blank=True, default="")
    anonymous_id = models.CharField(max_length=200, blank=True, default="")
    account_id = models.BigIntegerField(null=True, blank=True, help_text="Resolved account, not a foreign key.")
    timestamp = models.DateTimeField(help_text="When it happened, corrected for the client's clock skew.")
    original_timestamp = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    write_key_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(help_text="The whole message after batch context was merged in.")
    # No index: a backfill finds its events by id range (they all come after its after_event_id).
    backfill_id = models.BigIntegerField(
        null=True, blank=True, help_text="The history import that stored it; not counted until that one completes."
    )

    def __str__(self) -> str:
        return f"{self.type} {self.event} {self.message_id}"


class Backfill(models.Model):
    """A history import of events (``tenure import events``), stored in chunks of their own transactions.

    Its events are counted (rolled up) only when it completes, all at once: until then they are stored but
    count nowhere, so a failed or interrupted import shows nothing. A retry of the same source (the file and
    its options, by digest) resumes after ``lines_done``; an import that is given up deletes its events.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETE = "complete"

    source = models.CharField(max_length=100, help_text="Digest of the file and its options.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    after_event_id = models.BigIntegerField(default=0, help_text="Its events all have larger ids.")
    lines_done = models.PositiveIntegerField(default=0, help_text="The file's rows up to this line are stored.")
    created = models.PositiveIntegerField(default=0, help_text="Events it stored.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Rows whose event was already stored.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backfill {self.pk} ({self.status}, {self.created} events)"


class RejectedMessage(models.Model):
    """A message in an accepted batch that failed validation: kept with its reason, never silently dropped."""

    received_at = models.DateTimeField()
    write_key_id = models.BigIntegerField(null=True, blank=True)
    index = models.PositiveIntegerField(help_text="Position in the batch.")
    reason = models.CharField(max_length=300)
    payload = models.TextField()

    class Meta:
        ordering = ["-received_at", "index"]


class ProductUser(models.Model):
    """A user id the product sends, tied to its account (by group calls) and contact (by identify)."""

    user_id = models.CharField(max_length=200)
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, help_text="Set by alias: this id is now that one."
    )
    traits = models.JSONField(default=dict, blank=True)
    # When the id first arrived. Later activity is in DailyUserActivity, not written back here per event.
    first_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("user_id"), name="product_user_id_unique_ci")]

    def __str__(self) -> str:
        return self.user_id


class Feature(models.Model):
    """The feature catalog: every event name seen, with the name people use for it."""

    event = models.CharField(max_length=200, unique=True)
    friendly_name = models.CharField(max_length=200, blank=True, default="")
    module = models.CharField(max_length=100, blank=True, default="")
    is_key = models.BooleanField("key feature", default=False)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["module", "event"]

    def __str__(self) -> str:
        return self.friendly_name or self.event

    @property
    def label(self) -> str:
        return self.friendly_name or self.event


class DailyFeatureUsage(models.Model):
    """Account × day × event: how often, and by how many distinct users."""

    # No index of its own: the unique key begins with the account, and every rollup row written pays for each index.
    # No database constraint either: rollups are derived from the event log, whose account_id is no foreign key;
    # a pass counts only accounts that exist (store.roll_up_events), a deletion still cascades here (Django's),
    # and a per-row check at commit cost a third of a history import on PostgreSQL.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    day = models.DateField()
    event = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)
    users = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day", "event"], name="daily_feature_usage_key")]


class DailyUserFeature(models.Model):
    """Account × user × day × event, the ground for distinct users per feature over any window."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    user_key = models.CharField(max_length=210)
    day = models.DateField()
    event = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "event", "user_key"], name="daily_user_feature_key")
        ]


class DailyUserActivity(models.Model):
    """Account × user × day: the ground for active users over any window."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    user_key = models.CharField(max_length=210)
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    logins = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day", "user_key"], name="daily_user_activity_key")]


class DailyAccountActivity(models.Model):
    """Account × day: active users, logins and events."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    day = models.DateField()
    active_users = models.PositiveIntegerField(default=0)
    logins = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="When new usage last arrived for this day.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="daily_account_activity_key")]
        # day: the first day of usage (account facts) without reading every row; one entry per account and day
        indexes = [models.Index(fields=["updated_at"]), models.Index(fields=["day"])]


class RollupCursor(models.Model):
    """How far the rollups have counted the event log: every live event with an id up to ``last_event_id`` is
    counted (a backfill's events are counted when it completes). One row; a rollup pass locks it, so one pass
    runs at a time, whichever process runs it."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rollups counted up to event {self.last_event_id}"


class SeenMessage(models.Model):
    """The message ids received in the last TENURE_DEDUP_DAYS, on PostgreSQL: there the event log is partitioned
    by month, and a partitioned table cannot hold a unique index that leaves out the month, so a retry is
    recognised here instead. (On SQLite the event log's own unique index does it, for as long as events are kept.)
    """

    message_id = models.CharField(max_length=200, primary_key=True)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.message_id
