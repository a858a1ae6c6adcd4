"""How raw events and rollups are written. The only module that knows their SQL.

Raw events are appended once per message id: on SQLite with ON CONFLICT DO NOTHING on the event log's unique
index; on PostgreSQL, where the log is partitioned by month (tenure.usage.event_log), by claiming the ids in
SeenMessage first and copying in the rows that were new. A history import (``append_backfill_events``) stores
chunks of tens of thousands of events the same way, in fewer statements.
Rollups are counted from the event log in passes (``roll_up_events``): a pass reads the events after a cursor in
a few set-based statements and adds their counts to the stored ones, so no request waits on shared rollup rows
and no event is rescanned. The statements are the same on SQLite (3.35+) and PostgreSQL but for the local day.
"""

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from tenure.accounts.models import Account
from tenure.usage.models import (
    DailyAccountActivity,
    DailyFeatureUsage,
    DailyUserActivity,
    DailyUserFeature,
    Event,
    Feature,
    ProductUser,
    SeenMessage,
)
from tenure.usage.protocol import BackfillEvent

EVENT_COLUMNS = (
    "message_id", "type", "event", "user_id", "anonymous_id", "account_id", "timestamp",
    "original_timestamp", "sent_at", "received_at", "write_key_id", "payload", "backfill_id",
)
_HOLD_KEY = 0x7E4E_0001  # the advisory lock ingest holds shared while it appends events (PostgreSQL)
_ROWS_PER_INSERT = 400  # 13 columns x 400 rows stays well under SQLite's bound-variable limit


def _bound_cursor():
    """PostgreSQL: a cursor that sends its parameters apart from the statement (server-side binding), in Django's
    connection and transaction. A request's thousand message ids or user ids then travel as one array value,
    where Django's cursor rendered each into the SQL text in Python (a tenth of a batch's time)."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _json_list(values) -> str:
    """A list as one JSON parameter (PostgreSQL unpacks it with json_array_elements): encoded in C, where psycopg
    writes an array parameter element by element in Python."""
    return json.dumps(values, separators=(",", ":"))


def sqlite_time(value: dt.datetime | None) -> str | None:
    # What Django's SQLite backend stores for an aware datetime: naive UTC text. Inlined: this runs per event.
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


_TIME_COLUMNS = {"timestamp", "original_timestamp", "sent_at", "received_at"}
_FIRST_TIME, _LAST_TIME = EVENT_COLUMNS.index("timestamp"), EVENT_COLUMNS.index("received_at")  # adjacent


def insert_events(rows: Sequence[tuple]) -> set[str]:
    """Append events (tuples of EVENT_COLUMNS' values in that order, the payload as JSON text); return the message
    ids that were new (the rest are retries of stored ones and are skipped)."""
    if connection.vendor == "postgresql":
        return _copy_new_events(rows)
    return _insert_events_on_conflict(rows)


def _copy_new_events(rows: Sequence[tuple]) -> set[str]:
    """PostgreSQL: claim the rows' message ids in SeenMessage (one statement; a retry's id is there already, and
    a request bringing the same id at the same moment waits for this one), then COPY the rows whose ids were new
    into the month's partition of the event log: three statements however many rows."""
    if not rows:
        return set()
    i, r = EVENT_COLUMNS.index("message_id"), EVENT_COLUMNS.index("received_at")
    seen = connection.ops.quote_name(SeenMessage._meta.db_table)
    with connection.wrap_database_errors, _bound_cursor() as cursor:
        # The same statement takes the lock a rollup pass waits on (see committed_event_id) before the COPY draws
        # event ids: one round trip fewer per request.
        cursor.execute(
            f"INSERT INTO {seen} (message_id, received_at) SELECT u.m, %s::timestamptz "
            f"FROM (SELECT pg_advisory_xact_lock_shared(%s)) AS hold, "
            f"json_array_elements_text(%s::json) AS u(m) ON CONFLICT DO NOTHING RETURNING message_id",
            # One time for the claim: a batch shares its arrival time (the latest, should a chunk mix them).
            [max(row[r] for row in rows), _HOLD_KEY, _json_list([row[i] for row in rows])],
        )
        new = {m for (m,) in cursor.fetchall()}
        if new:
            table = connection.ops.quote_name(Event._meta.db_table)
            with cursor.copy(f"COPY {table} ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                pending = set(new)
                # The times as ISO text, each distinct one written once: a batch shares its arrival and sending
                # times, and psycopg's own conversion of a time cost more than the rest of the row.
                memo: dict = {None: None}
                for row in rows:
                    if row[i] in pending:  # once: a chunk may bring the same id twice
                        pending.discard(row[i])
                        times = []
                        for value in row[_FIRST_TIME:_LAST_TIME + 1]:
                            text = memo.get(value)
                            if text is None and value is not None:
                                text = memo[value] = value.isoformat()
                            times.append(text)
                        copy.write_row((*row[:_FIRST_TIME], *times, *row[_LAST_TIME + 1:]))
    return new


def _insert_events_on_conflict(rows: Sequence[tuple]) -> set[str]:
    """SQLite: multi-row INSERTs that skip a message id the event log's unique index already has."""
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
                for c, value in zip(EVENT_COLUMNS, row, strict=True):
                    if c in _TIME_COLUMNS and value is not None:
                        # received_at is shared by a batch and the client time is usually the event time.
                        converted = memo.get(value)
                        if converted is None:
                            converted = memo[value] = sqlite_time(value)
                        value = converted
                    params.append(value)
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT (message_id) DO NOTHING "
                f"RETURNING message_id",
                params,
            )
            inserted.update(r[0] for r in cursor.fetchall())
    return inserted


