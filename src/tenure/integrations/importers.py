"""The CSV importers: one per kind of record, registered for ``tenure import KIND FILE.csv``.

Column names are matched ignoring case, spaces and hyphens; ``--map our_field=their column`` names others.
The general rules (keys, empty cells, dates, all-or-nothing) are in ``csv_import``'s docstring.

accounts
    Keys, matched in this order: ``crm_id``, ``billing_id``, ``product_group_id``, ``domain`` (the file needs
    at least one of these columns). Fields: ``name`` (required for a new account), ``industry``, ``segment``,
    ``stage`` (onboarding, adopting, mature, renewing, churned), ``owner`` (the owner CSM's username or email).
    Every other column is kept in the account's custom attributes under the column's name (an empty cell
    removes the attribute); ``--map custom.KEY=column`` stores a column under another name.

contacts
    Keys: ``email``, then ``product_user_id`` (one of them needed). The account is named by one of
    ``account_crm_id``, ``account_billing_id``, ``account_product_group_id``, ``account_domain`` (required for
    a new contact; given for an existing one, it moves the contact). Fields: ``name``, ``title``, ``roles``
    (relationship roles: executive_sponsor, champion, admin, user, billing, separated by ``;`` or ``,``),
    ``community_roles`` (maven, promoter, detractor), ``left_on`` (date).

subscriptions
    Key: ``external_id``, the billing system's subscription id (required column). Account: the ``account_…``
    columns, as for contacts. Fields: ``plan``, ``start_date`` (both required for a new subscription),
    ``seats``, ``mrr`` (an amount: 1250, 1,250.00 or $1250), ``currency`` (USD), ``end_date`` (the end of
    the term), ``status`` (trialing, active, past_due, canceled), ``billing_period`` (monthly, quarterly,
    annual), and ``effective_on``: the date the row's change took effect, for the history entry (by default
    the start date for a new subscription and, for a change, the billing service's rule: today, or the end
    date of a subscription cancelled after its term). Every new subscription and every change of a tracked
    field writes a history entry through ``tenure.billing.services``, so MRR movements can be rebuilt.

    End dates: the option ``end_dates`` (``--end-dates`` on the command line) says how the file writes them.
    ``inclusive`` (the default, Tenure's own convention): the last paid day, a monthly term is 2026-01-01 to
    2026-01-31. ``exclusive``: the next term's start, as billing systems export them (Stripe's
    ``current_period_end``), a monthly term is 2026-01-01 to 2026-02-01; they are stored one day earlier.
    Read with the wrong convention, a file either counts every renewal day twice (exclusive dates read as
    inclusive: both terms cover the day) or leaves a day unpaid before each renewal; the import warns when the
    file's terms of one account meet in the way the other convention would explain.

events
    Past product usage, e.g. a warehouse export, loaded through the same validation, de-duplication and
    rollups as the event API. The account is named by the ``account_…`` columns (required); ``user_id``,
    ``event`` and ``timestamp`` (ISO 8601) are required; ``message_id`` is optional (by default one is derived
    from the row, so importing the same file twice stores each event once); ``properties`` may hold a JSON
    object, and any other column becomes a property of the event.

tickets
    Key: ``external_id``, the helpdesk's ticket id (required column). Account: the ``account_…`` columns.
    ``contact_email`` optionally names the contact (who must be at the ticket's account). Fields: ``subject``
    and ``opened_at`` (both required for a new ticket), ``body``, ``category``, ``priority`` (low, normal,
    high, urgent), ``status`` (new, open, pending, solved, closed), ``resolved_at``, ``csat`` (1 to 5). The
    support service's rules apply: an unresolved ticket has no resolution time and a resolved one without a
    ``resolved_at`` is resolved now.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import EXTERNAL_ID_FIELDS, Account, CommunityRole, Contact, RelationshipRole
from tenure.billing import services as billing
from tenure.billing.models import TRACKED_FIELDS, Subscription
from tenure.integrations.csv_import import (
    CREATED,
    KEEP,
    SOURCE,
    Field,
    Importer,
    Row,
    parse_date,
    register,
)
from tenure.support import services as support
from tenure.support.models import Ticket
from tenure.usage import services as usage_services
from tenure.usage import store as usage_store
from tenure.usage.models import Event
from tenure.usage.protocol import InvalidMessage, backfill_message
from tenure.users.models import User

ONE_DAY, ZERO_DAYS = dt.timedelta(days=1), dt.timedelta(0)


def _by_lower(model, field: str, values: set[str]) -> dict[str, Any]:
    """Records whose ``field`` matches one of ``values`` ignoring case, keyed by the lower-cased value: one query
    that uses the ``Lower(field)`` unique index."""
    if not values:
        return {}
    keys = {v.lower() for v in values}
    return {obj._key: obj for obj in model.objects.annotate(_key=Lower(field)).filter(_key__in=keys)}


def _by_stored_lower(model, field: str, values: set[str]) -> dict[str, Any]:
    """Records by a value stored in lower case (domain, email), keyed by it: one query.

    The ``<> ''`` term lets SQLite and PostgreSQL use the partial unique index (``WHERE NOT field = ''``); with
    ``IN`` alone both scan the table, which made each chunk slower as the table grew.
    """
    if not values:
        return {}
    qs = model.objects.filter(**{f"{field}__in": {v.lower() for v in values}}).exclude(**{field: ""})
    return {getattr(obj, field): obj for obj in qs}


def find_accounts(key: str, values: set[str]) -> dict[str, Account]:
    """Accounts keyed by the lower-cased value of an external id or the domain (like accounts.services'
    find_accounts_by, but able to use the domain index)."""
    if key == "domain":
        return _by_stored_lower(Account, "domain", values)
    return _by_lower(Account, key, values)


# -- the account a contact, subscription or ticket belongs to -------------------------------------------------

ACCOUNT_REFS = {f"account_{key}": key for key in (*EXTERNAL_ID_FIELDS, "domain")}
ACCOUNT_REF_FIELDS = (
    Field("account_crm_id", "the account's crm_id", accounts.clean_external_id),
    Field("account_billing_id", "the account's billing_id", accounts.clean_external_id),
    Field("account_product_group_id", "the account's product_group_id", accounts.clean_external_id),
    Field("account_domain", "the account's domain", accounts.normalize_domain),
)


class BelongsToAccount(Importer):
    """For records that name their account by one of the ``account_…`` columns."""

    def load_accounts(self, rows: list[Row]) -> None:
        self.accounts = {
            ref: find_accounts(key, self.values_of(rows, ref))
            for ref, key in ACCOUNT_REFS.items()
            if ref in self.layout.fields
        }

    def account_id(self, row: Row, obj) -> int | None:
        """The account the row names; the record's own for an existing record that names none."""
        column = self.layout.column
        found, found_ref = None, None
        for ref, key in ACCOUNT_REFS.items():
            value = row.values.get(ref)
            if not value:
                continue
            account = self.accounts[ref].get(value.lower())
            if account is None:
                row.error(column(ref), f"no account has the {key} {value!r}")
                return None
            if found is not None and account.pk != found.pk:
                row.error(
                    column(ref),
                    f"{value!r} is the account '{account}', but {column(found_ref)} names the account '{found}'",
                )
                return None
            found, found_ref = account, ref
        if found is not None:
            return found.pk
        if obj.pk is None:
            present = [ref for ref in ACCOUNT_REFS if ref in self.layout.fields]
            row.error(
                column(present[0]) if present else "",
                f"a new {self.noun} needs its account: give account_crm_id, account_billing_id, "
                f"account_product_group_id or account_domain",
            )
        return obj.account_id


