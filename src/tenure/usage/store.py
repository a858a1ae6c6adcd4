"""How raw events and rollups are written. The only module that knows their SQL.

Raw events are appended with ON CONFLICT DO NOTHING on the message id, so a retried request is stored once;
rollups are upserted by adding the new counts, never by rescanning raw events. The statements are the same
on SQLite (3.35+) and PostgreSQL.
"""

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from tenure.usage.models import (
    DailyAccountActivity,
    DailyFeatureUsage,
    DailyUserActivity,
    DailyUserFeature,
    Event,
    Feature,
)

EVENT_COLUMNS = (
    "message_id", "type", "event", "user_id", "anonymous_id", "account_id", "timestamp",
    "original_timestamp", "sent_at", "received_at", "write_key_id", "payload", "backfill_id",
)
_ROWS_PER_INSERT = 400  # 13 columns x 400 rows stays well under SQLite's bound-variable limit


def _sqlite_time(value: dt.datetime | None) -> str | None:
    # What Django's SQLite backend stores for an aware datetime: naive UTC text. Inlined: this runs per event.
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return _sqlite_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(rows) -> list[tuple]:
    """Parameters as the backend wants them: SQLite gets dates as ISO text, as Django itself stores them."""
    if connection.vendor != "sqlite":
        return [tuple(r) for r in rows]
    memo: dict = {}  # the same few days recur on every row of a batch

    def convert(v):
        if isinstance(v, dt.date):
            if v not in memo:
                memo[v] = _sqlite_value(v)
            return memo[v]
        return v

    return [tuple(convert(v) for v in r) for r in rows]


_TIME_COLUMNS = {"timestamp", "original_timestamp", "sent_at", "received_at"}


def insert_events(rows: Sequence[dict]) -> set[str]:
    """Append events; return the message ids that were new (the rest were already stored)."""
    sqlite = connection.vendor == "sqlite"
    table = connection.ops.quote_name(Event._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in EVENT_COLUMNS)
    inserted: set[str] = set()
    memo: dict[dt.datetime, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start : start + _ROWS_PER_INSERT]
            values = ", ".join(["(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"] * len(chunk))
            params = []
            for row in chunk:
                for c in EVENT_COLUMNS:
                    value = row.get(c)
                    if c == "payload":
                        value = json.dumps(value)
                    elif sqlite and c in _TIME_COLUMNS and value is not None:
                        # received_at is shared by a batch and the client time is usually the event time.
                        converted = memo.get(value)
                        if converted is None:
                            converted = memo[value] = _sqlite_time(value)
                        value = converted
                    params.append(value)
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT (message_id) DO NOTHING "
                f"RETURNING message_id",
                params,
            )
            inserted.update(r[0] for r in cursor.fetchall())
    return inserted


def append_events(messages, backfill_id: int | None = None) -> int:
    """Append events from messages (protocol.Message) whose account is named; return how many were new (a
    message id already stored is skipped). The bulk path: nobody needs to know which ids were new."""
    sqlite = connection.vendor == "sqlite"
    table = connection.ops.quote_name(Event._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in EVENT_COLUMNS)
    memo: dict[dt.datetime, str] = {}

    def time(value):
        if value is None or not sqlite:
            return value
        converted = memo.get(value)
        if converted is None:
            converted = memo[value] = _sqlite_time(value)
        return converted

    rows = [
        (m.message_id, m.type, m.event, m.user_id, m.anonymous_id, m.account_id, time(m.timestamp),
         time(m.original_timestamp), time(m.sent_at), time(m.received_at), None,
         m.payload_json or json.dumps(m.payload), backfill_id)
        for m in messages
    ]
    # Multi-row statements: on PostgreSQL a statement per row is a round trip per row.
    one = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"
    new = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start : start + _ROWS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(chunk))} ON CONFLICT (message_id) "
                f"DO NOTHING",
                [value for row in chunk for value in row],
            )
            new += cursor.rowcount
    return new


def backfill_events(backfill_id: int, after_id: int, limit: int) -> list[tuple]:
    """The next ``limit`` events of a backfill after event id ``after_id``, oldest first, as (id, type, account_id,
    timestamp, event, user_id, anonymous_id): what its rollups need. Walks the primary key from the backfill's
    first id (no index on backfill_id: it would cost every insert)."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, type, account_id, timestamp, event, user_id, anonymous_id FROM {table} "
            f"WHERE id > %s AND backfill_id = %s ORDER BY id LIMIT %s",
            [after_id, backfill_id, limit],
        )
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":  # naive UTC (see _sqlite_time), as Django's converter reads it back
        rows = [(i, t, a, ts.replace(tzinfo=dt.UTC), *rest) for i, t, a, ts, *rest in rows]
    return rows


def delete_backfill_events(backfill_id: int, after_id: int, limit: int) -> int:
    """Delete up to ``limit`` events of a backfill (by id range, for short transactions); return how many."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id > %s AND backfill_id = %s ORDER BY id LIMIT 1 OFFSET %s",
            [after_id, backfill_id, limit - 1],
        )
        last = cursor.fetchone()
        bound, params = ("AND id <= %s", [last[0]]) if last else ("", [])
        cursor.execute(f"DELETE FROM {table} WHERE id > %s AND backfill_id = %s {bound}",
                       [after_id, backfill_id, *params])
        return cursor.rowcount


