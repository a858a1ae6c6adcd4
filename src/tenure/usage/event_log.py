"""The raw event log's life cycle: months of arrival, kept for TENURE_RAW_EVENT_MONTHS, then written to a gzip
CSV file (when TENURE_RAW_EVENT_ARCHIVE) and dropped; a month's file can be loaded back. Rollups are never
touched: they were counted when the events arrived.

On PostgreSQL the log is partitioned by month of arrival (migration 0007): a month ages out by detaching and
dropping its partition, at once, and partitions are created two months ahead (a default partition catches any
event that arrives when none was made). On SQLite the log is one table: a month ages out by deletes of a bounded
number of rows per transaction, oldest ids first (ids grow with arrival).
"""

import csv
import datetime as dt
import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tenure.usage import store
from tenure.usage.models import Event, SeenMessage

TABLE = Event._meta.db_table
DELETE_CHUNK = 10_000  # SQLite rows per transaction when a month ages out
MONTHS_AHEAD = 2
_LOCK = 0x7E4E_0002  # one maintenance run at a time (PostgreSQL), whichever worker runs it


def month_start(day: dt.date, ahead: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 + ahead
    return dt.date(months // 12, months % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    """'2026-03' → 2026-03-01; ValueError naming the expected form otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month: give it as YYYY-MM")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def is_partitioned() -> bool:
    return connection.vendor == "postgresql"


# ---- partitions (PostgreSQL) ------------------------------------------------------------------------------------

@dataclass
class Partition:
    name: str
    start: dt.date | None  # None: from the beginning (the events stored before partitioning)
    end: dt.date | None  # None: the default partition
    rows: int = 0


_BOUND = re.compile(r"FROM \((?:MINVALUE|'(\d{4}-\d{2}-\d{2})[^']*')\) TO \('(\d{4}-\d{2}-\d{2})")


def partitions() -> list[Partition]:
    """The event log's partitions, oldest first, with an estimate of their rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass", [TABLE])
        found = []
        for name, bound, rows in cursor.fetchall():
            match = _BOUND.search(bound)
            if match:
                start = dt.date.fromisoformat(match.group(1)) if match.group(1) else None
                found.append(Partition(name, start, dt.date.fromisoformat(match.group(2)), max(rows, 0)))
            else:
                found.append(Partition(name, None, None, max(rows, 0)))
    return sorted(found, key=lambda p: (p.end is None, p.end or dt.date.max))


def _covers(p: Partition, month: dt.date) -> bool:
    return p.end is not None and (p.start is None or p.start <= month) and month_start(month, 1) <= p.end


def ensure_partitions(today: dt.date | None = None, months: list[dt.date] | None = None) -> list[str]:
    """Create the missing monthly partitions, from this month to MONTHS_AHEAD ahead (or the given months); return
    their names. Events the default partition caught for such a month move into it."""
    if not is_partitioned():
        return []
    today = today or timezone.now().date()
    months = months or [month_start(today, ahead) for ahead in range(MONTHS_AHEAD + 1)]
    have = partitions()
    created = []
    with connection.cursor() as cursor:
        for month in months:
            if any(_covers(p, month) for p in have):
                continue
            after = month_start(month, 1)
            name = f"{TABLE}_{month:%Y_%m}"
            span = [_utc(month), _utc(after)]
            with transaction.atomic():
                cursor.execute(f"CREATE TEMP TABLE caught ON COMMIT DROP AS SELECT * FROM {TABLE}_default "
                               f"WHERE received_at >= %s AND received_at < %s", span)
                cursor.execute(f"DELETE FROM {TABLE}_default WHERE received_at >= %s AND received_at < %s", span)
                cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)", span)
                cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM caught")
                cursor.execute("DROP TABLE caught")  # now, not at a commit that may be an outer transaction's
            created.append(name)
    return created


# ---- archive files ---------------------------------------------------------------------------------------------

COLUMNS = [f.column for f in Event._meta.concrete_fields]


def archive_dir() -> Path:
    return Path(settings.DATA_DIR) / "event-archive"


def _archive_path(label: str) -> Path:
    path = archive_dir() / f"events-{label}.csv.gz"
    n = 1
    while path.exists():  # never overwrite an earlier file
        n += 1
        path = archive_dir() / f"events-{label}-{n}.csv.gz"
    return path


def _write_archive(label: str, where: str, params: list, source: str = TABLE) -> tuple[Path, int]:
    """The rows of the log (or one of its partitions) matching ``where`` as a gzip CSV (a header, then a line per
    event), written to a file that is complete before it is renamed into place."""
    archive_dir().mkdir(parents=True, exist_ok=True)
    path = _archive_path(label)
    partial = path.with_suffix(".partial")
    rows = 0
    cols = ", ".join(COLUMNS)
    with gzip.open(partial, "wb") as out, connection.cursor() as cursor:
        if is_partitioned():
            query = cursor.cursor.mogrify(f"SELECT {cols} FROM {source} WHERE {where} ORDER BY id", params)
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(block)
            cursor.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", params)
            rows = cursor.fetchone()[0]
        else:
            writer = csv.writer(io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True))
            writer.writerow(COLUMNS)
            cursor.execute(f"SELECT {cols} FROM {source} WHERE {where} ORDER BY id", params)
            while batch := cursor.fetchmany(5000):
                writer.writerows(batch)
                rows += len(batch)
    partial.rename(path)
    return path, rows


# ---- ageing out ------------------------------------------------------------------------------------------------

@dataclass
class AgedOut:
    label: str
    rows: int
    file: Path | None


def keep_from(today: dt.date | None = None) -> dt.date | None:
    """The first day of the oldest month whose raw events are kept, or None when they are kept forever."""
    months = settings.TENURE_RAW_EVENT_MONTHS
    if months <= 0:
        return None
    return month_start(today or timezone.now().date(), -months)


def age_out(today: dt.date | None = None) -> list[AgedOut]:
    """Drop (after archiving, unless TENURE_RAW_EVENT_ARCHIVE is false) the raw events of months older than the
    retention window; prune the retry memory older than TENURE_DEDUP_DAYS. Safe to run from several workers."""
    cutoff = keep_from(today)
    done: list[AgedOut] = []
    if is_partitioned():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK])
                if not cursor.fetchone()[0]:
                    return done  # another worker is at it
            if cutoff is not None:
                for p in partitions():
                    if p.end is not None and p.end <= cutoff:
                        one_month = p.start is not None and p.end == month_start(p.start, 1)
                        label = f"{p.start:%Y-%m}" if one_month else f"before-{p.end:%Y-%m}"
                        done.append(_drop_partition(p, label))
                    elif p.end is None:  # events the default partition caught while no month was made
                        done.append(_delete_before(cutoff, f"default-before-{cutoff:%Y-%m}", source=p.name))
            _prune_seen(today)
        return [d for d in done if d.rows]
    if cutoff is not None:
        done.append(_delete_before(cutoff, f"before-{cutoff:%Y-%m}"))
    return [d for d in done if d.rows]


def _drop_partition(p: Partition, label: str) -> AgedOut:
    path = None
    with connection.cursor() as cursor:
        if settings.TENURE_RAW_EVENT_ARCHIVE:
            path, rows = _write_archive(label, "true", [], source=p.name)
        else:
            cursor.execute(f"SELECT COUNT(*) FROM {p.name}")
            rows = cursor.fetchone()[0]
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {p.name}")
        cursor.execute(f"DROP TABLE {p.name}")
    return AgedOut(label, rows, path)


def _prune_seen(today: dt.date | None) -> int:
    now = _utc(today) if today else timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SeenMessage._meta.db_table} WHERE received_at < %s",
                       [now - dt.timedelta(days=settings.TENURE_DEDUP_DAYS)])
        return cursor.rowcount


def _delete_before(cutoff: dt.date, label: str, start: dt.date | None = None, source: str = TABLE) -> AgedOut:
    """Archive, then delete the events received before ``cutoff`` (and from ``start``), a chunk per transaction so
    readers and ingest wait for no long transaction: SQLite's one table, or PostgreSQL's default partition."""
    where, params = "received_at < %s", [_param(_utc(cutoff))]
    if start is not None:
        where, params = where + " AND received_at >= %s", [*params, _param(_utc(start))]
    path = None
    if settings.TENURE_RAW_EVENT_ARCHIVE:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {source} WHERE {where})", params)
            if cursor.fetchone()[0]:
                path, _ = _write_archive(label, where, params, source=source)
    rows = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {source} WHERE id IN (SELECT id FROM {source} WHERE {where} ORDER BY id "
                           f"LIMIT %s)", [*params, DELETE_CHUNK])
            rows += cursor.rowcount
            if cursor.rowcount < DELETE_CHUNK:
                break
    return AgedOut(label, rows, path)


def _param(value: dt.datetime):
    # SQLite stores times as naive UTC text (what Django writes); raw SQL compares with the same form.
    return value if is_partitioned() else store.sqlite_time(value)


# ---- one month by hand: tenure events archive | restore -----------------------------------------------------

def archive_month(month: dt.date) -> AgedOut:
    """Write one month's raw events (by arrival) to a file and remove them from the log."""
    after = month_start(month, 1)
    if month >= month_start(timezone.now().date()):
        raise ValueError(f"{month:%Y-%m} is not over yet: only past months are archived")
    if not is_partitioned():
        return _delete_before(after, f"{month:%Y-%m}", start=month)
    exact = [p for p in partitions() if p.start == month and p.end == after]
    if exact:
        with transaction.atomic():
            return _drop_partition(exact[0], f"{month:%Y-%m}")
    # The month shares a partition (the events from before partitioning): copy it out and delete it there.
    where, params = "received_at >= %s AND received_at < %s", [_utc(month), _utc(after)]
    with transaction.atomic():
        path, rows = _write_archive(f"{month:%Y-%m}", where, params)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE {where}", params)
    return AgedOut(f"{month:%Y-%m}", rows, path)


def restore_file(path: Path) -> int:
    """Load an archive file back into the event log; return how many events were added (an event already in the
    log is skipped). Restored events keep their ids, which the rollups have counted already: they count nowhere
    again. On PostgreSQL their month gets its partition back; the next age-out drops it again if it is older
    than the retention window."""
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), None)
    if header != COLUMNS:
        raise ValueError(f"{path} is not an event archive of this version (its header is {header})")
    cols = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if is_partitioned():
            # The file goes back as it was written (COPY's CSV tells NULL from an empty text); its months get
            # their partitions first.
            cursor.execute(f"CREATE TEMP TABLE restoring (LIKE {TABLE}) ON COMMIT DROP")
            with gzip.open(path, "rb") as f, connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY restoring ({cols}) FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
                while block := f.read(1 << 20):
                    copy.write(block)
            cursor.execute("SELECT DISTINCT date_trunc('month', received_at AT TIME ZONE 'UTC')::date FROM restoring")
            ensure_partitions(months=sorted(m for (m,) in cursor.fetchall()))
            cursor.execute(f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM restoring r WHERE NOT EXISTS "
                           f"(SELECT 1 FROM {TABLE} e WHERE e.id = r.id AND e.received_at = r.received_at)")
            added = cursor.rowcount
            cursor.execute("DROP TABLE restoring")
            return added
        with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            marks = ", ".join(["%s"] * len(COLUMNS))
            added = 0
            for row in reader:  # SQLite's file has no NULL marker: an empty nullable column was NULL
                values = [None if v == "" and c not in ("event", "user_id", "anonymous_id") else v
                          for c, v in zip(COLUMNS, row, strict=True)]
                cursor.execute(f"INSERT INTO {TABLE} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING", values)
                added += cursor.rowcount
            return added


def maintain(today: dt.date | None = None) -> tuple[list[str], list[AgedOut]]:
    """The daily job: partitions ahead, then the months past the retention window out."""
    return ensure_partitions(today), age_out(today)