# -- accounts ---------------------------------------------------------------------------------------------


@register
class AccountImporter(Importer):
    kind = "accounts"
    noun = "account"
    model = Account
    description = "customer companies, matched by crm_id, billing_id, product_group_id, then domain"
    fields = (
        Field("crm_id", "key: the CRM's account id", accounts.clean_external_id),
        Field("billing_id", "key: the billing system's customer id", accounts.clean_external_id),
        Field("product_group_id", "key: the groupId the product sends in events", accounts.clean_external_id),
        Field("domain", "key: web domain (https://www.acme.com/ is stored as acme.com)", accounts.normalize_domain),
        Field("name", "company name (required for a new account)"),
        Field("industry", "industry"),
        Field("segment", "segment or tier"),
        Field("stage", "lifecycle stage: onboarding, adopting, mature, renewing or churned"),
        Field("owner", "the owner CSM's username or email"),
    )
    key_fields = ("crm_id", "billing_id", "product_group_id", "domain")
    fixed_keys = EXTERNAL_ID_FIELDS
    required_columns = (key_fields,)
    required_to_create = ("name",)
    keeps_custom = True

    def prepare(self) -> None:
        self.users_by_name: dict[str, User] = {}
        self.users_by_email: dict[str, list[User]] = defaultdict(list)
        if "owner" in self.layout.fields:  # users are few: one query for the whole file
            for user in User.objects.only("id", "username", "email", "is_active", "first_name", "last_name"):
                self.users_by_name[user.username.lower()] = user
                if user.email:
                    self.users_by_email[user.email.lower()].append(user)

    def parse_owner(self, text: str) -> User:
        key = text.lower()
        user = self.users_by_name.get(key)
        if user is None:
            matches = self.users_by_email.get(key, [])
            if len(matches) > 1:
                raise ValueError(f"{text!r} is the email of {len(matches)} users; give the username")
            user = matches[0] if matches else None
        if user is None:
            raise ValueError(f"no user has the username or email {text!r}")
        if not user.is_active:
            raise ValueError(f"{user.username} is not an active user")
        return user

    def load(self, rows: list[Row]) -> None:
        self.found = {
            key: find_accounts(key, self.values_of(rows, key))
            for key in self.key_fields
            if key in self.layout.fields
        }

    def build(self, row: Row) -> None:
        matched = self.match(row, self.found)
        if row.errors:
            return
        # Changes are made on a copy: the accounts service compares them with the stored account.
        account = copy.copy(matched) if matched else Account()
        row.extra["stored"] = matched
        new: dict[str, Any] = {}
        self.set_keys(row, account, new)
        for name in ("name", "industry", "segment", "stage"):
            if name in self.layout.fields:
                new[name] = row.values[name]
        if "owner" in self.layout.fields:
            owner = row.values["owner"]
            new["owner"] = owner.pk if owner else None
        if row.custom:
            custom = dict(account.custom or {})
            for key, value in row.custom.items():
                if value:
                    custom[key] = value
                else:
                    custom.pop(key, None)
            new["custom"] = custom
        if not row.errors:
            self.apply(row, account, new)

    def write(self, created: list[Row], updated: list[Row]) -> None:
        # Through the accounts room: a new owner clears assigned_by_rule and is written on the timeline.
        accounts.create_accounts([r.obj for r in created], clean=False)
        accounts.update_accounts([(r.extra["stored"], self.changes(r)) for r in updated], source=SOURCE,
                                 clean=False)


