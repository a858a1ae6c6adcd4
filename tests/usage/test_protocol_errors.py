import json

import pytest

from tenure.usage.models import Event, WriteKey
from tenure.usage.services import revoke_write_key

pytestmark = pytest.mark.django_db

MSG = {"messageId": "m1", "userId": "u1", "event": "Clicked", "timestamp": "2026-11-20T10:00:00Z"}


def test_missing_write_key_is_401(send):
    response = send("track", MSG, key=None)
    assert response.status_code == 401
    assert response.json()["code"] == "missing_write_key"


def test_unknown_and_revoked_keys_are_401(send, write_key):
    assert send("track", MSG, key="wk_nope").status_code == 401
    revoke_write_key(WriteKey.objects.get())
    response = send("track", MSG)
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_write_key", "message": "the write key is unknown or revoked"}
    assert not Event.objects.exists()


def test_write_key_in_body_is_accepted(send, write_key):
    assert send("track", {**MSG, "writeKey": write_key}, key=None).status_code == 200


def test_malformed_json_is_400(send):
    response = send("batch", None, raw=b'{"batch": [')
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_gzip_body_is_read(send):
    assert send("batch", {"batch": [MSG | {"type": "track"}]}, gzipped=True).json()["accepted"] == 1


def test_bad_gzip_is_400(send):
    response = send("batch", None, raw=b"not gzip", headers={"content-encoding": "gzip"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_gzip"


def test_batch_over_500_kb_is_400_and_stores_nothing(send):
    big = [{**MSG, "type": "track", "messageId": f"m{i}", "properties": {"pad": "x" * 20_000}} for i in range(30)]
    response = send("batch", {"batch": big})
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"
    assert not Event.objects.exists()


def test_gzip_bomb_is_refused_after_500_kb(send):
    body = json.dumps({"batch": [], "pad": " " * 2_000_000}).encode()
    response = send("batch", None, raw=body, gzipped=True)
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"


def test_single_message_over_32_kb_is_400(send):
    response = send("track", {**MSG, "properties": {"pad": "x" * 40_000}})
    assert response.status_code == 400
    assert "32 KB" in response.json()["message"]


def test_missing_event_name_on_track_is_400(send):
    response = send("track", {k: v for k, v in MSG.items() if k != "event"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_message", "message": "track needs an event name"}


def test_both_ids_null_is_400(send):
    response = send("track", {**MSG, "userId": None, "anonymousId": None})
    assert response.status_code == 400
    assert "userId or anonymousId" in response.json()["message"]


def test_anonymous_only_is_accepted(send):
    assert send("track", {**MSG, "userId": None, "anonymousId": "a-1"}).status_code == 200


def test_batch_without_batch_array_is_400(send):
    response = send("batch", {"messages": []})
    assert response.status_code == 400
    assert response.json()["code"] == "missing_batch"


def test_bad_timestamp_is_named(send):
    response = send("track", {**MSG, "timestamp": "yesterday"})
    assert response.status_code == 400
    assert response.json()["message"] == "timestamp 'yesterday' is not an ISO 8601 time"


def test_get_is_not_allowed(client):
    assert client.get("/v1/batch").status_code == 405
