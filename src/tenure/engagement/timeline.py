"""The account timeline: touches and the recorded changes to the account's own records, newest first.

Touches are what people did with the customer; changes (from the audit trail) are what changed in Tenure about
them: a contact's role, a departure, a subscription's seats, an owner. Automatic tasks stay in the tasks panel: a
task shows here only when a person opened or changed it, else the work queue would bury the touches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from tenure.accounts.models import Contact
from tenure.engagement.models import Touch
from tenure.engagement.services import latest_touches
from tenure.users.models import AuditEntry

PAGE = 15  # items per page of the timeline
# The records whose every change concerns the account's story; tasks only when a person touched them.
STORY_MODELS = ("accounts.account", "accounts.contact", "billing.subscription",
                "community.thread")  # a community thread its people started, and what moderators did to it
TASK_MODEL = "risk.task"
NAMES_SHOWN = 5  # a batch of created records names this many


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    flag: bool = False  # a yes/no field (a contact's role): said as "now champion", "no longer champion"

    @property
    def words(self) -> str:
        if self.flag:
            return f"now {self.label}" if self.new == "yes" else f"no longer {self.label}"
        return ""


@dataclass
class Change:
    """One person's (or process's) change to one record at one moment, or a batch of records created at once."""

    at: dt.datetime
    who: str
    action: str  # AuditEntry.Action
    what: str  # the kind of record, in words: "contact", "subscription"
    what_plural: str
    names: list[str] = field(default_factory=list)  # the records' names
    count: int = 1
    fields: list[FieldChange] = field(default_factory=list)
    oldest: dt.datetime | None = None  # the batch's earliest entry: the next page starts before it

    is_change = True

    @property
    def more_names(self) -> int:
        return self.count - len(self.names)


@dataclass
class TimelinePage:
    items: list  # Touch (kind "touch") and Change, newest first
    older: dt.datetime | None  # where the next page starts, None when this is the last


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _value(field, value: str) -> str:
    """A recorded value as a person reads it: a day as "3 Dec 2026", an amount with its thousands."""
    if field.choices and value:  # the bulk services record a choice's key
        return str(dict(field.flatchoices).get(value, value))
    try:
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField) and value:
            return f"{dt.date.fromisoformat(value):%-d %b %Y}"
        if isinstance(field, models.DecimalField) and value:
            return f"{Decimal(value):,.2f}".removesuffix(".00")
    except (ValueError, ArithmeticError):
        pass  # recorded before the field changed type: shown as it was recorded
    return value


def _field_change(model, name: str, old: str, new: str) -> FieldChange:
    field = _field(model, name)
    if field is None:
        return FieldChange(name.replace("_", " "), old, new)
    flag = isinstance(field, models.BooleanField) and {old, new} <= {"yes", "no"}
    return FieldChange(str(field.verbose_name), _value(field, old), _value(field, new), flag)


def _kind_labels(label: str) -> tuple[str, str]:
    model = _model(label)
    if model is None:
        name = label.rsplit(".", 1)[-1]
        return name, name + "s"
    return str(model._meta.verbose_name), str(model._meta.verbose_name_plural)


def _changes(account_id: int, before: dt.datetime | None, limit: int) -> list[Change]:
    entries = AuditEntry.objects.filter(
        Q(model__in=STORY_MODELS) | Q(model=TASK_MODEL, actor__isnull=False), account_id=account_id)
    if before is not None:
        entries = entries.filter(at__lt=before)
    # Enough entries for ``limit`` changes of a few fields each; a longer batch continues on the next page.
    rows = list(entries.order_by("-at", "-pk").values_list(
        "at", "actor_label", "action", "model", "object_id", "object_repr", "field", "old", "new")[: limit * 8])
    changes: list[Change] = []
    created = AuditEntry.Action.CREATE

    def batch(row):  # records created together (an import, a form) are one item; edits are one per record
        at, who, action, model, object_id = row[:5]
        return at.replace(microsecond=0), who, action, model, None if action == created else object_id

    for (_second, who, action, label, _), group in groupby(rows, key=batch):
        group = list(group)
        model = _model(label)
        what, plural = _kind_labels(label)
        names = list(dict.fromkeys(r[5] for r in group))
        changes.append(Change(
            at=group[0][0], who=who, action=action, what=what, what_plural=plural, names=names[:NAMES_SHOWN],
            count=len(names),
            fields=[_field_change(model, r[6], r[7], r[8]) for r in reversed(group) if r[6]],
            oldest=group[-1][0],
        ))
    return changes


def account_timeline(account, contacts: list[Contact], before: dt.datetime | None = None,
                     limit: int = PAGE) -> TimelinePage:
    """The account's latest ``limit`` timeline items strictly before ``before`` (all when None).
    ``contacts``: the account's contacts as the page read them (see ``latest_touches``)."""
    touches = latest_touches(account, limit + 1, contacts, before=before)
    changes = _changes(account.pk, before, limit + 1)
    items = sorted([*touches, *changes], key=lambda i: i.occurred_at if isinstance(i, Touch) else i.at,
                   reverse=True)
    if len(items) <= limit:
        return TimelinePage(items, None)
    items = items[:limit]
    last = items[-1]
    return TimelinePage(items, last.occurred_at if isinstance(last, Touch) else last.oldest)
