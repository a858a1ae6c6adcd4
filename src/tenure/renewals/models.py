"""Renewals (one row per subscription and renewal date, closed with an outcome), opportunities (expansion when
utilization stays high; adoption / right-sizing when paid seats sit unused) and each user's digest preference.

Choice documented in README.md: "paid capacity sits unused" is not an upsell. It opens an opportunity of kind
*adoption* (get the unused seats used, or right-size them at the renewal before the customer does it angrily),
closed won/lost like an expansion, so both show in one list.
"""

from django.conf import settings
from django.db import models


class RenewalStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RenewalOutcome(models.TextChoices):
    RENEWED = "renewed", "Renewed"
    EXPANDED = "expanded", "Expanded"
    DOWNGRADED = "downgraded", "Downgraded"
    CHURNED = "churned", "Churned"


class ChurnReason(models.TextChoices):
    SPONSOR_LEFT = "sponsor_left", "Sponsor left"
    LOW_ADOPTION = "low_adoption", "Low adoption"
    BUDGET_CUTS = "budget_cuts", "Budget cuts"
    PAYMENT_PROBLEMS = "payment_problems", "Payment problems"
    COMPETITOR = "competitor", "Moved to a competitor"
    PRODUCT_GAPS = "product_gaps", "Product gaps"
    COMPANY_CLOSED = "company_closed", "Company closed or acquired"
    OTHER = "other", "Other"


class Renewal(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="renewals")
    subscription = models.ForeignKey("billing.Subscription", on_delete=models.CASCADE, related_name="renewals")
    renewal_on = models.DateField(help_text="The subscription's end date when the renewal opened.")
    arr_before = models.DecimalField("ARR before", max_digits=14, decimal_places=2)
    status = models.CharField(max_length=8, choices=RenewalStatus.choices, default=RenewalStatus.OPEN)
    outcome = models.CharField(max_length=12, choices=RenewalOutcome.choices, blank=True, default="")
    reason = models.CharField(
        max_length=20, choices=ChurnReason.choices, blank=True, default="", help_text="Required when churned."
    )
    arr_after = models.DecimalField("ARR after", max_digits=14, decimal_places=2, null=True, blank=True)
    offsets_opened = models.JSONField(
        default=list, blank=True, help_text="The offsets (days before) whose renewal task has been opened."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["renewal_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "renewal_on"], name="renewals_one_per_subscription_date"),
            models.CheckConstraint(
                condition=~models.Q(outcome="churned") | ~models.Q(reason=""), name="renewals_churn_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "renewal_on"])]

    def __str__(self) -> str:
        return f"{self.account} renewal on {self.renewal_on}"


class OpportunityKind(models.TextChoices):
    EXPANSION = "expansion", "Expansion"
    ADOPTION = "adoption", "Adoption / right-sizing"


class OpportunityTrigger(models.TextChoices):
    HIGH_UTILIZATION = "high_utilization", "High utilization"
    UNUSED_CAPACITY = "unused_capacity", "Paid capacity unused"


TRIGGER_KIND = {OpportunityTrigger.HIGH_UTILIZATION: OpportunityKind.EXPANSION,
                OpportunityTrigger.UNUSED_CAPACITY: OpportunityKind.ADOPTION}


class OpportunityOutcome(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Opportunity(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="opportunities")
    kind = models.CharField(max_length=12, choices=OpportunityKind.choices)
    trigger = models.CharField(max_length=20, choices=OpportunityTrigger.choices)
    opened_on = models.DateField()
    evidence = models.JSONField(default=dict, blank=True, help_text='{"utilization", "mau", "seats", "days"}')
    status = models.CharField(max_length=8, choices=RenewalStatus.choices, default=RenewalStatus.OPEN)
    outcome = models.CharField(max_length=8, choices=OpportunityOutcome.choices, blank=True, default="")
    amount = models.DecimalField("ARR won", max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-opened_on", "pk"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "trigger"], condition=models.Q(status="open"),
                name="renewals_one_open_opportunity_per_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.account}"


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    OFF = "off", "Off"


class DigestPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference")
    frequency = models.CharField(max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.frequency}"


class DealKind(models.TextChoices):
    RENEWAL = "renewal", "Renewal"
    EXPANSION = "expansion", "Expansion"
    NEW_BUSINESS = "new", "New business"
    OTHER = "other", "Other"


class DealStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Deal(models.Model):
    """A deal (opportunity) the CRM holds for an account: the sales side of renewal and expansion motions, as the
    CRM tells it. Tenure's own renewals and expansion opportunities stay beside it; the CRM is the truth of these."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="deals")
    source = models.CharField(max_length=20, help_text="The CRM: hubspot, salesforce.")
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=DealKind.choices, default=DealKind.OTHER)
    stage = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=6, choices=DealStatus.choices, default=DealStatus.OPEN)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["close_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="one_deal_per_crm_id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"
