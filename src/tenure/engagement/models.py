from django.conf import settings
from django.db import models

from tenure.accounts.models import Account, Contact


class TouchKind(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    QBR = "qbr", "QBR"
    NOTE = "note", "Note"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class Touch(models.Model):
    """One entry on an account's timeline: a call, email, meeting, QBR or note."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="touches")
    contacts = models.ManyToManyField(Contact, blank=True, related_name="touches")
    kind = models.CharField(max_length=10, choices=TouchKind.choices, default=TouchKind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="touches"
    )
    occurred_at = models.DateTimeField()
    summary = models.TextField()
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["account", "-occurred_at"])]
        verbose_name_plural = "touches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.account} on {self.occurred_at:%Y-%m-%d}"
