"""The connector framework: a source's records in pages, stored through the owning rooms' services, with a cursor
saved in the same transaction as each page, counts and the first errors on the run, and back-off when a source
fails. Webhooks land in the inbox first and are processed from there, once per event id, oldest first per object.

A source (connectors.stripe, …) subclasses ``Source`` and registers itself in ``SOURCES``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tenure.connectors import secrets
from tenure.connectors.models import (
    Conflict,
    Connection,
    ConnectionStatus,
    Cursor,
    InboxEvent,
    InboxStatus,
    RunStatus,
    SourceLink,
    SyncRun,
)
from tenure.users import audit

log = logging.getLogger(__name__)

FIRST_ERRORS = 20  # a run keeps this many errors in words; the counts say how many there were
STALE_RUN = dt.timedelta(minutes=15)  # a running run silent this long died with its process
MAX_BACKOFF = dt.timedelta(hours=6)


class SourceError(Exception):
    """The source could not be reached or refused us (network, credentials, its own error), in words."""


class WebhookRefused(Exception):
    """A webhook that is not the source's (bad signature, too old, not JSON): answered 400, never stored."""


@dataclass
class Page:
    records: list
    cursor: dict  # where the next page starts; saved with this page's rows


@dataclass
class Tally:
    """A run's counts per object type and its first errors."""

    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    def add(self, object_type: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(object_type, {"created": 0, "updated": 0, "unchanged": 0, "failed": 0})
        self.counts[object_type][outcome] += n

    def fail(self, object_type: str, source_id: str, message: str) -> None:
        self.add(object_type, "failed")
        if len(self.errors) < FIRST_ERRORS:
            self.errors.append(f"{object_type} {source_id}: {message}")

    def note(self, message: str) -> None:
        """Something a person should know that is not a failure (a record left out, and why)."""
        if len(self.errors) < FIRST_ERRORS:
            self.errors.append(message)

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())

    def merge(self, other: Tally) -> None:
        for object_type, counts in other.counts.items():
            for outcome, n in counts.items():
                self.add(object_type, outcome, n)
        self.errors += other.errors[:FIRST_ERRORS - len(self.errors)]


def all_or_nothing(tally: Tally, store, *args, **kwargs) -> None:
    """Store as one unit (an inbox event): a record that fails raises, so the event is kept and retried."""
    own = Tally()
    store(own, *args, **kwargs)
    if own.total("failed"):
        raise ValueError(own.errors[0] if own.errors else "a record failed")
    tally.merge(own)


class Source:
    """What every source tells the framework. ``kind`` names it in ``Connection.kind``."""

    kind = ""
    label = ""
    object_types: tuple[str, ...] = ()  # synced in this order: owners before what they own
    credential_fields: tuple[tuple[str, str], ...] = ()  # (name, label); secrets
    required: tuple[str, ...] = ()  # the credentials a connection cannot sync without
    # Who wins a field both the source and a person in Tenure may set; a connection's options["rules"] overrides.
    default_rules: dict[str, str] = {}

    def __init__(self, connection: Connection):
        self.connection = connection
        self.credentials = secrets.unseal(connection.credentials)
        self.options = connection.options or {}

    def check(self) -> str:
        """Reach the source with the credentials; a sentence saying what was found. Raises SourceError."""
        raise NotImplementedError

    def pages(self, object_type: str, cursor: dict) -> Iterator[Page]:
        raise NotImplementedError

    def store(self, tally: Tally, object_type: str, records: list) -> None:
        """Store one page through the rooms' services, counting each record (``keep`` helps)."""
        raise NotImplementedError

    # -- webhooks --
    def verify(self, body: bytes, headers, url: str = "", method: str = "POST") -> list[dict]:
        """The events a webhook request carries, once its signature is checked (``url``: the address it was sent
        to, which some sources sign). Raises WebhookRefused."""
        raise WebhookRefused("this source does not take webhooks")

    def event_key(self, event: dict) -> tuple[str, str, str, int]:
        """(event id, type, ordering key, timestamp) of one event."""
        raise NotImplementedError

    def process(self, tally: Tally, event: dict) -> None:
        raise NotImplementedError

    def batch_kind(self, event: dict) -> str | None:
        """Events of the same batch kind (one object each) may be processed together by ``process_batch``."""
        return None

    def process_batch(self, tally: Tally, events: list[dict]) -> None:
        raise NotImplementedError

    def write_field(self, object_type: str, record_id: int, field: str, value: str, *, by=None) -> None:
        """A conflict resolved for the source: its value written through the owning room's service."""
        from tenure.accounts import services as accounts
        from tenure.accounts.models import Account

        if object_type not in ACCOUNT_TYPES:
            raise ValidationError(f"{self.label} {object_type} have no fields a person resolves")
        accounts.update_account(Account.objects.get(pk=record_id), by=by, **{field: value})

    def after_sync(self, tally: Tally) -> None:
        """Work after a sync's pages are stored (e.g. writing Tenure's scores back to a CRM)."""

    @classmethod
    def rule_fields(cls) -> tuple[str, ...]:
        """The "object.field" names a person may set who wins for (the page's *Who wins* table)."""
        return tuple(sorted(set(cls.default_rules) | set(cls.more_rule_fields)))

    more_rule_fields: tuple[str, ...] = ()

    def rule(self, name: str) -> str:
        return (self.options.get("rules") or {}).get(name) or self.default_rules.get(name, "source")