# -- contacts ---------------------------------------------------------------------------------------------


@register
class ContactImporter(BelongsToAccount):
    kind = "contacts"
    noun = "contact"
    model = Contact
    description = "people at customers, matched by email, then product_user_id"
    fields = (
        Field("email", "key: email address"),
        Field("product_user_id", "key: the userId the product sends in events", accounts.clean_external_id),
        *ACCOUNT_REF_FIELDS,
        Field("name", "full name"),
        Field("title", "job title"),
        Field("roles", "relationship roles separated by ';': " + ", ".join(RelationshipRole.values)),
        Field("community_roles", "community roles separated by ';': " + ", ".join(CommunityRole.values)),
        Field("left_on", "the date the person left the customer (YYYY-MM-DD)"),
    )
    key_fields = ("email", "product_user_id")
    fixed_keys = ("product_user_id",)
    required_columns = (key_fields,)

    def parse_email(self, text: str) -> str:
        email = accounts.normalize_email(text)
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"{text!r} is not an email address") from None
        return email

    def parse_roles(self, text: str) -> list[str]:
        roles = accounts.parse_roles(text)
        community = [r for r in roles if r in CommunityRole.values]
        if community:
            raise ValueError(f"{', '.join(community)}: a community role; put it in the community_roles column")
        return roles

    def parse_community_roles(self, text: str) -> list[str]:
        roles = accounts.parse_roles(text)
        other = [r for r in roles if r not in CommunityRole.values]
        if other:
            raise ValueError(
                f"{', '.join(other)}: not a community role ({', '.join(CommunityRole.values)}); "
                f"relationship roles go in the roles column"
            )
        return roles

    def load(self, rows: list[Row]) -> None:
        self.found = {
            "email": _by_stored_lower(Contact, "email", self.values_of(rows, "email")),
            "product_user_id": _by_lower(Contact, "product_user_id", self.values_of(rows, "product_user_id")),
        }
        self.load_accounts(rows)

    def build(self, row: Row) -> None:
        matched = self.match(row, self.found)
        if row.errors:
            return
        contact = copy.copy(matched) if matched else Contact()
        row.extra["stored"] = matched
        new: dict[str, Any] = {}
        self.set_keys(row, contact, new)
        new["account"] = self.account_id(row, contact)
        for name in ("name", "title", "left_on"):
            if name in self.layout.fields:
                new[name] = row.values[name]
        for column, choices in (("roles", RelationshipRole.values), ("community_roles", CommunityRole.values)):
            if column in self.layout.fields:
                chosen = row.values[column] or []
                new.update({f"is_{r}": r in chosen for r in choices})
        if not row.errors:
            self.apply(row, contact, new)

    def write(self, created: list[Row], updated: list[Row]) -> None:
        accounts.create_contacts([r.obj for r in created], clean=False)
        accounts.update_contacts([(r.extra["stored"], self.changes(r)) for r in updated], clean=False)


