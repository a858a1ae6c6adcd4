from django.db import models


class JobWatermark(models.Model):
    """When a periodic job last looked for work: shared by every worker, so only one dispatches at a time."""

    name = models.CharField(max_length=50, unique=True)
    last_run = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run}"
