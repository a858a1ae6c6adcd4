"""Support tickets."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure.support.models import UNRESOLVED_STATUSES, Ticket

TICKET_FIELDS = (
    "account", "contact", "external_id", "subject", "body", "category",
    "priority", "status", "opened_at", "resolved_at", "csat",
)


def _apply(ticket: Ticket, fields: dict) -> None:
    unknown = set(fields) - set(TICKET_FIELDS)
    if unknown:
        raise ValidationError({f: "not a ticket field" for f in sorted(unknown)})
    if "external_id" in fields:
        fields["external_id"] = (fields["external_id"] or "").strip() or None
    for key, value in fields.items():
        setattr(ticket, key, value)
    if ticket.opened_at is None:
        ticket.opened_at = timezone.now()
    # A resolved ticket gets a resolution time; reopening clears it.
    if ticket.status in UNRESOLVED_STATUSES:
        ticket.resolved_at = None
    elif ticket.resolved_at is None:
        ticket.resolved_at = timezone.now()
    if ticket.contact_id and ticket.account_id and ticket.contact.account_id != ticket.account_id:
        raise ValidationError({"contact": "belongs to another account"})
    if ticket.resolved_at and ticket.resolved_at < ticket.opened_at:
        raise ValidationError({"resolved_at": "is before the ticket was opened"})
    ticket.full_clean()


@transaction.atomic
def create_ticket(**fields) -> Ticket:
    ticket = Ticket()
    _apply(ticket, fields)
    ticket.save()
    return ticket


@transaction.atomic
def update_ticket(ticket: Ticket, **changes) -> Ticket:
    _apply(ticket, changes)
    ticket.save()
    return ticket
