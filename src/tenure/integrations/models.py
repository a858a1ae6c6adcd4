"""Outgoing webhooks: where Tenure tells other systems what happened, and the log of every delivery."""

import secrets

from django.db import models

# Every event Tenure sends, in words: the key is what a receiver reads in the payload, the label what a person
# reads on the page. The one list: webhooks.EVENT_TYPES is its keys.
EVENT_LABELS = {
    "signal.opened": "Signal opened",
    "signal.resolved": "Signal resolved",
    "task.opened": "Task opened",
    "task.closed": "Task closed",
    "health.band_changed": "Health band changed",
    "survey.answered": "Survey answered",
    "renewal.closed": "Renewal closed",
    "opportunity.closed": "Opportunity closed",
    "community.thread_created": "Community thread started",
    "community.answer_accepted": "Community answer accepted",
    "community.post_flagged": "Community post flagged",
    "test": "Test",
}


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type.replace("_", " ").replace(".", " ").capitalize())


class WebhookFormat(models.TextChoices):
    JSON = "json", "Tenure JSON (signed)"
    SLACK = "slack", "Slack-compatible message"


class WebhookEndpoint(models.Model):
    """A receiver: a URL, the event types it wants, and the secret its deliveries are signed with."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, default=secrets.token_hex, help_text="HMAC-SHA256 signing secret.")
    event_types = models.JSONField(default=list, blank=True, help_text="Event types to send; empty means all.")
    format = models.CharField(max_length=10, choices=WebhookFormat.choices, default=WebhookFormat.JSON)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.event_types or event_type in self.event_types)

    @property
    def event_labels(self) -> list[str]:
        return [event_label(t) for t in self.event_types]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Will retry"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one endpoint, with its attempts. The event id is sent with every attempt, so a receiver
    that saw it before can tell a retry or replay from a new event."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint} ({self.status})"

    @property
    def event_label(self) -> str:
        return event_label(self.event_type)