SOURCES: dict[str, type[Source]] = {}
ACCOUNT_TYPES = ("customers", "companies", "accounts")  # the sources' names for what Tenure calls an account


def register(cls: type[Source]) -> type[Source]:
    SOURCES[cls.kind] = cls
    return cls


def source_for(connection: Connection) -> Source:
    try:
        return SOURCES[connection.kind](connection)
    except KeyError:
        raise SourceError(f"no connector of kind {connection.kind!r}") from None


# ---- connections ------------------------------------------------------------------------------------------------


@transaction.atomic
def create_connection(*, kind: str, name: str, credentials: dict, options: dict | None = None,
                      every_minutes: int = 60, by=None) -> Connection:
    if kind not in SOURCES:
        raise ValidationError({"kind": f"no connector of kind {kind!r}; there are {', '.join(sorted(SOURCES))}"})
    missing = [label for key, label in SOURCES[kind].credential_fields
               if key in SOURCES[kind].required and not (credentials.get(key) or "").strip()]
    if missing:
        raise ValidationError({"credentials": f"{SOURCES[kind].label} needs {', '.join(missing)}"})
    connection = Connection(kind=kind, name=name.strip() or SOURCES[kind].label, options=options or {},
                            credentials=secrets.seal({k: v.strip() for k, v in credentials.items() if v}),
                            every_minutes=max(1, every_minutes), next_sync_at=timezone.now(), created_by=by)
    connection.full_clean()
    connection.save()
    return connection


def set_credentials(connection: Connection, changes: dict) -> None:
    """Change some secrets; a blank value keeps the stored one (the page never shows them, so blank = unchanged)."""
    stored = secrets.unseal(connection.credentials)
    stored.update({k: v.strip() for k, v in changes.items() if v and v.strip()})
    connection.credentials = secrets.seal(stored)
    connection.save(update_fields=["credentials"])


def credentials_set(connection: Connection) -> list[str]:
    """The labels of the credentials a connection has (never their values)."""
    try:
        stored = secrets.unseal(connection.credentials)
    except secrets.CredentialsUnreadable:
        return []
    return [label for key, label in SOURCES[connection.kind].credential_fields if stored.get(key)]


def set_rules(connection: Connection, rules: dict[str, str]) -> None:
    """Who wins each field when a person changed it in Tenure and the source says otherwise."""
    fields = SOURCES[connection.kind].rule_fields()
    unknown = set(rules) - set(fields)
    if unknown:
        raise ValidationError({"rules": f"no rule for {', '.join(sorted(unknown))}"})
    if set(rules.values()) - {"source", "tenure"}:
        raise ValidationError({"rules": "a rule is 'source' or 'tenure'"})
    connection.options = {**(connection.options or {}), "rules": dict(rules)}
    connection.save(update_fields=["options"])


def pause(connection: Connection, paused: bool) -> None:
    connection.status = ConnectionStatus.PAUSED if paused else ConnectionStatus.ACTIVE
    if not paused:
        connection.next_sync_at = timezone.now()
    connection.save(update_fields=["status", "next_sync_at"])


def test_connection(connection: Connection) -> SyncRun:
    run = SyncRun.objects.create(connection=connection, trigger="test")
    try:
        run.message = source_for(connection).check()[:500]
        run.status = RunStatus.SUCCEEDED
    except (SourceError, secrets.CredentialsUnreadable) as exc:
        run.message, run.status = str(exc)[:500], RunStatus.FAILED
    run.finished_at = timezone.now()
    run.save()
    return run