# -- subscriptions ----------------------------------------------------------------------------------------


@register
class SubscriptionImporter(BelongsToAccount):
    kind = "subscriptions"
    noun = "subscription"
    model = Subscription
    description = "what accounts pay for, matched by external_id (the billing system's subscription id)"
    fields = (
        Field("external_id", "key: the billing system's subscription id"),
        *ACCOUNT_REF_FIELDS,
        Field("plan", "plan name (required for a new subscription)"),
        Field("seats", "seats purchased (a whole number)"),
        Field("mrr", "monthly recurring revenue (1250, 1,250.00 or $1250)", billing.parse_money),
        Field("currency", "three-letter currency code (USD)"),
        Field("start_date", "start of the term, YYYY-MM-DD (required for a new subscription)"),
        Field("end_date", "end of the term, YYYY-MM-DD: the last paid day, or the next term's start with "
                          "--end-dates exclusive"),
        Field("status", "trialing, active, past_due or canceled"),
        Field("billing_period", "monthly, quarterly or annual"),
        Field("effective_on", "the date this row's change took effect, YYYY-MM-DD (for the history)", parse_date),
    )
    key_fields = ("external_id",)
    fixed_keys = ("external_id",)
    required_columns = (("external_id",),)
    required_to_create = ("plan", "start_date")
    options = {"end_dates": (
        ("auto", "decided from the file (the default): exclusive when the terms of an account meet on one day "
                 "(one ends on the day the next starts), inclusive otherwise; the import says which it chose"),
        (billing.EndDates.INCLUSIVE, "end_date is the last paid day: a monthly term is 2026-01-01 to 2026-01-31 "
                                     "(Tenure's own convention)"),
        (billing.EndDates.EXCLUSIVE, "end_date is the next term's start, as billing systems export it (Stripe's "
                                     "current_period_end): 2026-01-01 to 2026-02-01; stored one day earlier"),
    )}
    end_dates: str

    def prepare(self) -> None:
        if self.end_dates == "auto":  # a stream that could not be read twice: Tenure's own convention
            self.end_dates = billing.EndDates.INCLUSIVE
        # Each account's terms as the file writes them, for the convention check in ``finish``: account id ->
        # start dates (with their line) and (end date as written, line) pairs.
        self.starts: dict[int, dict] = defaultdict(dict)
        self.ends: dict[int, list] = defaultdict(list)

    @classmethod
    def detect_options(cls, layout, records) -> tuple[dict[str, str], list[str]]:
        """Exclusive when more terms end on the day another term of their account starts than on the day
        before one does; inclusive otherwise (Tenure's own convention, and the safe reading of a file whose
        terms never meet)."""
        columns = layout.fields
        if "start_date" not in columns or "end_date" not in columns:
            return {"end_dates": billing.EndDates.INCLUSIVE}, []
        refs = [columns[name] for name in ACCOUNT_REFS if name in columns]
        starts: dict[tuple, set] = defaultdict(set)
        ends: dict[tuple, list] = defaultdict(list)
        width = len(layout.header)
        for record in records:
            if len(record) != width:
                continue
            try:
                start = parse_date(record[columns["start_date"]].strip())
                end = parse_date(record[columns["end_date"]].strip()) if record[columns["end_date"]].strip() else None
            except (ValueError, ValidationError):
                continue
            key = tuple(record[i].strip().lower() for i in refs)
            starts[key].add(start)
            if end is not None:
                ends[key].append(end)
        same_day = sum(1 for key, days in ends.items() for end in days if end in starts[key])
        day_after = sum(1 for key, days in ends.items() for end in days if end + ONE_DAY in starts[key])
        if same_day > day_after:
            return {"end_dates": billing.EndDates.EXCLUSIVE}, [
                f"End dates read as exclusive (the next term's start, stored one day earlier): {same_day} terms end "
                f"on the day their account's next term starts. Use --end-dates inclusive if end_date is the last "
                f"paid day."]
        note = (f"End dates read as inclusive (the last paid day): {day_after} terms end the day before their "
                f"account's next term starts." if day_after else "")
        return {"end_dates": billing.EndDates.INCLUSIVE}, [note] if note else []

    def parse_external_id(self, text: str) -> str:
        return text

    def parse_end_date(self, text: str):
        return billing.stored_end_date(parse_date(text), self.end_dates)

    def parse_currency(self, text: str) -> str:
        code = text.upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"{text!r} is not a three-letter currency code such as USD")
        return code

    def load(self, rows: list[Row]) -> None:
        self.found = {"external_id": _by_lower(Subscription, "external_id", self.values_of(rows, "external_id"))}
        self.load_accounts(rows)

    def build(self, row: Row) -> None:
        matched = self.match(row, self.found)
        sub = copy.copy(matched) if matched else Subscription()
        row.extra["stored"] = matched
        new: dict[str, Any] = {}
        self.set_keys(row, sub, new)
        new["account"] = self.account_id(row, sub)
        for name in TRACKED_FIELDS:
            if name in self.layout.fields:
                new[name] = row.values[name]
        start = sub.start_date if new.get("start_date", KEEP) is KEEP else new["start_date"]
        end = new.get("end_date", sub.end_date)
        exclusive = self.end_dates == billing.EndDates.EXCLUSIVE
        if start and end and end < start:
            row.error(self.layout.column("end_date"), (
                "is the start date: with exclusive end dates a term ends after the day it starts"
                if exclusive and end + ONE_DAY == start else "is before the start date"))
        if row.errors:
            return
        self.apply(row, sub, new)
        if not row.errors and new.get("account") and start and new.get("end_date"):
            self.starts[new["account"]].setdefault(start, row.line)
            self.ends[new["account"]].append((new["end_date"] + (ONE_DAY if exclusive else ZERO_DAYS), row.line))

    def finish(self) -> list[str]:
        """A hint when the file's terms meet as the other end-date convention would write them: a term that
        ends on the day another term of its account starts (read as inclusive, that day is paid twice), or,
        read as exclusive, a term whose written end is the day before another's start (a day left unpaid)."""
        exclusive = self.end_dates == billing.EndDates.EXCLUSIVE
        shift = ONE_DAY if exclusive else ZERO_DAYS
        terms = sum(len(e) for e in self.ends.values())
        suspicious = [(line, written, self.starts[account][written + shift])
                      for account, ends in self.ends.items() for written, line in ends
                      if self.starts[account].get(written + shift, line) != line]
        if not suspicious:
            return []
        line, written, next_line = min(suspicious)
        if exclusive:
            return [f"{len(suspicious)} of {terms} terms end the day before another term of their account "
                    f"starts (line {line} ends {written}, line {next_line} starts {written + ONE_DAY}). Read as "
                    f"exclusive end dates, that last day is unpaid; if end_date is the last paid day, import "
                    f"with inclusive end dates (--end-dates inclusive)."]
        return [f"{len(suspicious)} of {terms} terms end on the day another term of their account starts "
                f"(line {line} ends {written}, line {next_line} starts on it). Read as inclusive end dates, that "
                f"day is paid twice and its MRR counted twice; if end_date is the next term's start, as billing "
                f"systems export it (Stripe's current_period_end), import with exclusive end dates "
                f"(--end-dates exclusive)."]

    def write(self, created: list[Row], updated: list[Row]) -> None:
        # Through the billing room, which writes the history entries (dated by its own rule unless the row
        # gives effective_on).
        billing.create_subscriptions([r.obj for r in created], source=SOURCE, clean=False,
                                     effective_on=[r.values.get("effective_on") for r in created])
        billing.update_subscriptions(
            [(r.extra["stored"], {**self.changes(r), "effective_on": r.values.get("effective_on")}) for r in updated],
            source=SOURCE, clean=False,
        )


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


