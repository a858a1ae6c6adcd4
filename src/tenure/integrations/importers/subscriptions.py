"""Subscriptions (and their history) from CSV, with the file's end-date convention."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError

from tenure.billing import services as billing
from tenure.billing.models import TRACKED_FIELDS, Subscription
from tenure.integrations.csv_import import (
    KEEP,
    SOURCE,
    Field,
    Row,
    parse_date,
    register,
)
from tenure.integrations.importers.common import (
    ACCOUNT_REF_FIELDS,
    ACCOUNT_REFS,
    ONE_DAY,
    ZERO_DAYS,
    BelongsToAccount,
    _by_lower,
)

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
