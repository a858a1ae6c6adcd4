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