# -- events (usage history backfill) ---------------------------------------------------------------------


class _Occurrences:
    """How often each row's content appeared earlier in the file: its occurrence number among identical rows.

    Two identical rows (same account, user, event, second and properties) are two events, so each gets its own
    message id; numbering them in file order keeps the ids the same when the file is imported again. The rows
    seen are kept as 8-byte digests in one sorted array (24 MB for 3 million rows), not as text.
    """

    def __init__(self):
        self.seen = np.empty(0, dtype=np.uint64)

    def number(self, keys: list[int]) -> list[int]:
        """Occurrence numbers (0 for the first) of these keys, in order, counting every key numbered before."""
        if not keys:
            return []
        new = np.array(keys, dtype=np.uint64)
        earlier = np.searchsorted(self.seen, new, "right") - np.searchsorted(self.seen, new, "left")
        order = np.argsort(new, kind="stable")
        ranked = new[order]
        starts = np.r_[True, ranked[1:] != ranked[:-1]]
        group_start = np.maximum.accumulate(np.where(starts, np.arange(len(ranked)), 0))
        within = np.empty(len(new), dtype=np.int64)
        within[order] = np.arange(len(ranked)) - group_start
        self.seen = np.insert(self.seen, np.searchsorted(self.seen, ranked), ranked)
        return (earlier + within).tolist()


