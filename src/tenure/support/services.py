"""Support tickets: the one place their rows are written and their rules (resolution time, contact) live."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure import bulk
from tenure.accounts.models import Contact
from tenure.support.models import UNRESOLVED_STATUSES, Ticket, TicketPriority, TicketStatus

TICKET_FIELDS = (
    "account", "contact", "external_id", "subject", "body", "category",
    "priority", "status", "opened_at", "resolved_at", "csat", "source",
)
PORTAL = "portal"


# ---- the rules ---------------------------------------------------------------------------------------------

def resolution_time(status: str, resolved_at: dt.datetime | None, now: dt.datetime | None = None
                    ) -> dt.datetime | None:
    """When a ticket in ``status`` was resolved: never while it is unresolved (reopening clears the time); once
    resolved, the time given or, without one, now."""
    if status in UNRESOLVED_STATUSES:
        return None
    return resolved_at or now or timezone.now()


def times_error(opened_at: dt.datetime | None, resolved_at: dt.datetime | None) -> str:
    """What is wrong with a ticket's times, or ''."""
    if resolved_at and opened_at and resolved_at < opened_at:
        return "is before the ticket was opened"
    return ""


def settle(ticket: Ticket, now: dt.datetime | None = None) -> None:
    """Apply the rules to a ticket whose fields were just set: opened now unless told, resolution time from the
    status. Raises ValidationError when its times disagree."""
    now = now or timezone.now()
    if ticket.opened_at is None:
        ticket.opened_at = now
    ticket.resolved_at = resolution_time(ticket.status, ticket.resolved_at, now)
    error = times_error(ticket.opened_at, ticket.resolved_at)
    if error:
        raise ValidationError({"resolved_at": error})


def _check_contacts(tickets: list[Ticket]) -> None:
    """A ticket's contact works at the ticket's account: one query for all the tickets."""
    ids = {t.contact_id for t in tickets if t.contact_id}
    if not ids:
        return
    at = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "account_id"))
    for ticket in tickets:
        if ticket.contact_id and at.get(ticket.contact_id) != ticket.account_id:
            raise ValidationError({"contact": "belongs to another account"})


def _values(fields: dict) -> dict:
    fields = dict(fields)
    unknown = set(fields) - set(TICKET_FIELDS)
    if unknown:
        raise ValidationError({f: "not a ticket field" for f in sorted(unknown)})
    for name in ("account", "contact"):
        if name in fields:
            fields[f"{name}_id"] = bulk.attvalue(fields.pop(name))
    if "external_id" in fields:
        fields["external_id"] = (fields["external_id"] or "").strip() or None
    return fields


# ---- one ticket ------------------------------------------------------------------------------------------------

def _apply(ticket: Ticket, fields: dict) -> None:
    for key, value in _values(fields).items():
        setattr(ticket, key, value)
    settle(ticket)
    _check_contacts([ticket])
    ticket.full_clean()


@transaction.atomic
def create_ticket(**fields) -> Ticket:
    ticket = Ticket()
    _apply(ticket, fields)
    ticket.save()
    return ticket


def open_portal_ticket(contact: Contact, *, subject: str, body: str = "", priority: str = TicketPriority.NORMAL
                       ) -> Ticket:
    """A ticket a customer opened themselves in the customer portal: on their account, in their name, new."""
    return create_ticket(account=contact.account_id, contact=contact.pk, subject=subject, body=body,
                         priority=priority, status=TicketStatus.NEW, source=PORTAL)


@transaction.atomic
def update_ticket(ticket: Ticket, **changes) -> Ticket:
    _apply(ticket, changes)
    ticket.save()
    return ticket


# ---- many at once: imports and the demo ----------------------------------------------------------------------
# A fixed number of queries per call. ``clean=False`` skips field validation and the contact check for a caller
# that did both for each row itself (the importer, to name the line of each error); the rules always apply.

@transaction.atomic
def create_tickets(tickets: Iterable[Ticket], *, clean: bool = True) -> list[Ticket]:
    tickets = list(tickets)
    now = timezone.now()
    for ticket in tickets:
        ticket.external_id = (ticket.external_id or "").strip() or None
        settle(ticket, now)
        if clean:
            bulk.clean_changed(ticket, ())
    if clean:
        _check_contacts(tickets)
    return bulk.insert(Ticket, tickets)


@transaction.atomic
def update_tickets(changes: Iterable[tuple[Ticket, dict]], *, clean: bool = True) -> list[Ticket]:
    """Apply changes to many tickets (each pair: the ticket as stored, its new values) under the same rules as
    update_ticket; ``updated_at`` moves so the refresh sees them. Returns the tickets that changed."""
    now = timezone.now()
    changed: list[Ticket] = []
    names: set[str] = set()
    for ticket, fields in changes:
        before = {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}
        for key, value in _values(fields).items():
            setattr(ticket, key, value)
        settle(ticket, now)
        diff = {k for k, v in before.items() if getattr(ticket, k) != v}
        if not diff:
            continue
        if clean:
            bulk.clean_changed(ticket, diff)
        names.update(diff)
        changed.append(ticket)
    if clean:
        _check_contacts(changed)
    bulk.save_changed(Ticket, changed, names)
    return changed