def append_backfill_events(events: Sequence[BackfillEvent], backfill_id: int, received_at: dt.datetime) -> int:
    """Append a history import's events (protocol.BackfillEvent: past track events that name their account),
    marked with its backfill; return how many were new (a message id already stored is skipped). One prepared
    statement for the chunk on SQLite, the event API's claim-then-COPY on PostgreSQL."""
    if not events:
        return 0
    if connection.vendor == "postgresql":
        return _copy_backfill_events(events, backfill_id, received_at)
    table = connection.ops.quote_name(Event._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in EVENT_COLUMNS)
    received, rows, memo = sqlite_time(received_at), [], {}
    for e in events:
        when = memo.get(e.timestamp)  # a history's times repeat (by the minute, or the day): convert each once
        if when is None:
            when = memo[e.timestamp] = sqlite_time(e.timestamp)
        rows.append((e.message_id, e.event, e.user_id, e.account_id, when, when, received, e.payload_json,
                     backfill_id))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({cols}) VALUES (%s, 'track', %s, %s, '', %s, %s, %s, NULL, %s, NULL, %s, %s) "
            f"ON CONFLICT (message_id) DO NOTHING",
            rows,
        )
        return cursor.rowcount


def _copy_backfill_events(events: Sequence[BackfillEvent], backfill_id: int, received_at: dt.datetime) -> int:
    """PostgreSQL: COPY the chunk into a temporary table (no WAL), then one statement claims its message ids in
    SeenMessage and inserts the events whose ids were new. Passing tens of thousands of ids as an array parameter,
    as the event API's small requests do, cost more than storing them."""
    q = connection.ops.quote_name
    seen, table = q(SeenMessage._meta.db_table), q(Event._meta.db_table)
    with connection.cursor() as cursor:
        # Before any event id is drawn, as in _copy_new_events: a rollup pass waits for this transaction.
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_HOLD_KEY])
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGED}")  # dropped at commit; still there inside a caller's
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGED} (message_id text, event text, user_id text, account_id bigint, "
            f"timestamp timestamptz, payload text) ON COMMIT DROP"
        )
        once = set()
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {_STAGED} FROM STDIN") as copy:
            for e in events:
                if e.message_id not in once:  # a chunk may bring the same id twice: the first is the event
                    once.add(e.message_id)
                    copy.write_row((e.message_id, e.event, e.user_id, e.account_id, e.timestamp, e.payload_json))
        cursor.execute(
            f"WITH new AS (INSERT INTO {seen} (message_id, received_at) SELECT message_id, %s FROM {_STAGED} "
            f"ON CONFLICT DO NOTHING RETURNING message_id) "
            f"INSERT INTO {table} ({', '.join(EVENT_COLUMNS)}) "
            f"SELECT s.message_id, 'track', s.event, s.user_id, '', s.account_id, s.timestamp, s.timestamp, NULL, "
            f"%s, NULL, s.payload::jsonb, %s FROM {_STAGED} s JOIN new ON new.message_id = s.message_id",
            [received_at, received_at, backfill_id],
        )
        return cursor.rowcount