def existing_message_ids(message_ids: Iterable[str]) -> set[str]:
    """Which of these message ids are already stored (plain SQL: the ORM's per-parameter work showed up here)."""
    ids = list(set(message_ids))
    found: set[str] = set()
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            cursor.execute(
                f"SELECT message_id FROM {table} WHERE message_id IN ({', '.join(['%s'] * len(chunk))})", chunk
            )
            found.update(r[0] for r in cursor.fetchall())
    return found


def _upsert(model, key: tuple[str, ...], rows: list[tuple], add: tuple[str, ...], stamp: str = "") -> None:
    """INSERT rows (key columns then `add` columns); on conflict add the new amounts to the stored ones.
    ``stamp`` names a column set to now on every write, which change detection (tenure.jobs) watches."""
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    cols = [*key, *add]
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in add)
    if stamp:
        now = timezone.now()
        now = _sqlite_time(now) if connection.vendor == "sqlite" else now
        cols.append(stamp)
        rows = [(*r, now) for r in rows]
        updates += f", {q(stamp)} = excluded.{q(stamp)}"
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in key)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _recount(model, key: tuple[str, ...], target: str, source_model, keys: list[tuple]) -> None:
    """Set `target` to the number of rows in the per-user table that share the key: distinct users."""
    if not keys:
        return
    q = connection.ops.quote_name
    table, source = q(model._meta.db_table), q(source_model._meta.db_table)
    match = " AND ".join(f"s.{q(c)} = %s" for c in key)
    where = " AND ".join(f"{q(c)} = %s" for c in key)
    sql = f"UPDATE {table} SET {q(target)} = (SELECT COUNT(*) FROM {source} s WHERE {match}) WHERE {where}"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*k, *k) for k in keys])


def add_to_rollups(usage: Iterable[tuple[int, dt.date, str, str, bool]]) -> None:
    """Fold new usage events, as (account_id, day, event, user_key, is_login), into every rollup.

    The shared per-account rows are upserted first: on PostgreSQL that locks them until commit, so two
    requests touching the same account and day recount distinct users one after the other, never both
    from a stale view.
    """
    feature, user_feature, account_day = Counter(), Counter(), Counter()
    account_logins, user_day, user_logins = Counter(), Counter(), Counter()
    sqlite = connection.vendor == "sqlite"
    days: dict[dt.date, object] = {}  # each day adapted once (SQLite stores ISO text), not each row's
    for account_id, day, event, user_key, is_login in usage:
        as_param = days.get(day)
        if as_param is None:
            as_param = days[day] = day.isoformat() if sqlite else day
        day = as_param
        feature[(account_id, day, event)] += 1
        user_feature[(account_id, day, event, user_key)] += 1
        account_day[(account_id, day)] += 1
        user_day[(account_id, day, user_key)] += 1
        if is_login:
            account_logins[(account_id, day)] += 1
            user_logins[(account_id, day, user_key)] += 1
    feature_keys = sorted(feature)
    day_keys = sorted(account_day)
    _upsert(DailyFeatureUsage, ("account_id", "day", "event"), [(*k, feature[k], 0) for k in feature_keys],
            ("count", "users"))
    _upsert(DailyAccountActivity, ("account_id", "day"),
            [(*k, account_day[k], account_logins[k], 0) for k in day_keys], ("events", "logins", "active_users"),
            stamp="updated_at")
    _upsert(DailyUserFeature, ("account_id", "day", "event", "user_key"),
            [(*k, n) for k, n in sorted(user_feature.items())], ("count",))
    _upsert(DailyUserActivity, ("account_id", "day", "user_key"),
            [(*k, n, user_logins[k]) for k, n in sorted(user_day.items())], ("events", "logins"))
    _recount(DailyFeatureUsage, ("account_id", "day", "event"), "users", DailyUserFeature, feature_keys)
    _recount(DailyAccountActivity, ("account_id", "day"), "active_users", DailyUserActivity, day_keys)


def touch_features(seen: dict[str, tuple[dt.datetime, dt.datetime]]) -> None:
    """Add event names to the feature catalog and widen their first/last seen times."""
    if not seen:
        return
    q = connection.ops.quote_name
    table = q(Feature._meta.db_table)
    sql = (
        f"INSERT INTO {table} (event, friendly_name, module, is_key, first_seen, last_seen) "
        f"VALUES (%s, '', '', %s, %s, %s) ON CONFLICT (event) DO UPDATE SET "
        f"first_seen = CASE WHEN excluded.first_seen < {table}.first_seen "
        f"THEN excluded.first_seen ELSE {table}.first_seen END, "
        f"last_seen = CASE WHEN excluded.last_seen > {table}.last_seen "
        f"THEN excluded.last_seen ELSE {table}.last_seen END"
    )
    rows = [(event, False, first, last) for event, (first, last) in sorted(seen.items())]
    with connection.cursor() as cursor:
        cursor.executemany(sql, _rows(rows))
