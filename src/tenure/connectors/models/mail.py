"""Email capture: each CSM's BCC/forward address and the mail received through it."""

from django.conf import settings
from django.db import models

from tenure.accounts.models import Account
from tenure.engagement.models import Touch

__all__ = ["CaptureAddress", "CaptureDirection", "CaptureStatus", "CapturedMail"]


class CaptureAddress(models.Model):
    """A staff user's personal capture address: ``<token>@<TENURE_MAIL_CAPTURE_DOMAIN>`` (any ``csm+<token>@…`` or
    ``<token>@…``). Making a new token retires the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capture_address")
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"capture address of {self.user}"


class CaptureDirection(models.TextChoices):
    OUTBOUND = "outbound", "Sent by the CSM"
    INBOUND = "inbound", "Received (forwarded)"


class CaptureStatus(models.TextChoices):
    MATCHED = "matched", "On the timeline"
    UNMATCHED = "unmatched", "No account matched"


class CapturedMail(models.Model):
    """One email a CSM sent to their capture address, kept once per message (``key``: its Message-ID, else a digest
    of its sender, date, subject and text) and linked to the touches it made (one per account it matched)."""

    key = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="captured_mail")
    direction = models.CharField(max_length=10, choices=CaptureDirection.choices)
    status = models.CharField(max_length=10, choices=CaptureStatus.choices)
    subject = models.CharField(max_length=255, blank=True, default="")
    sender = models.CharField(max_length=254, blank=True, default="")
    # [{"name": …, "email": …}]: From, To and Cc but the CSM, staff and capture addresses
    participants = models.JSONField(default=list, blank=True)
    body = models.TextField(blank=True, default="")
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    accounts = models.ManyToManyField(Account, blank=True, related_name="+")
    touches = models.ManyToManyField(Touch, blank=True, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["user", "status", "-received_at"])]
        verbose_name_plural = "captured mail"

    def __str__(self) -> str:
        return self.subject or f"captured mail {self.pk}"
