"""Signals (what is wrong, by departure driver, with its evidence), plays (templates of steps) and tasks (the
CSM's work queue), plus the thresholds that decide when a signal fires.

A signal is one row per account and condition (``dedupe_key``) while the condition holds: detection refreshes
its evidence and ``last_seen_on``, and sets ``resolved_on`` the first day it no longer holds. A play run is one
play under way on one account: all the open signals of one driver, or one renewal or opportunity (the renewals
room owns those motions). Its steps become tasks one after another; a task is one row per account and run step
while it is open or snoozed.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Driver(models.TextChoices):
    """Why customers leave (DESIGN.md naming), plus the lifecycle rules that are not risks: renewal, expansion."""

    DISENGAGEMENT = "disengagement", "Disengagement"
    DISCONNECTION = "disconnection", "Disconnection"
    DOWNTURN = "downturn", "Downturn"
    COMPETITION = "competition", "Competition"
    LIFECYCLE = "lifecycle", "Renewal and expansion"


class SignalKind(models.TextChoices):
    ACTIVE_USERS_DROP = "active_users_drop", "Active users dropped"
    LOGINS_PLATEAU = "logins_plateau", "Logins plateaued below target"
    LOW_UTILIZATION = "low_utilization", "License utilization low"
    KEY_FEATURE_ABANDONED = "key_feature_abandoned", "Key feature abandoned"
    ONBOARDING_STALLED = "onboarding_stalled", "Onboarding stalled"
    SPONSOR_LEFT = "sponsor_left", "Executive sponsor left"
    CHAMPION_LEFT = "champion_left", "Champion left"
    SPONSOR_NOT_TOUCHED = "sponsor_not_touched", "Executive sponsor not touched"
    CHAMPION_NOT_TOUCHED = "champion_not_touched", "Champion not touched"
    NO_TOUCH = "no_touch", "No touch"
    TICKETS_UNRESOLVED = "tickets_unresolved", "High-priority tickets unresolved"
    SEATS_REDUCED = "seats_reduced", "Seats reduced"
    DOWNGRADE = "downgrade", "Downgraded"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    COMPETITOR_MENTIONED = "competitor_mentioned", "Competitor mentioned"
    CHURN_INTENT = "churn_intent", "Churn intent expressed"
    RENEWAL_DUE = "renewal_due", "Renewal coming up"
    EXPANSION_READY = "expansion_ready", "Ready to expand"
    MILESTONE_OVERDUE = "milestone_overdue", "Onboarding milestone overdue"
    DETRACTOR = "detractor", "Detractor (NPS)"
    COMMUNITY_UNANSWERED = "community_unanswered", "Community question unanswered"
    INFLUENTIAL_DETRACTOR = "influential_detractor", "Influential detractor in the community"


KIND_DRIVER: dict[str, str] = {
    SignalKind.ACTIVE_USERS_DROP: Driver.DISENGAGEMENT,
    SignalKind.LOGINS_PLATEAU: Driver.DISENGAGEMENT,
    SignalKind.LOW_UTILIZATION: Driver.DISENGAGEMENT,
    SignalKind.KEY_FEATURE_ABANDONED: Driver.DISENGAGEMENT,
    SignalKind.ONBOARDING_STALLED: Driver.DISENGAGEMENT,
    SignalKind.SPONSOR_LEFT: Driver.DISCONNECTION,
    SignalKind.CHAMPION_LEFT: Driver.DISCONNECTION,
    SignalKind.SPONSOR_NOT_TOUCHED: Driver.DISCONNECTION,
    SignalKind.CHAMPION_NOT_TOUCHED: Driver.DISCONNECTION,
    SignalKind.NO_TOUCH: Driver.DISCONNECTION,
    SignalKind.TICKETS_UNRESOLVED: Driver.DISCONNECTION,
    SignalKind.COMMUNITY_UNANSWERED: Driver.DISCONNECTION,
    SignalKind.INFLUENTIAL_DETRACTOR: Driver.DISCONNECTION,
    SignalKind.SEATS_REDUCED: Driver.DOWNTURN,
    SignalKind.DOWNGRADE: Driver.DOWNTURN,
    SignalKind.PAYMENT_FAILED: Driver.DOWNTURN,
    SignalKind.COMPETITOR_MENTIONED: Driver.COMPETITION,
    SignalKind.CHURN_INTENT: Driver.COMPETITION,
    SignalKind.RENEWAL_DUE: Driver.LIFECYCLE,
    SignalKind.EXPANSION_READY: Driver.LIFECYCLE,
    SignalKind.MILESTONE_OVERDUE: Driver.DISENGAGEMENT,
    SignalKind.DETRACTOR: Driver.DISCONNECTION,
}


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Signal(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="signals")
    driver = models.CharField(max_length=16, choices=Driver.choices)
    kind = models.CharField(max_length=32, choices=SignalKind.choices)
    subject = models.CharField(
        max_length=200, blank=True, default="", help_text="What the signal is about within the account, if several "
        "can hold at once (a contact, a feature, a subscription)."
    )
    dedupe_key = models.CharField(max_length=240, help_text="kind:subject; one open signal per account and key.")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    title = models.CharField(max_length=300)
    evidence = models.JSONField(
        default=dict, blank=True,
        help_text='{"numbers": {...}, "records": [{"model", "id", "label", "url", "api"}], "quotes": [...]}',
    )
    first_detected_on = models.DateField()
    last_seen_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True, help_text="The first day the condition no longer held.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-first_detected_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "dedupe_key"], condition=models.Q(resolved_on__isnull=True),
                name="risk_one_open_signal_per_key",
            ),
        ]
        indexes = [models.Index(fields=["account", "resolved_on"]), models.Index(fields=["kind", "resolved_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


class Play(models.Model):
    """A template of steps a CSM follows when a signal (or rule) of one of its ``trigger_kinds`` opens."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    trigger_kinds = models.JSONField(default=list, blank=True, help_text="Signal kinds that start this play.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlayStep(models.Model):
    play = models.ForeignKey(Play, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    due_offset_days = models.PositiveSmallIntegerField(default=0, help_text="Due this many days after the play starts.")
    days_before_event = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For a play that prepares an event (a renewal): due this many days before "
        "it, compressed when the play starts late. Empty: dated from the start (the offset above).",
    )

    class Meta:
        ordering = ["play", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["play", "order"], name="risk_play_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.play}: {self.title}"


class PlayRun(models.Model):
    """One play under way on one account. Its steps open one after another: the next when the previous closes or
    falls due. It ends when what started it is over (the driver's signals all resolved, the renewal or the
    opportunity closed), closing the tasks still open."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="play_runs")
    play = models.ForeignKey(
        Play, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs",
        help_text="Empty when no active play fits: the run is one follow-up task.",
    )
    key = models.CharField(
        max_length=60, help_text='What the run is for: "driver:<driver>", "renewal:<id>" or "opportunity:<id>". '
        "One run under way per account and key.",
    )
    signals = models.ManyToManyField(Signal, blank=True, related_name="play_runs",
                                     help_text="Every signal of the driver seen while the run was under way.")
    priority = models.PositiveSmallIntegerField(default=3)
    started_on = models.DateField()
    event_on = models.DateField(
        null=True, blank=True, help_text="The day the play prepares (a renewal date): its steps are due before it.",
    )
    next_order = models.PositiveSmallIntegerField(default=0, help_text="Steps opened so far.")
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], condition=models.Q(ended_on__isnull=True),
                                    name="risk_one_run_under_way_per_key"),
        ]
        indexes = [models.Index(fields=["account", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.play or 'Follow-up'} on {self.account_id} ({self.key})"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    SNOOZED = "snoozed", "Snoozed"
    DONE = "done", "Done"


ACTIVE_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.SNOOZED)


class TaskPriority(models.IntegerChoices):
    URGENT = 1, "Urgent"
    HIGH = 2, "High"
    NORMAL = 3, "Normal"
    LOW = 4, "Low"


class CloseReason(models.TextChoices):
    COMPLETED = "completed", "Completed"
    NOT_NEEDED = "not_needed", "Not needed"
    NO_RESPONSE = "no_response", "Customer did not respond"
    DUPLICATE = "duplicate", "Duplicate"
    CONDITION_CLEARED = "condition_cleared", "Condition cleared by itself"


# The reasons a person may pick; CONDITION_CLEARED is the system's, when the signal resolves.
PERSON_CLOSE_REASONS = [c for c in CloseReason.choices if c[0] != CloseReason.CONDITION_CLEARED]


class Outcome(models.TextChoices):
    IMPROVED = "improved", "Improved"
    NO_CHANGE = "no_change", "No change"
    WORSE = "worse", "Worse"
    CHURNING = "churning", "Customer is leaving"


class Task(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks",
        help_text="The account's CSM; empty for pooled (tech-touch) and unassigned accounts (their own queues).",
    )
    signal = models.ForeignKey(Signal, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    play = models.ForeignKey(Play, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    step = models.ForeignKey(PlayStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    run = models.ForeignKey(PlayRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks",
                            help_text="The play run whose step this is; empty for a task opened by hand.")
    dedupe_key = models.CharField(max_length=240, help_text="One open or snoozed task per account and key.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    priority = models.PositiveSmallIntegerField(choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    close_note = models.TextField(blank=True, default="")
    created_by_rule = models.CharField(
        max_length=60, blank=True, default="", help_text="The signal kind or rule that opened it; empty if by hand."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", help_text="The person who opened it by hand.")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="tasks", help_text="The customer's person it is about, if one.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "dedupe_key"], condition=models.Q(status__in=["open", "snoozed"]),
                name="risk_one_active_task_per_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | (~models.Q(close_reason="") & ~models.Q(outcome="")),
                name="risk_done_task_has_reason_and_outcome",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "priority", "due_on"]),
                   models.Index(fields=["status", "snoozed_until"]),
                   # everyone's open tasks in My work's order: a leader's page walks the first few entries
                   models.Index(fields=["priority", "due_on", "account"], condition=models.Q(status="open"),
                                name="risk_open_task_order")]

    def __str__(self) -> str:
        return self.title


def _pct(default: int, help_text: str):
    return models.PositiveSmallIntegerField(
        default=default, validators=[MinValueValidator(0), MaxValueValidator(100)], help_text=help_text
    )


def _days(default: int, help_text: str):
    return models.PositiveSmallIntegerField(default=default, validators=[MinValueValidator(1)], help_text=help_text)


DEFAULT_COMPETITORS = "Retainly\nChurnGuard\nLoyalto\nStickyStack\nKeepwell"
DEFAULT_CHURN_PHRASES = "\n".join((
    "cancel our subscription", "cancel our contract", "switching to", "evaluating alternatives",
    "looking at alternatives", "not renewing", "won't renew", "will not renew", "too expensive",
    "moving away from", "terminate our contract",
))


class RiskSettings(models.Model):
    """The thresholds of every signal and rule: one row, edited by leaders and admins. Defaults are documented
    in README.md ("Signals, tasks and plays")."""

    usage_window_days = _days(30, "Active users, logins and utilization are counted over this many days.")
    active_users_drop_pct = _pct(30, "Active users drop: fires when active users fell by at least this percent…")
    active_users_drop_days = _days(90, "…compared with the same window this many days earlier…")
    active_users_min = models.PositiveSmallIntegerField(
        default=5, help_text="…and the earlier window had at least this many active users (smaller is noise)."
    )
    low_utilization_pct = _pct(30, "Utilization low: active users ÷ seats under this percent (not during onboarding).")
    adoption_target_pct = _pct(50, "Logins plateau: utilization still under this target in onboarding or adopting…")
    logins_plateau_pct = _pct(5, "…and logins grew less than this percent over the window before.")
    key_feature_min_users = models.PositiveSmallIntegerField(
        default=5, help_text="Key feature abandoned: used by at least this many people in the two windows before, "
        "by nobody in the usage window."
    )
    onboarding_days = _days(60, "Onboarding stalled: in stage onboarding more than this many days, utilization low.")
    contact_touch_days = _days(90, "Executive sponsor or champion touched before, but in no touch for this many days.")
    no_touch_days = _days(60, "No touch at all with the account for this many days.")
    ticket_unresolved_days = _days(7, "High or urgent tickets still unresolved after this many days.")
    seats_lookback_days = _days(180, "Seats reduced / downgrade: changes within this many days count.")
    seats_drop_pct = _pct(10, "Seats reduced: live seats fell by at least this percent.")
    payment_overdue_days = _days(14, "Payment failed: past due longer than this is high severity (overdue).")
    competition_days = _days(90, "Competitors and churn-intent phrases are looked for in this many days of text.")
    renewal_days = _days(90, "Renewal rule: a live subscription ends within this many days.")
    expansion_utilization_pct = models.PositiveSmallIntegerField(
        default=90, help_text="Expansion rule: active users ÷ seats over the usage window at least this percent."
    )
    milestone_overdue_days = _days(7, "Onboarding milestone overdue: open this many days past its due date.")
    detractor_days = _days(90, "Detractor: a contact's latest NPS answer (0-6) is no older than this many days.")
    community_unanswered_hours = models.PositiveSmallIntegerField(
        default=48, help_text="Community question unanswered: a question from an account of the segments below that "
        "nobody else answered for this many hours.")
    influential_reach = models.PositiveSmallIntegerField(
        default=10, help_text="Influential detractor: an NPS detractor whose community reach (likes and replies their "
        "posts drew, people they helped, counted double) is at least this.")
    community_segments = models.TextField(default="Enterprise", blank=True,
                                          help_text="The segments it watches, one per line (empty: every account).")
    competitor_names = models.TextField(default=DEFAULT_COMPETITORS, blank=True, help_text="One name per line.")
    churn_phrases = models.TextField(default=DEFAULT_CHURN_PHRASES, blank=True, help_text="One phrase per line.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "risk settings"
        verbose_name_plural = "risk settings"

    def __str__(self) -> str:
        return "Risk settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "RiskSettings":
        obj = cls.objects.filter(pk=1).first()
        return obj if obj is not None else cls(pk=1)