_STAGED = "tenure_backfill_staged"  # a temporary table: one chunk of a backfill on its way in (PostgreSQL)


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
        if connection.vendor == "postgresql":  # its ids may come again, as new: forget them
            seen = connection.ops.quote_name(SeenMessage._meta.db_table)
            cursor.execute(f"DELETE FROM {seen} WHERE message_id IN (SELECT message_id FROM {table} "
                           f"WHERE id > %s AND backfill_id = %s {bound})", [after_id, backfill_id, *params])
        cursor.execute(f"DELETE FROM {table} WHERE id > %s AND backfill_id = %s {bound}",
                       [after_id, backfill_id, *params])
        return cursor.rowcount


def existing_message_ids(message_ids: Iterable[str]) -> set[str]:
    """Which of these message ids are already stored (plain SQL: the ORM's per-parameter work showed up here)."""
    ids = list(set(message_ids))
    found: set[str] = set()
    model = SeenMessage if connection.vendor == "postgresql" else Event
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            cursor.execute(
                f"SELECT message_id FROM {table} WHERE message_id IN ({', '.join(['%s'] * len(chunk))})", chunk
            )
            found.update(r[0] for r in cursor.fetchall())
    return found


def any_message_id_starting(prefix: str) -> bool:
    """Whether any stored message id (on PostgreSQL: any recognised as a retry) starts with ``prefix``: one
    index seek."""
    model = SeenMessage if connection.vendor == "postgresql" else Event
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE message_id >= %s AND message_id < %s LIMIT 1",
                       [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)])
        return cursor.fetchone() is not None


