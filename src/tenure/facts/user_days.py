"""Distinct users over many days at once (the health backfill's grid of days): the per-user usage rows read once,
each day's windows counted with numpy. ``load_facts_on_days`` uses it; tests prove it equals ``load_facts`` day by
day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db import connection

from tenure.facts import account as a
from tenure.facts.days import day_number, day_numbers
from tenure.facts.moments import DAY, span
from tenure.usage.models import DailyUserActivity, DailyUserFeature


def _usage_windows(as_of: dt.date, w: a.Windows) -> tuple[tuple[dt.date, dt.date], ...]:
    """The active-user windows as of a day: now, the window just before, and the "earlier" one (first, last)."""
    start = as_of - span(w.usage - 1)
    earlier_end = as_of - span(w.earlier)
    return (start, as_of), (start - span(w.usage), start - DAY), (earlier_end - span(w.usage - 1), earlier_end)


def _feature_windows(as_of: dt.date, w: a.Windows) -> tuple[tuple[dt.date, dt.date], ...]:
    """A key feature's windows as of a day: now, and the two usage windows before it (first, last)."""
    start = as_of - span(w.usage - 1)
    return (start, as_of), (start - span(2 * w.usage), start - DAY)


class UserDays:
    """Who was active on which days, per group (an account, an account's feature), from per-user rollup rows:
    counts each group's distinct users with a day in any window, for as many windows as asked, without reading
    the rows again. ``groups``, ``users`` and ``day_numbers`` are equal-length integer arrays, one row each."""

    def __init__(self, groups, users, day_numbers) -> None:
        group_of_row, found = pd.factorize(np.asarray(groups, dtype="int64"))
        self.code = {int(g): i for i, g in enumerate(found)}  # group -> its place in a count
        users, day_numbers = np.asarray(users, dtype="int64"), np.asarray(day_numbers, dtype="int64")
        self.first_day = int(day_numbers.min()) if len(day_numbers) else 0
        self.span = int(day_numbers.max()) - self.first_day + 1 if len(day_numbers) else 1
        pair_of_row, pairs = pd.factorize(group_of_row * (int(users.max()) + 1 if len(users) else 1) + users)
        self.group_of_pair = np.zeros(len(pairs), dtype="int64")
        self.group_of_pair[pair_of_row] = group_of_row
        # Each (group, user) pair's days as one sorted key, pair then day: a pair was active in a window when its
        # first key at or after the window's first day is within the window's last day.
        self.keys = np.sort(pair_of_row.astype("int64") * self.span + (day_numbers - self.first_day))
        self.pair_base = np.arange(len(pairs), dtype="int64") * self.span

    def count(self, first: int, last: int) -> np.ndarray:
        """Distinct users of each group (at its ``code``) with a day in [first, last] (day numbers)."""
        lo, hi = max(first - self.first_day, 0), min(last - self.first_day, self.span - 1)
        if lo > hi or not len(self.keys):
            return np.zeros(len(self.code), dtype="int64")
        at = np.searchsorted(self.keys, self.pair_base + lo)
        found = self.keys[np.minimum(at, len(self.keys) - 1)]
        active = (at < len(self.keys)) & (found <= self.pair_base + hi)
        return np.bincount(self.group_of_pair[active], minlength=len(self.code))


def raw_rows(qs) -> list[tuple]:
    """A query's rows as the database returns them, without Django's per-value conversion (hundreds of thousands
    of rollup rows: a date comes back as ISO text on SQLite, see ``days.day_numbers``)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


ROWS_AT_ONCE = 2_000_000  # more per-user rollup rows than this (a batch of large accounts): counted day by day


class _Counted:
    """The usage windows' distinct users of a batch of accounts on many days, from one read of the per-user
    rollups (``load_facts_on_days``): the same counts as the per-day queries in ``_usage`` and ``_features``,
    which answer instead when the rows would be too many to hold at once (``ROWS_AT_ONCE``)."""

    @classmethod
    def read(cls, ids: list[int], on_days: list[dt.date], w: a.Windows) -> _Counted | None:
        first = min(min(first for first, _ in _usage_windows(d, w)) for d in on_days)
        qs = DailyUserActivity.objects.filter(account_id__in=ids, day__range=(first, max(on_days)))
        return cls(ids, on_days, w, qs) if qs.count() <= ROWS_AT_ONCE else None

    def __init__(self, ids: list[int], on_days: list[dt.date], w: a.Windows, qs) -> None:
        self.ids, self.w = ids, w
        self.first_feature = min(_feature_windows(d, w)[1][0] for d in on_days)
        self.last = max(on_days)
        rows = raw_rows(qs.values_list("account_id", "day", "user_key"))
        accounts, day_values, users = zip(*rows, strict=True) if rows else ((), (), ())
        self.users = UserDays(np.asarray(accounts, dtype="int64"), pd.factorize(pd.Series(users, dtype="object"))[0],
                              day_numbers(day_values))
        self._features: tuple[tuple[str, ...], UserDays] | None = None

    def _window_counts(self, user_days: UserDays, window: tuple[dt.date, dt.date]) -> np.ndarray:
        return user_days.count(day_number(window[0]), day_number(window[1]))

    def active_users(self, ids, as_of: dt.date, facts) -> None:
        """The "usage" part's active users: the window ending on the day and the one before."""
        now, before, _ = _usage_windows(as_of, self.w)
        now, before = self._window_counts(self.users, now), self._window_counts(self.users, before)
        for account_id in ids:
            i = self.users.code.get(account_id)
            if i is not None:  # no rollup row in any window: no active users (the defaults)
                f = facts[account_id]
                f.active_users, f.active_users_before = int(now[i]), int(before[i])

    def active_users_earlier(self, ids, as_of: dt.date, facts) -> None:
        """The "usage_earlier" part: active users in the "earlier" window."""
        earlier = self._window_counts(self.users, _usage_windows(as_of, self.w)[2])
        for account_id in ids:
            i = self.users.code.get(account_id)
            if i is not None:
                facts[account_id].active_users_earlier = int(earlier[i])

    def feature_users(self, ids, as_of: dt.date, events: list[str]) -> list[tuple[int, str, int, int]] | None:
        """(account, event, users now, users before) for the key features the account's people used in the
        windows, as the per-day query returns them; None when there are too many rows to read at once."""
        if self._features is None or self._features[0] != tuple(events):
            qs = DailyUserFeature.objects.filter(account_id__in=self.ids, event__in=events,
                                                 day__range=(self.first_feature, self.last))
            if qs.count() > ROWS_AT_ONCE:
                return None
            rows = raw_rows(qs.values_list("account_id", "event", "day", "user_key"))
            accounts, names, day_values, users = zip(*rows, strict=True) if rows else ((), (), (), ())
            place = {event: i for i, event in enumerate(events)}
            groups = np.asarray(accounts, dtype="int64") * len(events) + np.asarray(
                [place[n] for n in names], dtype="int64")
            self._features = (tuple(events), UserDays(groups, pd.factorize(pd.Series(users, dtype="object"))[0],
                                                      day_numbers(day_values)))
        user_days = self._features[1]
        now, before = (self._window_counts(user_days, window) for window in _feature_windows(as_of, self.w))
        found = []
        for account_id in ids:
            for k, event in enumerate(events):
                i = user_days.code.get(account_id * len(events) + k)
                if i is not None and (now[i] or before[i]):
                    found.append((account_id, event, int(now[i]), int(before[i])))
        return found