# ---- sync runs --------------------------------------------------------------------------------------------------


def backoff(failures: int) -> dt.timedelta:
    """After the n-th failure in a row: 1, 2, 4 … minutes, at most six hours."""
    return min(dt.timedelta(minutes=2 ** max(failures - 1, 0)), MAX_BACKOFF)


class AlreadyRunning(Exception):
    pass


def _start(connection: Connection, trigger: str) -> SyncRun:
    now = timezone.now()
    with transaction.atomic():
        # One run at a time per connection: the row lock orders two starters; a run whose process died is closed.
        Connection.objects.select_for_update().filter(pk=connection.pk).first()
        running = SyncRun.objects.filter(connection=connection, status=RunStatus.RUNNING)
        running.filter(finished_at__lt=now - STALE_RUN).update(
            status=RunStatus.FAILED, message="stopped without finishing (its process ended); the next run resumed "
                                             "from the last stored page")
        if running.exists():
            raise AlreadyRunning(f"{connection} is already syncing")
        # finished_at doubles as the heartbeat while running: each stored page moves it
        return SyncRun.objects.create(connection=connection, trigger=trigger, finished_at=now)


def _save_run(run: SyncRun, tally: Tally) -> None:
    run.by_type = tally.counts
    run.errors = tally.errors
    for outcome in ("created", "updated", "unchanged", "failed"):
        setattr(run, outcome, tally.total(outcome))
    run.finished_at = timezone.now()
    run.save()


def run_sync(connection: Connection, *, trigger: str = "schedule", full: bool = False,
             object_types: Iterable[str] | None = None) -> SyncRun:
    """Sync a connection from its cursors (``full``: from the start; the links make it create nothing twice).
    Each page is stored with its cursor in one transaction: a crash resumes after the last stored page."""
    run = _start(connection, trigger)
    tally = Tally()
    try:
        source = source_for(connection)
        with audit.acting_as(label=source.label):
            for object_type in object_types or source.object_types:
                cursor, _ = Cursor.objects.get_or_create(connection=connection, object_type=object_type)
                for page in source.pages(object_type, {} if full else dict(cursor.value)):
                    with transaction.atomic():
                        source.store(tally, object_type, page.records)
                        cursor.value = page.cursor
                        cursor.save()
                        _save_run(run, tally)
            _process_pending(connection, source, tally)  # events the pages put in the inbox, and any waiting
            source.after_sync(tally)
    except (SourceError, secrets.CredentialsUnreadable) as exc:
        _finish(run, tally, failed=str(exc))
    except Exception as exc:  # a defect or bad data: the run says so, the schedule backs off, the next resumes
        log.exception("sync of %s failed", connection)
        _finish(run, tally, failed=f"{type(exc).__name__}: {exc}")
    else:
        _finish(run, tally)
    return run


def _finish(run: SyncRun, tally: Tally, failed: str | None = None, *, scheduled: bool = True) -> None:
    connection = run.connection
    now = timezone.now()
    if not scheduled:  # webhooks: the run is logged; the schedule of syncs is not theirs to move
        run.status = RunStatus.PARTIAL if tally.total("failed") else RunStatus.SUCCEEDED
        _save_run(run, tally)
        return
    if failed:
        run.status, run.message = RunStatus.FAILED, failed[:500]
        connection.failures += 1
        connection.next_sync_at = now + backoff(connection.failures)
    else:
        run.status = RunStatus.PARTIAL if tally.total("failed") else RunStatus.SUCCEEDED
        connection.failures = 0
        connection.last_synced_at = now
        connection.next_sync_at = now + dt.timedelta(minutes=connection.every_minutes)
    _save_run(run, tally)
    connection.save(update_fields=["failures", "last_synced_at", "next_sync_at"])


def sync_due(now: dt.datetime | None = None) -> list[SyncRun]:
    """The scheduled syncs: every active connection whose next sync time has come (after its back-off)."""
    now = now or timezone.now()
    runs = []
    for connection in Connection.objects.filter(status=ConnectionStatus.ACTIVE, next_sync_at__lte=now):
        try:
            runs.append(run_sync(connection))
        except AlreadyRunning:
            continue
    return runs


# ---- links and field rules -------------------------------------------------------------------------------------


