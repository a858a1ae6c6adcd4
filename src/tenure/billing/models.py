import datetime as dt
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tenure.accounts.models import Account


class SubscriptionStatus(models.TextChoices):
    TRIALING = "trialing", "Trialing"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELED = "canceled", "Canceled"


# Statuses in which the customer still has (and owes for) the product.
LIVE_STATUSES = (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def live_q(day: dt.date, prefix: str = "") -> models.Q:
    """A live subscription on ``day``: a live status and a term that covers the day (end date inclusive, none =
    open-ended). ``tenure.facts`` states the same rule for past days over the history; this is it as a filter on
    today's rows, for pages and jobs that sum or sort in the database."""
    return (models.Q(**{f"{prefix}status__in": LIVE_STATUSES, f"{prefix}start_date__lte": day})
            & (models.Q(**{f"{prefix}end_date__isnull": True}) | models.Q(**{f"{prefix}end_date__gte": day})))


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Subscription(models.Model):
    """What an account pays for: a plan, a number of seats, a monthly recurring revenue and a term."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="subscriptions")
    external_id = models.CharField(
        max_length=100, null=True, blank=True, help_text="The billing system's subscription id."
    )
    plan = models.CharField(max_length=100)
    seats = models.PositiveIntegerField("seats purchased", default=0)
    mrr = models.DecimalField(
        "MRR", max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="USD")
    start_date = models.DateField()
    end_date = models.DateField("end / renewal date", null=True, blank=True)
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    billing_period = models.CharField(max_length=16, choices=BillingPeriod.choices, default=BillingPeriod.ANNUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    # indexed: the per-minute refresh (tenure/changes) looks for rows changed since its last run
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("external_id"), name="subscription_external_id_unique_ci",
                violation_error_message="another subscription already has this external id",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="subscription_ends_after_start",
                violation_error_message="the end date is before the start date",
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.account} · {self.plan}"

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def is_live(self) -> bool:
        """Live today (see ``live_q``)."""
        today = timezone.localdate()
        return (self.status in LIVE_STATUSES and self.start_date <= today
                and (self.end_date is None or self.end_date >= today))


# Fields whose values are kept in every history entry; a change to any of them is a new entry.
TRACKED_FIELDS = ("plan", "seats", "mrr", "currency", "start_date", "end_date", "status", "billing_period")


class SubscriptionChange(models.Model):
    """One entry of a subscription's history: its state from ``effective_on`` until the next entry."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="history")
    effective_on = models.DateField(help_text="The day this state took effect.")
    recorded_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=20, default="app", help_text="Who made the change: app, api, import…")
    plan = models.CharField(max_length=100)
    seats = models.PositiveIntegerField()
    mrr = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices)
    billing_period = models.CharField(max_length=16, choices=BillingPeriod.choices)

    class Meta:
        ordering = ["subscription_id", "effective_on", "pk"]
        indexes = [models.Index(fields=["effective_on"])]

    def __str__(self) -> str:
        return f"{self.subscription_id} from {self.effective_on}: {self.status} {self.seats} seats {self.mrr}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    VOID = "void", "Void"
    UNCOLLECTIBLE = "uncollectible", "Uncollectible"


class Invoice(models.Model):
    """A bill the billing system sent an account, with what happened to its payment: the failures and refunds
    a CSM reads as payment trouble."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invoices")
    subscription = models.ForeignKey(Subscription, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="invoices")
    external_id = models.CharField(max_length=100, unique=True, help_text="The billing system's invoice id.")
    number = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    currency = models.CharField(max_length=3, default="USD")
    amount_due = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_failures = models.PositiveIntegerField(default=0)
    last_payment_failure_at = models.DateTimeField(null=True, blank=True)
    needs_customer_action = models.BooleanField(default=False, help_text="The payment waits for the customer "
                                                                         "(e.g. 3-D Secure).")
    disputed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.number or self.external_id} · {self.account}"
