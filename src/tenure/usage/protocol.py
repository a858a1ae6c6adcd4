"""The Segment HTTP Tracking API wire format: decoding, limits and validation. Pure: no database.

Segment's rules we follow: 32 KB per message, 500 KB per batch request; batch-level ``context`` and
``integrations`` merge into every message; ``userId`` or ``anonymousId`` must be present (either may be null,
not both); the client clock is corrected with ``sentAt``: timestamp = receivedAt - (sentAt - timestamp).
"""

import base64
import binascii
import datetime as dt
import gzip
import json
import re
import uuid
import zlib
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import NamedTuple

import orjson

MAX_MESSAGE_BYTES = 32 * 1024
# What the store holds (usage.models, accounts.models): checked before anything is written.
MAX_ID, MAX_GROUP_ID, ANON_PREFIX = 200, 100, "anon:"
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # events before this are a client's broken clock
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # a NUL character in encoded JSON (not an escaped backslash)
MAX_REQUEST_BYTES = 500 * 1024
TYPES = ("track", "identify", "group", "page", "screen", "alias")


class ProtocolError(Exception):
    """A whole request refused: answered with this status and ``{"code": ..., "message": ...}``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class InvalidMessage(Exception):
    """One message that cannot be stored as usage; the reason names the problem."""


@dataclass(slots=True)
class Message:
    type: str
    message_id: str
    user_id: str
    anonymous_id: str
    event: str  # the name rollups count: the track event, "page:<name>", "screen:<name>"; "" otherwise
    timestamp: dt.datetime  # corrected for clock skew
    original_timestamp: dt.datetime | None
    sent_at: dt.datetime | None
    received_at: dt.datetime
    group_id: str = ""
    previous_id: str = ""
    traits: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    payload: dict = field(default_factory=dict)
    account_id: int | None = None  # set only by the history backfill, which names the account directly
    payload_json: str = ""  # the payload already encoded, when its sender had to encode it anyway

    @property
    def user_key(self) -> str:
        """Who counts as one user in rollups: the user id, or the anonymous id when there is none."""
        return self.user_id or f"anon:{self.anonymous_id}"


def decode_body(raw: bytes, content_encoding: str = "") -> dict:
    """Bytes of a request body to its JSON object, enforcing the request size limit after decompression."""
    encoding = (content_encoding or "").strip().lower()
    if encoding == "gzip":
        try:
            # Read one byte past the limit so a small gzip bomb cannot inflate without bound.
            decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            raw = decompressor.decompress(raw, MAX_REQUEST_BYTES + 1)
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile):
            raise ProtocolError(400, "invalid_gzip", "the body is not valid gzip") from None
        if not decompressor.eof and len(raw) <= MAX_REQUEST_BYTES:
            raise ProtocolError(400, "invalid_gzip", "the gzip body is truncated (its end is missing)")
    elif encoding not in ("", "identity"):
        raise ProtocolError(400, "unsupported_encoding", f"Content-Encoding {content_encoding!r} is not supported")
    if len(raw) > MAX_REQUEST_BYTES:
        raise ProtocolError(400, "request_too_large", f"the request is over {MAX_REQUEST_BYTES // 1024} KB")
    try:
        body, strict = orjson.loads(raw), True
    except orjson.JSONDecodeError:
        # Not strict JSON: read it as the standard library does, for its message or its NaN (refused per message).
        try:
            body, strict = json.loads(raw), False
        except (UnicodeDecodeError, ValueError) as e:
            raise ProtocolError(400, "invalid_json", f"the body is not valid JSON: {e}") from None
        except RecursionError:
            raise ProtocolError(400, "invalid_json", "the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ProtocolError(400, "invalid_json", "the body must be a JSON object")
    return CheckedJSON(body) if strict else body


class CheckedJSON(dict):
    """A request body, or a message of it, read by orjson: strict JSON, so no NaN or Infinity, no lone surrogate,
    nesting within 1,024 levels. Its stored text is written by orjson as well (a tenth of the standard library's
    time, which was a third of a batch's). Integers past 64 bits are read as floats, as JavaScript senders hold them.
    Anything else (a body only the standard library reads, a message built in Python) is checked the slow way."""


def write_key_from(authorization: str, body: dict) -> str:
    """The write key: HTTP Basic user name (empty password), or ``writeKey`` in the body."""
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ProtocolError(401, "invalid_auth", "the Authorization header is not valid Basic auth") from None
        key = decoded.split(":", 1)[0]
        if key:
            return key
    key = body.get("writeKey")
    if isinstance(key, str) and key:
        try:
            key.encode()
        except UnicodeEncodeError:
            raise ProtocolError(401, "invalid_write_key", "the write key is not valid text") from None
        return key
    raise ProtocolError(401, "missing_write_key", "no write key: send it as the Basic auth user name or writeKey")


def messages_in(body: dict, endpoint: str) -> list[dict]:
    """The raw messages of a request, with the batch's context, integrations and sentAt merged in."""
    if endpoint == "batch":
        batch = body.get("batch")
        if not isinstance(batch, list):
            raise ProtocolError(400, "missing_batch", "a batch request needs a 'batch' array of messages")
        context = body.get("context") if isinstance(body.get("context"), dict) else {}
        integrations = body.get("integrations") if isinstance(body.get("integrations"), dict) else {}
        merged = []
        copy = CheckedJSON if isinstance(body, CheckedJSON) else dict
        for msg in batch:
            if not isinstance(msg, dict):
                merged.append(msg)
                continue
            msg = copy(msg)
            msg_context = msg.get("context") if isinstance(msg.get("context"), dict) else {}
            msg["context"] = {**context, **msg_context}
            msg_integrations = msg.get("integrations") if isinstance(msg.get("integrations"), dict) else {}
            if integrations or msg_integrations:
                msg["integrations"] = {**integrations, **msg_integrations}
            if "sentAt" not in msg and "sentAt" in body:
                msg["sentAt"] = body["sentAt"]
            merged.append(msg)
        return merged
    msg = {k: v for k, v in body.items() if k != "writeKey"}
    if isinstance(body, CheckedJSON):
        msg = CheckedJSON(msg)
    msg.setdefault("type", endpoint)
    if msg["type"] != endpoint:
        raise ProtocolError(400, "wrong_type", f"a message of type {msg['type']!r} was sent to /v1/{endpoint}")
    return [msg]


def parse_time(value, name: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidMessage(f"{name} must be an ISO 8601 string")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidMessage(f"{name} {value!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _text(msg: dict, key: str, *, limit: int = 200) -> str:
    value = msg.get(key)
    if value is None:
        return ""
    if type(value) is str:  # the common case first: this runs several times per message
        text = value.strip()
        if len(text) > limit:
            raise InvalidMessage(f"{key} is longer than {limit} characters")
        return text
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidMessage(f"{key} must be a string")
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidMessage(f"{key} is longer than {limit} characters")
    return text


def _object(msg: dict, key: str) -> dict:
    value = msg.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidMessage(f"{key} must be an object")
    return value


_A_DAY = dt.timedelta(days=1)


def corrected_time(client: dt.datetime | None, sent_at: dt.datetime | None, received_at: dt.datetime) -> dt.datetime:
    """The client's time corrected for its clock's skew; InvalidMessage when the result is outside the calendar or
    outside EARLIEST … tomorrow (a clock that far off, or a made-up date, would move "last seen" to year 9999)."""
    try:
        if client is None:
            corrected = received_at
        elif sent_at is None:
            corrected = client
        else:
            corrected = received_at - (sent_at - client)
        too_late = corrected > received_at + _A_DAY
    except OverflowError:
        raise InvalidMessage("timestamp and sentAt are too far apart to correct the clock") from None
    if corrected < EARLIEST or too_late:
        raise InvalidMessage(f"timestamp {corrected.isoformat()} (after clock correction) is outside "
                             f"{EARLIEST.date()} to a day after it was received")
    return corrected


def _stored_text(msg: dict) -> str:
    """The message as stored: refused when it holds NaN or Infinity, text that is not valid UTF-8 (a lone
    surrogate), a NUL character, or nesting deeper than a JSON column takes."""
    if type(msg) is CheckedJSON:
        try:
            text = orjson.dumps(msg).decode()
        except orjson.JSONEncodeError:  # nested past orjson's writing limit (254): the standard library's turn
            pass
        else:
            if "\\u0000" in text and _NUL.search(text):
                raise InvalidMessage("the message holds a NUL character")
            return text
    try:
        text = json.dumps(msg, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        text.encode()
    except ValueError as e:
        if isinstance(e, UnicodeEncodeError):
            raise InvalidMessage("the message holds text that is not valid UTF-8 (a lone surrogate)") from None
        raise InvalidMessage("the message holds a number that is not finite (NaN or Infinity)") from None
    except RecursionError:
        raise InvalidMessage("the message is nested too deeply") from None
    if "\\u0000" in text and _NUL.search(text):  # the substring test first: it is the common case's cost
        raise InvalidMessage("the message holds a NUL character")
    return text


TRAIT_LIMITS = {"name": 200, "email": 254, "title": 200, "industry": 100, "website": 253, "domain": 253,
                "firstName": 200, "lastName": 200}


def _check_traits(traits: dict) -> None:
    """The traits Tenure stores on an account or a contact fit their fields."""
    for key, limit in TRAIT_LIMITS.items():
        value = traits.get(key)
        if isinstance(value, str) and len(value.strip()) > limit:
            raise InvalidMessage(f"traits.{key} is longer than {limit} characters")


def parse_message(msg, received_at: dt.datetime) -> Message:
    """Validate one message (after batch merging) into a Message, or raise InvalidMessage naming the problem."""
    if not isinstance(msg, dict):
        raise InvalidMessage("a message must be a JSON object")
    stored = _stored_text(msg)
    size = len(stored.encode())
    if size > MAX_MESSAGE_BYTES:
        raise InvalidMessage(f"the message is {size} bytes, over the {MAX_MESSAGE_BYTES // 1024} KB limit")
    kind = msg.get("type")
    if kind not in TYPES:
        raise InvalidMessage(f"type {kind!r} is not one of {', '.join(TYPES)}")
    user_id = _text(msg, "userId")
    anonymous_id = _text(msg, "anonymousId", limit=MAX_ID - len(ANON_PREFIX))  # stored as "anon:<id>"
    previous_id = _text(msg, "previousId")
    if kind == "alias":
        if not (user_id and previous_id):
            raise InvalidMessage("alias needs both previousId and userId")
    elif not (user_id or anonymous_id):
        raise InvalidMessage("userId or anonymousId is required (either may be null, not both)")
    message_id = _text(msg, "messageId") or f"tenure-{uuid.uuid4()}"
    event = ""
    if kind == "track":
        event = _text(msg, "event")
        if not event:
            raise InvalidMessage("track needs an event name")
    elif kind in ("page", "screen"):
        name = _text(msg, "name", limit=MAX_ID - len(kind) - 1) or str(
            _object(msg, "properties").get("path") or "")[:190]
        event = f"{kind}:{name}" if name else kind
    group_id = _text(msg, "groupId", limit=MAX_GROUP_ID)
    if kind == "group" and not group_id:
        raise InvalidMessage("group needs a groupId")
    context = _object(msg, "context")
    if context.get("groupId") is not None:
        _text(context, "groupId", limit=MAX_GROUP_ID)  # names an account: a string or number, like groupId
    traits = _object(msg, "traits")
    if traits:
        _check_traits(traits)
    client_time = parse_time(msg.get("originalTimestamp"), "originalTimestamp") or parse_time(
        msg.get("timestamp"), "timestamp"
    )
    sent_at = parse_time(msg.get("sentAt"), "sentAt")
    return Message(
        type=kind,
        message_id=message_id,
        user_id=user_id,
        anonymous_id=anonymous_id,
        event=event,
        timestamp=corrected_time(client_time, sent_at, received_at),
        original_timestamp=client_time,
        sent_at=sent_at,
        received_at=received_at,
        group_id=group_id,
        previous_id=previous_id,
        traits=traits,
        properties=_object(msg, "properties"),
        context=context,
        payload=msg,
        payload_json=stored,
    )


class BackfillEvent(NamedTuple):
    """A past track event from a history import, checked and ready to store: its account named, its payload
    encoded."""

    message_id: str
    user_id: str
    event: str
    account_id: int
    timestamp: dt.datetime
    payload_json: str

    def as_message(self, received_at: dt.datetime) -> Message:
        """The event as the event API's path stores it (the demo sends its year of tracks this way)."""
        return Message(type="track", message_id=self.message_id, user_id=self.user_id, anonymous_id="",
                       event=self.event, timestamp=self.timestamp, original_timestamp=self.timestamp, sent_at=None,
                       received_at=received_at, account_id=self.account_id, payload_json=self.payload_json)


def backfill_event(message_id: str, user_id: str, event: str, timestamp: dt.datetime, properties_json: str,
                   received_at: dt.datetime, account_id: int, *, timestamp_text: str = "",
                   source: str = "import") -> BackfillEvent:
    """A track event for a past event from a history import (or the demo: ``source``), which built it from checked
    columns: the same
    limits as ``parse_message`` (text lengths, message size) without re-reading a raw message. Its payload is
    encoded here, once, for the size check and for storage (as ``json.dumps`` writes it; this runs per row of a
    history of millions), from ``properties_json``, the properties as ``json.dumps`` encodes them (ASCII).
    ``timestamp_text`` is ``timestamp.isoformat()`` when the caller has it already."""
    for name, value in (("messageId", message_id), ("userId", user_id), ("event", event)):
        if len(value) > MAX_ID:
            raise InvalidMessage(f"{name} is longer than {MAX_ID} characters")
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=dt.UTC)
        timestamp_text = ""
    try:
        outside = timestamp < EARLIEST or timestamp > received_at + dt.timedelta(days=1)
    except OverflowError:
        outside = True
    if outside:
        raise InvalidMessage(f"timestamp {timestamp.isoformat()} is outside {EARLIEST.date()} to a day after the "
                             f"import")
    encoded = _BACKFILL_PAYLOAD % (_json_text(message_id), _json_text(user_id), _json_text(event),
                                   _json_text(timestamp_text or timestamp.isoformat()),
                                   properties_json, _json_text(source))
    if len(encoded) > MAX_MESSAGE_BYTES:  # ASCII (as json.dumps escapes): characters are bytes
        raise InvalidMessage(f"the message is {len(encoded)} bytes, over the {MAX_MESSAGE_BYTES // 1024} KB limit")
    return BackfillEvent(message_id, user_id, event, account_id, timestamp, encoded)


# What json.dumps writes for {"type": "track", "messageId": …, "userId": …, "event": …, "timestamp": …,
# "properties": …, "context": {"source": …}} ("import", or "demo").
_BACKFILL_PAYLOAD = ('{"type": "track", "messageId": %s, "userId": %s, "event": %s, "timestamp": %s, '
                     '"properties": %s, "context": {"source": %s}}')
_json_text = encode_basestring_ascii