def fingerprint(record) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def links(connection: Connection, object_type: str, source_ids: Iterable[str]) -> dict[str, SourceLink]:
    return {link.source_id: link for link in SourceLink.objects.filter(
        connection=connection, object_type=object_type, source_id__in=list(source_ids))}


def link(connection: Connection, object_type: str, source_id: str, record_id: int, *, written: dict,
         record: object = None, source_updated: str = "") -> SourceLink:
    obj, _ = SourceLink.objects.update_or_create(
        connection=connection, object_type=object_type, source_id=source_id,
        defaults={"record_id": record_id, "written": written, "source_updated": source_updated,
                  "fingerprint": fingerprint(record) if record is not None else ""})
    return obj


def save_links(connection: Connection, object_type: str, rows) -> None:
    """Links for a page in one upsert: rows of (source id, record id, written values, source record or None,
    version)."""
    objs = {source_id: SourceLink(connection=connection, object_type=object_type, source_id=source_id,
                                  record_id=record_id, written=written, source_updated=str(version),
                                  fingerprint=fingerprint(record) if record is not None else "")
            for source_id, record_id, written, record, version in rows}
    if objs:
        SourceLink.objects.bulk_create(
            objs.values(), update_conflicts=True, unique_fields=["connection", "object_type", "source_id"],
            update_fields=["record_id", "written", "source_updated", "fingerprint", "seen_at"])


def each_or_page(tally: Tally, object_type: str, records: list, store) -> None:
    """Store a page at once; if a record in it is refused, store the page record by record instead, so one bad
    record fails alone (with its reason) and the others land."""
    own = Tally()
    try:
        with transaction.atomic():
            store(records, own)
    except ValidationError:
        if len(records) == 1:
            raise_or_count(tally, object_type, records[0], store)
            return
        for record in records:
            raise_or_count(tally, object_type, record, store)
        return
    tally.merge(own)


def raise_or_count(tally: Tally, object_type: str, record, store) -> None:
    own = Tally()
    try:
        with transaction.atomic():
            store([record], own)
    except ValidationError as exc:
        words = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) \
            if hasattr(exc, "message_dict") else " ".join(exc.messages)
        tally.fail(object_type, str(record.get("id", "?")) if isinstance(record, dict) else "?", words)
        return
    tally.merge(own)


def _text(value) -> str:
    return "" if value is None else str(value)


def merge(source: Source, object_type: str, source_id: str, record, label: str, proposed: dict,
          written: dict, current=getattr) -> dict:
    """The changes to make to a Tenure record from the source's values, field by field: a field no person changed
    since the source last wrote it takes the source's value; one a person changed keeps theirs when the field's
    rule says Tenure wins, and the difference is listed as a conflict for a person to resolve."""
    changes = {}
    read = current
    for name, value in proposed.items():
        current = read(record, name)
        if _text(current) == _text(value):
            continue
        untouched = name in written and _text(current) == _text(written[name])
        never_set = name not in written and current in (None, "", False)
        if untouched or never_set or source.rule(f"{object_type}.{name}") == "source":
            changes[name] = value
            continue
        Conflict.objects.update_or_create(
            connection=source.connection, object_type=object_type, source_id=source_id, field=name,
            resolution=Conflict.Resolution.OPEN,
            defaults={"record_id": record.pk, "record_label": label[:300], "tenure_value": _text(current),
                      "source_value": _text(value)})
    return changes


# ---- the webhook inbox ------------------------------------------------------------------------------------------


def receive(connection: Connection, body: bytes, headers, url: str = "") -> int:
    """Check a webhook and keep its events (a duplicate event id is kept once). Returns how many were new. The
    caller answers 200 only after this returns: what was acknowledged is stored."""
    source = source_for(connection)
    events = source.verify(body, headers, url) if url else source.verify(body, headers)
    new = 0
    for event in events:
        event_id, event_type, key, occurred = source.event_key(event)
        try:
            with transaction.atomic():
                InboxEvent.objects.create(connection=connection, event_id=event_id, event_type=event_type,
                                          ordering_key=key, occurred=occurred, payload=event)
            new += 1
        except IntegrityError:
            continue  # delivered before: Stripe retries until it hears a 2xx
    return new


MAX_ATTEMPTS = 5


