"""Past product usage from CSV: the usage history backfill."""

from __future__ import annotations

import hashlib
import json

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
from tenure.usage.protocol import InvalidMessage, backfill_message

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
        self.backfill = usage_backfill.begin_backfill(source)

    def stage(self, rows: list[Row], last_line: int) -> None:
        done = self.backfill.lines_done
        usage_backfill.stage_backfill(
            self.backfill, [r.extra["message"] for r in rows if r.line > done], lines_done=max(done, last_line)
        )

    def count(self, rows: list[Row]) -> int:
        ids = {r.extra["message"].message_id for r in rows}
        stored = usage_store.existing_message_ids(ids)
        return len(ids - stored)

    def complete(self) -> tuple[int, int]:
        backfill = usage_backfill.complete_backfill(self.backfill)
        return backfill.created, backfill.unchanged

    def discard(self) -> None:
        usage_backfill.discard_backfill(self.backfill)