class _NoEvent:
    """What account_id() asks of a record that does not exist yet (an Event() costs a model instance a row)."""

    pk = None
    account_id = None


@register
class EventImporter(BelongsToAccount):
    kind = "events"
    noun = "event"
    model = Event
    description = "past product usage: one tracked event a row, for an account named by an account_… column"
    fields = (
        *ACCOUNT_REF_FIELDS,
        Field("user_id", "the product's user id (required)"),
        Field("event", "the event name, e.g. Report Exported (required)"),
        Field("timestamp", "when it happened, ISO 8601 (required)"),
        Field("message_id", "a unique id; by default derived from the row, so re-imports store nothing twice"),
        Field("properties", "a JSON object of event properties"),
    )
    required_columns = (tuple(ACCOUNT_REFS), ("user_id",), ("event",), ("timestamp",))
    keeps_custom = True  # other columns become event properties
    resumable = True  # a usage history can be millions of rows: stored chunk by chunk, visible when complete
    chunk_rows = 20_000  # a transaction each: larger chunks write fewer index pages again, smaller hold less

    def parse_properties(self, text: str) -> dict:
        try:
            value = json.loads(text)
        except ValueError:
            raise ValueError("is not a JSON object") from None
        if not isinstance(value, dict):
            raise ValueError("is not a JSON object")
        return value

    def prepare(self) -> None:
        self.occurrences = _Occurrences()
        self.received_at = timezone.now()
        self.backfill = None

    def load(self, rows: list[Row]) -> None:
        self.load_accounts(rows)
        column = self.layout.column
        derived: list[tuple[Row, str]] = []
        for row in rows:
            if row.errors:
                continue
            account_id = self.account_id(row, _NoEvent)
            values = row.values
            for name in ("user_id", "event", "timestamp"):
                if not values.get(name):
                    row.error(column(name), "is required")
            if row.errors:
                continue
            properties = {**{k: v for k, v in row.custom.items() if v}, **(values.get("properties") or {})}
            timestamp = values["timestamp"].isoformat()
            row.extra.update(account_id=account_id, properties=properties, timestamp=timestamp)
            if not values.get("message_id"):
                # The digest of the row's content (as before occurrence numbers, so files imported earlier match).
                content = json.dumps([account_id, values["user_id"], values["event"], timestamp, properties],
                                     sort_keys=True, default=str)
                derived.append((row, hashlib.sha256(content.encode()).hexdigest()[:32]))
        numbers = self.occurrences.number([int(digest[:16], 16) for _, digest in derived])
        for (row, digest), number in zip(derived, numbers, strict=True):
            # The second of identical rows is "-2", the third "-3": each its own event.
            row.values["message_id"] = f"import-{digest}" + (f"-{number + 1}" if number else "")
        for row in rows:
            if row.errors:
                continue
            values, extra = row.values, row.extra
            try:
                message = backfill_message(values["message_id"], values["user_id"], values["event"],
                                           values["timestamp"], extra["properties"], self.received_at)
            except InvalidMessage as exc:
                row.error("", str(exc))
                continue
            message.account_id = extra["account_id"]
            extra["message"] = message
            row.action = CREATED

    def begin(self, source: str) -> None:
        self.backfill = usage_services.begin_backfill(source)

    def stage(self, rows: list[Row], last_line: int) -> None:
        done = self.backfill.lines_done
        usage_services.stage_backfill(
            self.backfill, [r.extra["message"] for r in rows if r.line > done], lines_done=max(done, last_line)
        )

    def count(self, rows: list[Row]) -> int:
        ids = {r.extra["message"].message_id for r in rows}
        stored = usage_store.existing_message_ids(ids)
        return len(ids - stored)

    def complete(self) -> tuple[int, int]:
        backfill = usage_services.complete_backfill(self.backfill)
        return backfill.created, backfill.unchanged

    def discard(self) -> None:
        usage_services.discard_backfill(self.backfill)
