"""Past product usage from CSV: the usage history backfill."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from json.encoder import encode_basestring_ascii

import numpy as np
from django.utils import timezone

from tenure.integrations.csv_import import (
    CREATED,
    Field,
    Row,
    register,
)
from tenure.integrations.importers.common import (
    ACCOUNT_REF_FIELDS,
    ACCOUNT_REFS,
    BelongsToAccount,
)
from tenure.usage import backfill as usage_backfill
from tenure.usage import store as usage_store
from tenure.usage.models import Event
from tenure.usage.protocol import InvalidMessage, backfill_event

# -- events (usage history backfill) ---------------------------------------------------------------------

# A derived message id: "import:<the event's UTC time, YYYYMMDDTHHMMSS>:<digest of the row>[-<occurrence>]".
PREFIX, LEGACY_PREFIX = "import:", "import-"
# The digest of a row is that of json.dumps([account id, user id, event, timestamp's ISO text, properties],
# sort_keys=True, default=str): written out here, as it runs per row.
_sorted_json = json.JSONEncoder(sort_keys=True, default=str).encode
_json_text = encode_basestring_ascii


def _id_time(iso: str) -> str:
    """YYYYMMDDTHHMMSS of the UTC time of an ISO 8601 text (its own text when already in UTC, the common case)."""
    if not iso.endswith("+00:00"):
        with contextlib.suppress(OverflowError):  # outside the calendar in UTC: the row is refused later
            iso = dt.datetime.fromisoformat(iso).astimezone(dt.UTC).isoformat()
    return f"{iso[0:4]}{iso[5:7]}{iso[8:10]}T{iso[11:13]}{iso[14:16]}{iso[17:19]}"


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
    chunk_rows = 20_000  # a transaction each (and a bulk lookup of its accounts): about 20 MB of rows in memory

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
        # Ids derived before they began with the event's time ("import-<digest>"): rows stored that way are
        # recognised too, so a file imported then is not stored twice (a lookup per chunk, only if there are any).
        self.legacy_ids = usage_store.any_message_id_starting(LEGACY_PREFIX)
        refs = [ref for ref in ACCOUNT_REFS if ref in self.layout.fields]
        self.only_ref = refs[0] if len(refs) == 1 else None
        self.custom_json: dict[tuple[str, ...], str] = {}  # the custom columns' cells -> their properties' JSON

    def _properties_json(self, row: Row) -> str:
        """The row's properties (its other columns' non-empty cells, then its properties column) as JSON with sorted
        keys, as the digest of its content has always encoded them."""
        given = row.values.get("properties")
        if not given:
            cells = tuple(row.custom.values())
            found = self.custom_json.get(cells)
            if found is None:  # a few distinct values (plan, region …) in most files: encoded once each
                if len(self.custom_json) > 10_000:
                    self.custom_json.clear()
                properties = {k: v for k, v in row.custom.items() if v}
                found = self.custom_json[cells] = _sorted_json(properties) if properties else "{}"
            return found
        return _sorted_json({**{k: v for k, v in row.custom.items() if v}, **given})

    def load(self, rows: list[Row]) -> None:
        """Each valid row's event (row.extra["event"]): per row only what cannot be done for the chunk at once."""
        self.load_accounts(rows)
        column = self.layout.column
        lookup, only_ref = (self.accounts[self.only_ref], self.only_ref) if self.only_ref else (None, "")
        checked: list[tuple[Row, str, str, str, int, str, str]] = []
        for row in rows:
            if row.errors:
                continue
            values = row.values
            account = None
            if lookup is not None:
                value = values.get(only_ref)
                account = lookup.get(value.lower()) if value else None
            account_id = account.pk if account is not None else self.account_id(row, _NoEvent)
            user_id, event, when = values.get("user_id"), values.get("event"), values.get("timestamp")
            if not (user_id and event and when):
                for name in ("user_id", "event", "timestamp"):
                    if not values.get(name):
                        row.error(column(name), "is required")
            if row.errors:
                continue
            checked.append((row, user_id, event, when, account_id, when.isoformat(), self._properties_json(row)))
        # Message ids: the one given, or one derived from the row's content (the second of identical rows "-2", the
        # third "-3": each its own event, numbered in file order so that importing the file again finds them).
        derived = []
        for row, user_id, event, _, account_id, text, properties in checked:
            if not row.values.get("message_id"):
                content = f"[{account_id}, {_json_text(user_id)}, {_json_text(event)}, {_json_text(text)}, " \
                          f"{properties}]"
                derived.append((row, text, hashlib.sha256(content.encode()).hexdigest()[:32]))
        numbers = self.occurrences.number([int(digest[:16], 16) for _, _, digest in derived])
        legacy: dict[str, Row] = {}
        for (row, text, digest), number in zip(derived, numbers, strict=True):
            suffix = f"-{number + 1}" if number else ""
            row.values["message_id"] = f"{PREFIX}{_id_time(text)}:{digest}{suffix}"
            if self.legacy_ids:
                legacy[f"{LEGACY_PREFIX}{digest}{suffix}"] = row
        if legacy:
            for found in usage_store.existing_message_ids(legacy):
                legacy[found].extra["stored"] = True
        received_at = self.received_at
        for row, user_id, event, when, account_id, text, properties in checked:
            try:
                row.extra["event"] = backfill_event(row.values["message_id"], user_id, event, when, properties,
                                                    received_at, account_id, timestamp_text=text)
            except InvalidMessage as exc:
                row.error("", str(exc))
                continue
            row.action = CREATED

    def begin(self, source: str) -> None:
        self.backfill = usage_backfill.begin_backfill(source)

    def stage(self, rows: list[Row], last_line: int) -> None:
        done = self.backfill.lines_done
        todo = [r for r in rows if r.line > done]
        usage_backfill.stage_backfill(
            self.backfill, [r.extra["event"] for r in todo if not r.extra.get("stored")],
            lines_done=max(done, last_line), unchanged=sum(1 for r in todo if r.extra.get("stored")),
            received_at=self.received_at,
        )

    def count(self, rows: list[Row]) -> int:
        ids = {r.extra["event"].message_id for r in rows if not r.extra.get("stored")}
        stored = usage_store.existing_message_ids(ids)
        return len(ids - stored)

    def complete(self) -> tuple[int, int]:
        backfill = usage_backfill.complete_backfill(self.backfill)
        return backfill.created, backfill.unchanged

    def discard(self) -> None:
        usage_backfill.discard_backfill(self.backfill)
