from django.conf import settings
from django.db import models
from django.utils import timezone

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
    # indexed: the per-minute refresh (tenure/changes) looks for rows changed since its last run
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["account", "-occurred_at"])]
        verbose_name_plural = "touches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.account} on {self.occurred_at:%Y-%m-%d}"


# ---- onboarding projects and success plans ------------------------------------------------------------------


class OnboardingTemplate(models.Model):
    """The statement-of-work deliverables a new customer goes through, applied automatically to new accounts
    whose plan and segment match (empty means any)."""

    name = models.CharField(max_length=100)
    plan = models.CharField(max_length=100, blank=True, default="", help_text="Empty: any plan.")
    segment = models.CharField(max_length=50, blank=True, default="", help_text="Empty: any segment.")
    active = models.BooleanField(default=True)
    milestones = models.JSONField(
        default=list,
        help_text='A list of {"title": …, "due_days": 14, "first_value": false}, in order. The milestone marked '
        "first_value is the moment the customer first gets value (time to first value).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class OnboardingProject(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="onboarding_projects")
    template = models.ForeignKey(OnboardingTemplate, on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(max_length=100)
    started_on = models.DateField()
    status = models.CharField(max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    first_value_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} · {self.account}"

    @property
    def days_to_first_value(self) -> int | None:
        return (self.first_value_on - self.started_on).days if self.first_value_on else None

    @property
    def days_to_complete(self) -> int | None:
        return (self.completed_on - self.started_on).days if self.completed_on else None


class MilestoneStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class Milestone(models.Model):
    project = models.ForeignKey(OnboardingProject, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)
    first_value = models.BooleanField(default=False, help_text="Reaching it means the customer got first value.")

    class Meta:
        ordering = ["project", "position", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title


class GoalDirection(models.TextChoices):
    INCREASE = "increase", "Increase"
    DECREASE = "decrease", "Decrease"


class SuccessGoal(models.Model):
    """One goal of the customer's success plan, with a measurable target and the value realised so far,
    e.g. cut ticket handling time from 40 to 28 minutes (30%) — now 31."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="success_goals")
    title = models.CharField(max_length=200)
    metric = models.CharField(max_length=100, help_text="What is measured, e.g. ticket handling time.")
    unit = models.CharField(max_length=20, blank=True, default="")
    direction = models.CharField(max_length=10, choices=GoalDirection.choices, default=GoalDirection.INCREASE)
    baseline = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    current = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> float | None:
        """Share of the way from baseline to target reached so far (can pass 1.0)."""
        if self.current is None or self.target == self.baseline:
            return None
        return float((self.current - self.baseline) / (self.target - self.baseline))


class PulseRating(models.TextChoices):
    GREEN = "green", "Green: going well"
    YELLOW = "yellow", "Yellow: some concerns"
    RED = "red", "Red: at risk"


class Pulse(models.Model):
    """The CSM's own reading of an account, with a comment. Counts in the sentiment measure, fading with age."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="pulses")
    rating = models.CharField(max_length=8, choices=PulseRating.choices)
    comment = models.TextField(blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "health_pulse"  # kept where it was created
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "created_at"], name="health_puls_account_e02b8a_idx"),
                   models.Index(fields=["created_at"], name="health_puls_created_60d51a_idx")]

    def __str__(self) -> str:
        return f"{self.account} {self.rating} on {self.created_at:%Y-%m-%d}"
