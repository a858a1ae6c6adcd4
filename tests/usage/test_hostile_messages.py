"""Per-message validation that is total: a message the store cannot hold is rejected alone, with its reason and
position, and the rest of the batch is stored; whole-request problems are JSON errors; nothing is a 500."""

import datetime as dt
import gzip
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.accounts.models import Account
from tenure.usage.models import Event, Feature
from tenure.usage.protocol import InvalidMessage, parse_message

pytestmark = pytest.mark.django_db
GOOD = '{"type":"track","messageId":"good","userId":"u1","event":"Clicked","timestamp":"2026-11-20T10:00:00Z"}'
LONG = "x" * 101


def _track(**extra) -> str:
    return json.dumps({"type": "track", "messageId": "bad", "userId": "u2", "event": "Clicked",
                       "timestamp": "2026-11-20T10:00:00Z", **extra})


HOSTILE = {
    "group id over 100": json.dumps({"type": "group", "messageId": "bad", "userId": "u2", "groupId": LONG}),
    "traits.name over 200": json.dumps({"type": "identify", "messageId": "bad", "userId": "u2",
                                        "traits": {"name": "n" * 201}}),
    "traits.industry over 100": json.dumps({"type": "group", "messageId": "bad", "userId": "u2", "groupId": "g",
                                            "traits": {"industry": LONG}}),
    "traits.email over 254": json.dumps({"type": "identify", "messageId": "bad", "userId": "u2",
                                         "traits": {"email": "e" * 250 + "@x.com"}}),
    "context.groupId over 100": _track(context={"groupId": LONG}),
    "context.groupId an object": _track(context={"groupId": {"a": 1}}),
    "NaN": _track().replace('"event"', '"properties":{"v":NaN},"event"'),
    "Infinity": _track().replace('"event"', '"properties":{"v":Infinity},"event"'),
    "1e400": _track().replace('"event"', '"properties":{"v":1e400},"event"'),
    "lone surrogate": _track().replace('"Clicked"', '"Cl\\udc80icked"'),
    "NUL in the event": _track().replace('"Clicked"', '"Cl\\u0000icked"'),
    "NUL in the message id": _track().replace('"bad"', '"b\\u0000ad"'),
    "NUL in properties": _track(properties={"v": "a\u0000b"}),
    "year 1 with sentAt 9999": _track(timestamp="0001-01-01T00:00:00Z", sentAt="9999-12-31T23:59:59Z"),
    "year 10000 after the offset": _track(timestamp="9999-12-31T23:00:00-12:00"),
    "1900": _track(timestamp="1900-01-01T00:00:00Z"),
    "far future": _track(timestamp="9999-01-01T00:00:00Z"),
    "anonymousId of 200": json.dumps({"type": "track", "messageId": "bad", "anonymousId": "a" * 200,
                                      "event": "Clicked"}),
    "page name of 200": json.dumps({"type": "page", "messageId": "bad", "userId": "u2", "name": "p" * 200}),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_message_the_store_cannot_hold_is_rejected_alone(send, case):
    response = send("batch", None, raw=('{"batch":[' + GOOD + "," + HOSTILE[case] + "]}").encode())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 1 and [r["index"] for r in body["rejected"]] == [1], body
    assert body["rejected"][0]["message"]
    assert list(Event.objects.values_list("message_id", flat=True)) == ["good"]
    assert not Feature.objects.filter(last_seen__year__gt=dt.date.today().year + 1).exists()
    assert not Account.objects.filter(name__startswith="{").exists()


def test_whole_request_problems_are_json_errors(send, write_key):
    deep = ("[" * 10_000 + "]" * 10_000).encode()
    assert send("batch", None, raw=b'{"batch":' + deep + b"}").json()["code"] == "invalid_json"
    truncated = gzip.compress(('{"batch":[' + GOOD + "]}").encode())[:-4]
    response = send("batch", None, raw=truncated, headers={"content-encoding": "gzip"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_gzip"
    bad_key = Client().post("/v1/batch", '{"writeKey":"wk_\\udc80","batch":[]}', content_type="application/json")
    assert bad_key.status_code == 401 and bad_key.json()["code"] == "invalid_write_key"
    missing = Client().post("/v1/nope", "{}", content_type="application/json")
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message"}
    wrong_method = Client().get("/v1/batch")
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"code", "message"}
    assert not Event.objects.exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
message_like = st.fixed_dictionaries(
    {}, optional={"type": st.sampled_from(["track", "identify", "group", "page", "screen", "alias", "x"]) | json_values,
                  "messageId": json_values, "userId": json_values, "anonymousId": json_values,
                  "event": json_values, "groupId": json_values, "previousId": json_values, "name": json_values,
                  "timestamp": st.datetimes().map(lambda d: d.isoformat()) | json_values,
                  "sentAt": st.datetimes().map(lambda d: d.isoformat() + "Z") | json_values,
                  "traits": json_values, "properties": json_values, "context": json_values})


@given(message_like | json_values)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parsing_any_json_either_gives_a_message_or_names_the_problem(msg):
    try:
        parse_message(msg, dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
    except InvalidMessage as e:
        assert str(e)


@given(st.lists(message_like, max_size=5))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_any_batch_is_answered_without_a_server_error(send, batch):
    response = send("batch", {"batch": batch})
    assert response.status_code in (200, 400), response.content
    assert set(response.json()) >= ({"code", "message"} if response.status_code == 400 else {"accepted"})
