"""Stored moments and the days they fall on, and a batch of accounts as a filter: what every facts reader shares."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

DAY = dt.timedelta(days=1)


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of a local day: rows stamped before it happened on or before the previous day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def local_days():
    """The local day of a stored moment, as a function with the time zone looked up once: a reader converts
    thousands of moments, and a lookup per moment (a context-local read) was a tenth of loading the facts. In UTC
    the stored moment's own date is it."""
    zone = timezone.get_current_timezone()
    if getattr(zone, "key", None) in ("UTC", "Etc/UTC") or zone is dt.UTC:
        return dt.datetime.date
    return lambda value: value.astimezone(zone).date()


def span(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def among(ids, field: str = "account_id") -> Q:
    """A batch of accounts as a filter: a range when their ids run without a gap, as the batches of a refresh of
    every account do, which is far cheaper to build and to search than a list of a few hundred ids. Not for the
    daily usage tables: their key is (account, day, …), and only a list lets the database seek each account's
    days; a range of accounts reads every day of each."""
    ids = sorted(set(ids))
    if ids and ids[-1] - ids[0] == len(ids) - 1:
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return Q(**{f"{field}__in": ids})
