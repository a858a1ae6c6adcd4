"""Support tickets from CSV."""

from __future__ import annotations

import copy
from typing import Any

from tenure.accounts import services as accounts
from tenure.accounts.models import Contact
from tenure.integrations.csv_import import (
    KEEP,
    Field,
    Row,
    register,
)
from tenure.integrations.importers.common import (
    ACCOUNT_REF_FIELDS,
    BelongsToAccount,
    _by_lower,
    _by_stored_lower,
)
from tenure.support import services as support
from tenure.support.models import Ticket

# -- tickets ----------------------------------------------------------------------------------------------


@register
class TicketImporter(BelongsToAccount):
    kind = "tickets"
    noun = "ticket"
    model = Ticket
    description = "support tickets, matched by external_id (the helpdesk's ticket id)"
    fields = (
        Field("external_id", "key: the helpdesk's ticket id"),
        *ACCOUNT_REF_FIELDS,
        Field("contact_email", "email of the contact who opened it (optional; must be at the account)"),
        Field("subject", "subject (required for a new ticket)"),
        Field("body", "text of the request"),
        Field("category", "category"),
        Field("priority", "low, normal, high or urgent"),
        Field("status", "new, open, pending, solved or closed"),
        Field("opened_at", "when it was opened, ISO 8601 (required for a new ticket)"),
        Field("resolved_at", "when it was resolved, ISO 8601"),
        Field("csat", "customer satisfaction with the ticket, 1 to 5"),
    )
    key_fields = ("external_id",)
    fixed_keys = ("external_id",)
    required_columns = (("external_id",),)
    required_to_create = ("subject", "opened_at")

    def parse_external_id(self, text: str) -> str:
        return text

    def parse_contact_email(self, text: str) -> str:
        return accounts.normalize_email(text)

    def load(self, rows: list[Row]) -> None:
        self.found = {"external_id": _by_lower(Ticket, "external_id", self.values_of(rows, "external_id"))}
        self.load_accounts(rows)
        self.contacts = _by_stored_lower(Contact, "email", self.values_of(rows, "contact_email"))

    def build(self, row: Row) -> None:
        matched = self.match(row, self.found)
        ticket = copy.copy(matched) if matched else Ticket()
        row.extra["stored"] = matched
        new: dict[str, Any] = {}
        self.set_keys(row, ticket, new)
        account_id = new["account"] = self.account_id(row, ticket)
        for name in ("subject", "body", "category", "priority", "status", "opened_at", "resolved_at", "csat"):
            if name in self.layout.fields:
                new[name] = row.values[name]
        if "contact_email" in self.layout.fields:
            email = row.values["contact_email"]
            contact = self.contacts.get(email) if email else None
            if email and contact is None:
                row.error(self.layout.column("contact_email"), f"no contact has the email {email!r}")
            elif contact is not None and account_id is not None and contact.account_id != account_id:
                row.error(self.layout.column("contact_email"), "belongs to another account")
            new["contact"] = contact.pk if contact else None
        # The support room's rules, checked here to name the row's line: resolution time from the status.
        status = ticket.status if new.get("status", KEEP) is KEEP else new["status"]
        opened = ticket.opened_at if new.get("opened_at", KEEP) is KEEP else new["opened_at"]
        new["resolved_at"] = support.resolution_time(status, new.get("resolved_at") or ticket.resolved_at)
        error = support.times_error(opened, new["resolved_at"])
        if error:
            row.error(self.layout.column("resolved_at"), error)
        if not row.errors:
            self.apply(row, ticket, new)

    def write(self, created: list[Row], updated: list[Row]) -> None:
        support.create_tickets([r.obj for r in created], clean=False)
        support.update_tickets([(r.extra["stored"], self.changes(r)) for r in updated], clean=False)
