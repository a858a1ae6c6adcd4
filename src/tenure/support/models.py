from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from tenure.accounts.models import Account, Contact


class TicketPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# A ticket is unresolved while its status is one of these; it then has no resolution time (support.services).
UNRESOLVED_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
# The priorities that count as "high-priority" wherever tickets are weighed (health, signals, the churn model).
HIGH_PRIORITIES = (TicketPriority.HIGH, TicketPriority.URGENT)


class TicketQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(status__in=UNRESOLVED_STATUSES)

    def resolved(self):
        return self.exclude(status__in=UNRESOLVED_STATUSES)


class Ticket(models.Model):
    """A support request: reactive work that tells us where the customer struggles."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tickets")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    external_id = models.CharField(max_length=100, null=True, blank=True, help_text="The helpdesk's ticket id.")
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    priority = models.CharField(max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=20, blank=True, default="",
        help_text="Where the ticket was opened: 'portal' when the customer opened it in the customer portal; empty "
                  "for the helpdesk, imports and the API.",
    )
    csat = models.PositiveSmallIntegerField(
        "CSAT", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Customer satisfaction with this ticket, 1 to 5.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # indexed: the per-minute refresh (tenure/changes) looks for rows changed since its last run
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("external_id"), name="ticket_external_id_unique_ci",
                violation_error_message="another ticket already has this external id",
            ),
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5), name="ticket_csat_1_to_5"
            ),
        ]
        # account + opened: the facts read a batch of accounts' recent tickets; without it the planner walks every
        # account's tickets of the period (a quarter of a second per batch at 10,000 accounts)
        indexes = [models.Index(fields=["account", "status"]), models.Index(fields=["opened_at"]),
                   models.Index(fields=["account", "opened_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_resolved(self) -> bool:
        return self.status not in UNRESOLVED_STATUSES