def product_users(keys: Iterable[str]) -> list[tuple[str, int, int | None, bool]]:
    """The product users with these lower-cased ids, as (lower-cased id, pk, account id, has traits): the account
    is the user's own or, for an id merged by alias, the one it was merged into."""
    keys = list(keys)
    if not keys:
        return []
    q = connection.ops.quote_name
    users = q(ProductUser._meta.db_table)
    select = (f"SELECT LOWER(u.user_id), u.id, COALESCE(u.account_id, m.account_id), u.traits <> '{{}}' "
              f"FROM {users} u LEFT JOIN {users} m ON m.id = u.merged_into_id ")
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, _bound_cursor() as cursor:
            cursor.execute(select + "WHERE LOWER(u.user_id) IN (SELECT json_array_elements_text(%s::json))",
                           [_json_list(keys)])
            return cursor.fetchall()
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            cursor.execute(select + f"WHERE LOWER(u.user_id) IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.extend(cursor.fetchall())
    return found


def add_product_users(users: Sequence[tuple[str, dt.datetime]]) -> None:
    """New product users (user id, first seen), in the order given; an id that exists already (in any case) is
    left as it is: a request bringing the same new users at the same moment waits for this one."""
    table = connection.ops.quote_name(ProductUser._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, _bound_cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (user_id, traits, first_seen) "
                           f"SELECT u.k, '{{}}', u.t::timestamptz FROM json_array_elements(%s::json) WITH ORDINALITY "
                           f"AS a(pair, n), LATERAL (SELECT a.pair->>0, a.pair->>1) AS u(k, t) ORDER BY a.n "
                           f"ON CONFLICT DO NOTHING",
                           [_json_list([(user_id, at.isoformat()) for user_id, at in users])])
        return
    row = "(%s, '{}', %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(users), _ROWS_PER_INSERT):
            chunk = users[start : start + _ROWS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO {table} (user_id, traits, first_seen) VALUES {', '.join([row] * len(chunk))} "
                f"ON CONFLICT DO NOTHING",
                [value for user_id, at in chunk for value in (user_id, sqlite_time(at))],
            )


def update_product_users(users: Sequence[ProductUser]) -> None:
    """Write the identity of these product users (account, contact, alias and traits) in one statement, run for
    each (Django's bulk_update builds a CASE per row and column: slower than saving them one by one)."""
    if not users:
        return
    table = connection.ops.quote_name(ProductUser._meta.db_table)
    traits = ProductUser._meta.get_field("traits")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET account_id = %s, contact_id = %s, merged_into_id = %s, traits = %s WHERE id = %s",
            [(u.account_id, u.contact_id, u.merged_into_id, traits.get_db_prep_save(u.traits, connection), u.pk)
             for u in users],
        )


# ---- rollups: counted from the event log in passes, one pass at a time ---------------------------------------

USAGE_TYPES = ("track", "page", "screen")


