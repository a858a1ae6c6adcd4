from django.db import models


class Watermark(models.Model):
    """How far change detection has looked, shared by every worker so only one claims changes at a time.

    ``dispatched`` remembers the changes already handed out that the next look will read again (its overlap):
    ``{"from": <ISO time>, "accounts": {"<account id>": [rows, sum of their timestamps in µs]}}``.
    """

    name = models.CharField(max_length=50, unique=True)
    last_run = models.DateTimeField(null=True, blank=True)
    dispatched = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run}"


class RefreshBatch(models.Model):
    """A batch of accounts queued for the refresh pipeline, kept until a worker finishes it. The queue hands a
    task to one worker and forgets it; a worker killed mid-batch would lose it. A batch claimed but not done
    after a while is queued again (``tenure.pipeline.requeue_stalled``): refreshing twice is harmless."""

    account_ids = models.JSONField()
    as_of = models.DateField(null=True, blank=True)
    queued_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["done_at", "claimed_at"], name="refreshbatch_open")]

    def __str__(self) -> str:
        return f"refresh batch {self.pk} ({len(self.account_ids)} accounts)"
