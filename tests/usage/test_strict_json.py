"""The event API reads bodies with orjson and writes strict ones' stored text with it too; what only the standard
library reads (NaN, deep nesting) takes the checked path. Either way the stored payload is the message as merged."""


import pytest

from tenure.usage.models import Event
from tenure.usage.protocol import CheckedJSON, decode_body, messages_in

pytestmark = pytest.mark.django_db


def _payload(message_id: str) -> dict:
    return Event.objects.get(message_id=message_id).payload


def test_the_stored_payload_is_the_merged_message(send):
    body = {"batch": [{"type": "track", "messageId": "m1", "userId": "ann", "event": "Exported",
                       "properties": {"rows": 12, "ratio": 0.5, "name": "Zoë ✓ \"quoted\" \\ /", "tags": [1, None]},
                       "context": {"page": {"path": "/x"}}}],
            "context": {"library": {"name": "analytics-python"}}, "sentAt": "2026-11-20T10:00:00Z"}
    assert send("batch", body).json()["accepted"] == 1
    stored = _payload("m1")
    assert stored["properties"] == body["batch"][0]["properties"]
    assert stored["context"] == {"library": {"name": "analytics-python"}, "page": {"path": "/x"}}
    assert stored["sentAt"] == "2026-11-20T10:00:00Z"


def test_nesting_past_orjsons_writing_limit_is_stored_by_the_standard_library(send):
    deep: dict = {}
    inner = deep
    for _ in range(300):  # orjson reads 1,024 levels but writes 254
        inner["n"] = {}
        inner = inner["n"]
    body = {"batch": [{"type": "track", "messageId": "deep", "userId": "ann", "event": "Nested",
                       "properties": deep}]}
    assert send("batch", body).json()["accepted"] == 1
    assert _payload("deep")["properties"] == deep


def test_only_strict_bodies_are_marked_checked():
    strict = decode_body(b'{"batch":[{"type":"track","event":"a","userId":"u"}]}')
    assert isinstance(strict, CheckedJSON) and all(type(m) is CheckedJSON for m in messages_in(strict, "batch"))
    lenient = decode_body(b'{"batch":[{"type":"track","event":"a","userId":"u","properties":{"v":NaN}}]}')
    assert not isinstance(lenient, CheckedJSON)
    assert not any(isinstance(m, CheckedJSON) for m in messages_in(lenient, "batch"))
    single = decode_body(b'{"event":"a","userId":"u","writeKey":"k"}')
    (message,) = messages_in(single, "track")
    assert type(message) is CheckedJSON and "writeKey" not in message