def committed_event_id() -> int:
    """The largest event id below which every event is committed (or rolled back): the furthest a rollup pass may
    count. On PostgreSQL, ids are drawn before commit, so a transaction that drew a smaller id may still commit
    after a larger one is visible. Every transaction that appends events holds _HOLD_KEY shared from before it
    draws ids (``_copy_new_events``); taking it exclusively for a moment waits for those in flight. On SQLite one
    writer at a time already commits ids in order."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            return cursor.fetchone()[0] or 0
        cursor.execute("SELECT pg_advisory_lock(%s)", [_HOLD_KEY])
        try:
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            return cursor.fetchone()[0] or 0
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_HOLD_KEY])


def _local_day(column: str) -> tuple[str, list]:
    """SQL for the day a stored time falls on in the configured time zone ."""
    zone = timezone.get_current_timezone_name()
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE %s)::date", [zone]
    if zone == "UTC":
        return f"date({column})", []  # stored as naive UTC text
    return f"django_datetime_cast_date({column}, %s, 'UTC')", [zone]


def roll_up_events(after_id: int, upto_id: int | None, login_events: set[str], *, backfill_id: int | None = None
                   ) -> None:
    """Count the usage events with ids in (after_id, upto_id] into every rollup and the feature catalog, in a few
    set-based statements: live events (``backfill_id`` None) or one backfill's. The caller holds the rollup cursor,
    so no other pass writes the rollups meanwhile: distinct users are counted by adding the users a pass brings
    that the per-user tables do not have yet, before adding those users to them."""
    q = connection.ops.quote_name
    events = q(Event._meta.db_table)
    where = f"id > %s AND type IN ({', '.join(['%s'] * len(USAGE_TYPES))})"
    params: list = [after_id, *USAGE_TYPES]
    if upto_id is not None:
        where += " AND id <= %s"
        params.append(upto_id)
    if backfill_id is None:
        where += " AND backfill_id IS NULL"
    else:
        where += " AND backfill_id = %s"
        params.append(backfill_id)
    now = timezone.now()
    stamp = sqlite_time(now) if connection.vendor == "sqlite" else now
    feature_table = q(Feature._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT event, account_id FROM {events} WHERE {where}", params)
        found = cursor.fetchall()
        logins = sorted({e for e, _ in found if e.lower() in login_events})
        # Events of an account deleted since they arrived stay in the log but are counted nowhere. Asked in Python:
        # a join would be planned on a just-loaded log without statistics, and once took minutes.
        gone = sorted(_deleted_accounts({a for _, a in found if a is not None}))
        marks = ", ".join(["%s"] * len(logins))
        is_login = f"CASE WHEN event IN ({marks}) THEN 1 ELSE 0 END" if logins else "0"
        day, day_params = _local_day("timestamp")
        per_feature = (  # account x day x event x user: the ground of every rollup
            f"SELECT account_id, {day} AS day, event, "
            f"CASE WHEN user_id <> '' THEN user_id ELSE 'anon:' || anonymous_id END AS user_key, "
            f"COUNT(*) AS n, SUM({is_login}) AS logins FROM {events} WHERE {where} AND account_id IS NOT NULL "
            + (f"AND account_id NOT IN ({', '.join(['%s'] * len(gone))}) " if gone else "")
            + "GROUP BY 1, 2, 3, 4"
        )
        g_params = [*day_params, *logins, *params, *gone]
        per_user = f"SELECT account_id, day, user_key, SUM(n) AS n, SUM(logins) AS logins FROM ({per_feature}) f " \
                   f"GROUP BY account_id, day, user_key"
        if backfill_id is not None:
            # A backfill brings millions of events at once: group them once, not once per rollup.
            for name, select, select_params in ((_FEATURE_USERS, per_feature, g_params),
                                                 (_DAY_USERS, per_user.replace(f"({per_feature})", _FEATURE_USERS),
                                                  [])):
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", select_params)
                if connection.vendor == "postgresql":
                    cursor.execute(f"ANALYZE {name}")  # autovacuum never sees temporary tables: plan with their size
            per_feature = f"SELECT account_id, day, event, user_key, n, logins FROM {_FEATURE_USERS}"
            per_user, g_params = f"SELECT account_id, day, user_key, n, logins FROM {_DAY_USERS}", []

        def upsert(model, columns: str, select: str, key: str, updates: str, select_params: list) -> None:
            table = q(model._meta.db_table)
            sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in updates.split(", "))
            if model is DailyAccountActivity:
                sets += ", updated_at = excluded.updated_at"
            if backfill_id is not None and connection.vendor == "postgresql":
                _update_then_insert(cursor, table, columns, select, key, updates, select_params)
                return
            # WHERE true: SQLite would read ON CONFLICT as a join's ON without it.
            cursor.execute(f"INSERT INTO {table} ({columns}) {select} ON CONFLICT ({key}) DO UPDATE SET {sets}",
                           select_params)

        user_feature, user_day = q(DailyUserFeature._meta.db_table), q(DailyUserActivity._meta.db_table)
        new_feature_user = (f"CASE WHEN EXISTS (SELECT 1 FROM {user_feature} x WHERE x.account_id = g.account_id "
                            f"AND x.day = g.day AND x.event = g.event AND x.user_key = g.user_key) THEN 0 ELSE 1 END")
        new_day_user = (f"CASE WHEN EXISTS (SELECT 1 FROM {user_day} x WHERE x.account_id = g.account_id "
                        f"AND x.day = g.day AND x.user_key = g.user_key) THEN 0 ELSE 1 END")
        upsert(DailyFeatureUsage, "account_id, day, event, count, users",
               f"SELECT g.account_id, g.day, g.event, SUM(g.n), SUM({new_feature_user}) FROM ({per_feature}) g "
               f"WHERE true GROUP BY g.account_id, g.day, g.event",
               "account_id, day, event", "count, users", g_params)
        upsert(DailyAccountActivity, "account_id, day, events, logins, active_users, updated_at",
               f"SELECT g.account_id, g.day, SUM(g.n), SUM(g.logins), SUM({new_day_user}), %s FROM ({per_user}) g "
               f"WHERE true GROUP BY g.account_id, g.day",
               "account_id, day", "events, logins, active_users", [stamp, *g_params])
        upsert(DailyUserFeature, "account_id, day, event, user_key, count",
               f"SELECT account_id, day, event, user_key, n FROM ({per_feature}) g WHERE true",
               "account_id, day, event, user_key", "count", g_params)
        upsert(DailyUserActivity, "account_id, day, user_key, events, logins",
               f"SELECT account_id, day, user_key, n, logins FROM ({per_user}) g WHERE true",
               "account_id, day, user_key", "events, logins", g_params)
        # The feature catalog counts every usage event's name, attributed or not.
        cursor.execute(
            f"INSERT INTO {feature_table} (event, friendly_name, module, is_key, first_seen, last_seen) "
            f"SELECT event, '', '', %s, MIN(timestamp), MAX(timestamp) FROM {events} WHERE {where} GROUP BY event "
            f"ON CONFLICT (event) DO UPDATE SET "
            f"first_seen = CASE WHEN excluded.first_seen < {feature_table}.first_seen "
            f"THEN excluded.first_seen ELSE {feature_table}.first_seen END, "
            f"last_seen = CASE WHEN excluded.last_seen > {feature_table}.last_seen "
            f"THEN excluded.last_seen ELSE {feature_table}.last_seen END",
            [False, *params],
        )
        if backfill_id is not None:
            cursor.execute(f"DROP TABLE {_FEATURE_USERS}")
            cursor.execute(f"DROP TABLE {_DAY_USERS}")


def _deleted_accounts(ids: set[int], chunk: int = 5_000) -> set[int]:
    """Which of these account ids no longer exist."""
    ordered, kept = sorted(ids), set()
    for i in range(0, len(ordered), chunk):
        kept.update(Account.objects.filter(pk__in=ordered[i:i + chunk]).values_list("pk", flat=True))
    return ids - kept


def _update_then_insert(cursor, table: str, columns: str, select: str, key: str, updates: str, params: list) -> None:
    """PostgreSQL, for a backfill's rollup rows (mostly new): add to the rows that exist, then insert the others
    plainly. INSERT … ON CONFLICT makes each of millions of rows a speculative insertion, twice the time."""
    rows = "tenure_backfill_rows"
    cursor.execute(f"DROP TABLE IF EXISTS {rows}")
    cursor.execute(f"CREATE TEMPORARY TABLE {rows} AS SELECT {columns} FROM {table} WHERE false")
    cursor.execute(f"INSERT INTO {rows} ({columns}) {select}", params)
    cursor.execute(f"ANALYZE {rows}")
    match = " AND ".join(f"x.{c} = r.{c}" for c in key.split(", "))
    sets = ", ".join(f"{c} = x.{c} + r.{c}" for c in updates.split(", "))
    if "updated_at" in columns:
        sets += ", updated_at = r.updated_at"
    cursor.execute(f"UPDATE {table} x SET {sets} FROM {rows} r WHERE {match}")
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {rows} r "
                   f"WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE {match})")
    cursor.execute(f"DROP TABLE {rows}")


_FEATURE_USERS, _DAY_USERS = "tenure_backfill_feature_users", "tenure_backfill_day_users"  # temporary tables


def add_backfill_users(backfill_id: int, after_id: int) -> None:
    """Product users for the user ids of a backfill's events that have none yet, first seen at their first event
    here; the backfill names accounts directly, so it changes no existing user."""
    q = connection.ops.quote_name
    events, users = q(Event._meta.db_table), q(ProductUser._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {users} (user_id, traits, first_seen) "
            f"SELECT MIN(user_id), '{{}}', MIN(timestamp) FROM {events} WHERE id > %s AND backfill_id = %s "
            f"AND user_id <> '' GROUP BY LOWER(user_id) ORDER BY LOWER(user_id) ON CONFLICT DO NOTHING",
            [after_id, backfill_id],
        )
