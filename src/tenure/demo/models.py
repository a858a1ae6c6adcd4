from django.db import models

from tenure.accounts.models import Account


class Scenario(models.TextChoices):
    NEW = "new", "New customer"
    STEADY = "steady", "Steady"
    EXPANDING = "expanding", "Expanding"
    AT_RISK = "at_risk", "At risk"
    CHURNED = "churned", "Churned"


class Cause(models.TextChoices):
    SPONSOR_LEFT = "sponsor_left", "Executive sponsor left"
    SPONSOR_SILENT = "sponsor_silent", "Executive sponsor went silent"
    USAGE_DECLINE = "usage_decline", "Usage declined"
    SEAT_CUT = "seat_cut", "Seats cut"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    COMPETITOR = "competitor", "Moved to a competitor"
    NEVER_ADOPTED = "never_adopted", "Never got past onboarding"


# The departure driver (see DESIGN.md naming) each cause belongs to, for the risk room.
CAUSE_DRIVERS = {
    Cause.SPONSOR_LEFT: "disconnection",
    Cause.SPONSOR_SILENT: "disconnection",
    Cause.USAGE_DECLINE: "disengagement",
    Cause.SEAT_CUT: "downturn",
    Cause.PAYMENT_FAILED: "downturn",
    Cause.COMPETITOR: "competition",
    Cause.NEVER_ADOPTED: "disengagement",
}


class UsageTrend(models.TextChoices):
    RAMPING = "ramping", "Ramping up (onboarding)"
    GROWING = "growing", "Growing"
    STEADY = "steady", "Steady"
    DECLINING = "declining", "Declining"


class DemoScenario(models.Model):
    """Ground truth of one demo account: the story the demo wrote into its rows.

    Tests, the usage generator and the churn model read it; the product itself never does.
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="demo_scenario")
    scenario = models.CharField(max_length=16, choices=Scenario.choices)
    cause = models.CharField(
        max_length=20, choices=Cause.choices, blank=True, default="",
        help_text="Why the account churned or is at risk; empty for the others.",
    )
    churned_on = models.DateField(null=True, blank=True)
    warning_on = models.DateField(null=True, blank=True, help_text="When the first sign of the cause shows.")
    competitor = models.CharField(max_length=100, blank=True, default="")
    usage_trend = models.CharField(max_length=16, choices=UsageTrend.choices, default=UsageTrend.STEADY)
    usage_change_on = models.DateField(
        null=True, blank=True, help_text="The day product usage starts following the trend."
    )
    active_share = models.FloatField(
        default=0.7, help_text="Share of seats active in a typical week before the trend (0 to 1)."
    )
    scare = models.CharField(
        max_length=20, choices=Cause.choices, blank=True, default="",
        help_text="A rough patch the account came through (a usage dip, a competitor evaluation, ...); empty if none.",
    )
    scare_from = models.DateField(null=True, blank=True)
    scare_until = models.DateField(null=True, blank=True, help_text="When the rough patch was resolved.")
    notes = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["account_id"]
        indexes = [models.Index(fields=["scenario", "cause"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.scenario} {self.cause}".strip()