def keep_events(source: Source, events: list[dict]) -> int:
    """Put events read from the source's events API in the inbox beside its webhooks (each id once)."""
    new = 0
    for event in events:
        event_id, event_type, key, occurred = source.event_key(event)
        _, created = InboxEvent.objects.get_or_create(
            connection=source.connection, event_id=event_id,
            defaults={"event_type": event_type, "ordering_key": key, "occurred": occurred, "payload": event})
        new += created
    return new


def process_inbox(connection: Connection, *, trigger: str = "webhooks", limit: int = 5000) -> SyncRun | None:
    """Process the pending webhook events in a run of their own. Returns the run, or None when nothing was
    pending or a sync is running (it processes them itself when its pages are stored)."""
    if not InboxEvent.objects.filter(connection=connection, status=InboxStatus.PENDING).exists():
        return None
    try:
        run = _start(connection, trigger)
    except AlreadyRunning:
        return None
    tally = Tally()
    try:
        _process_pending(connection, source_for(connection), tally, limit)
    except (SourceError, secrets.CredentialsUnreadable) as exc:
        _finish(run, tally, failed=str(exc), scheduled=False)
        return run
    _finish(run, tally, scheduled=False)
    return run


BATCH = 200  # events of one kind processed in one transaction


def _process_pending(connection: Connection, source: Source, tally: Tally, limit: int = 50_000) -> None:
    """The pending events, oldest first. Consecutive events of one batch kind, each of another object, go
    together in one transaction; if the batch fails, its events go one by one. One that fails is retried on the
    next call (up to MAX_ATTEMPTS); while it waits, later events of the same object wait too, so one object's
    changes apply in order."""
    pending = list(InboxEvent.objects.filter(connection=connection, status=InboxStatus.PENDING)
                   .order_by("occurred", "pk")[:limit])
    blocked: set[str] = set()
    with audit.acting_as(label=source.label):
        batch: list[InboxEvent] = []
        for event in pending:
            kind = source.batch_kind(event.payload)
            if batch and (kind != source.batch_kind(batch[0].payload)
                          or event.ordering_key in {e.ordering_key for e in batch} or len(batch) >= BATCH):
                _process_batch(connection, source, tally, batch, blocked)
                batch = []
            if kind is not None and not (event.ordering_key and event.ordering_key in blocked):
                batch.append(event)
                continue
            _process_one(connection, source, tally, event, blocked)
        if batch:
            _process_batch(connection, source, tally, batch, blocked)


def _process_batch(connection, source, tally, batch: list[InboxEvent], blocked: set[str]) -> None:
    if len(batch) > 1:
        own = Tally()
        try:
            with transaction.atomic():
                source.process_batch(own, [e.payload for e in batch])
                InboxEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
                    status=InboxStatus.DONE, error="", attempts=F("attempts") + 1, processed_at=timezone.now())
            tally.merge(own)
            return
        except Exception:  # one of them is bad: find which, one by one
            pass
    for event in batch:
        _process_one(connection, source, tally, event, blocked)


def _process_one(connection, source, tally, event: InboxEvent, blocked: set[str]) -> None:
    if event.ordering_key and event.ordering_key in blocked:
        return
    event.attempts += 1
    try:
        with transaction.atomic():
            source.process(tally, event.payload)
        event.status, event.error = InboxStatus.DONE, ""
    except Exception as exc:  # bad data in one event: kept with its reason, the others go on
        log.warning("event %s of %s failed: %s", event.event_id, connection, exc)
        event.error = f"{type(exc).__name__}: {exc}"[:500]
        tally.fail(event.event_type, event.event_id, event.error)
        if event.attempts >= MAX_ATTEMPTS:
            event.status = InboxStatus.FAILED
        elif event.ordering_key:
            blocked.add(event.ordering_key)
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "attempts", "processed_at"])


# ---- conflicts --------------------------------------------------------------------------------------------------


def resolve_conflict(conflict: Conflict, *, take_source: bool, by=None) -> None:
    """A person settles a conflict: take the source's value (written through the owning room, as theirs) or keep
    Tenure's (the source keeps its value; the next difference opens a new conflict)."""
    if conflict.resolution:
        return
    if take_source:
        source_for(conflict.connection).write_field(conflict.object_type, conflict.record_id, conflict.field,
                                                    conflict.source_value, by=by)
    conflict.resolution = Conflict.Resolution.TOOK if take_source else Conflict.Resolution.KEPT
    conflict.resolved_by = by
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["resolution", "resolved_by", "resolved_at"])
