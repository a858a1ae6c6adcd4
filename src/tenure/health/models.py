"""Health scores: scorecards (versioned, immutable once saved), daily snapshots, the current score, pulses."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenure.accounts.models import Account


class Band(models.TextChoices):
    RED = "red", "Red"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"


class Scorecard(models.Model):
    """Which accounts a set of measures applies to. Its rules live in versions; the newest one is in force.

    An empty segment or stage means "any". The most specific scorecard wins (segment and stage, then stage,
    then segment, then the default with neither).
    """

    name = models.CharField(max_length=100, unique=True)
    segment = models.CharField(max_length=50, blank=True, default="")
    stage = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "stage"], name="scorecard_applicability_unique",
                                    violation_error_message="another scorecard already covers this segment and stage")
        ]

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(models.Model):
    """One saved state of a scorecard: measures, weights, mappings and band thresholds. Never changed."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(help_text="measures (key, weight, mapping) and thresholds (red, green)")
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scorecard_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_version_unique")]

    def __str__(self) -> str:
        return f"{self.scorecard.name} v{self.number}"


class HealthSnapshot(models.Model):
    """An account's health on one day, measure by measure. Re-scoring the same day replaces the row."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="health_snapshots")
    day = models.DateField()
    score = models.FloatField(null=True, blank=True, help_text="Empty when no measure had data.")
    band = models.CharField(max_length=8, choices=Band.choices, blank=True, default="")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="snapshots")
    measures = models.JSONField(default=list, help_text="key, label, raw, unit, score, weight, "
                                "effective_weight, points, missing for each measure")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_id", "-day"]
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="health_snapshot_account_day")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.day}: {self.score}"


class AccountHealth(models.Model):
    """The latest score of each account, kept beside the snapshots so the accounts list sorts by it in SQL."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="health")
    day = models.DateField()
    score = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=8, choices=Band.choices, blank=True, default="")
    week_ago_score = models.FloatField(null=True, blank=True, help_text="The score about 7 days earlier.")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["score"])]
        verbose_name_plural = "account health"

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score}"

    @property
    def change(self) -> float | None:
        if self.score is None or self.week_ago_score is None:
            return None
        return self.score - self.week_ago_score


class WeightSuggestion(models.Model):
    """A draft version of a scorecard: its measures' weights (and band thresholds) fitted to the account
    history, with the back-test before and after. Not in force until CS Ops accept it, which saves it as the
    scorecard's next version like any save."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="suggestions")
    based_on = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="+",
                                 help_text="The version in force when the weights were fitted.")
    definition = models.JSONField(help_text="The draft: the version's mappings with fitted weights and thresholds.")
    days = models.PositiveIntegerField(help_text="Fitted on the measure scores this many days before each outcome.")
    report = models.JSONField(default=dict, help_text="Back-test before and after, in and out of sample.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_as = models.ForeignKey(ScorecardVersion, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    discarded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"suggested weights for {self.scorecard.name} ({self.created_at:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.accepted_as_id is None and not self.discarded
