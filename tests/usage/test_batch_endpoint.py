import datetime as dt

import pytest

from tenure.accounts.models import Account, Contact
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, Event, Feature, ProductUser, RejectedMessage

pytestmark = pytest.mark.django_db

T = "2026-11-20T10:00:00.000Z"


def track(mid, user="u1", event="Report Exported", ts=T, **kw):
    return {"type": "track", "messageId": mid, "userId": user, "event": event, "timestamp": ts, **kw}


def test_group_identify_track_builds_account_contact_and_rollups(send):
    batch = [
        {"type": "group", "messageId": "g1", "userId": "u1", "groupId": "ACME-1", "timestamp": T,
         "traits": {"name": "Acme Corp", "industry": "Retail", "plan": "Pro"}},
        {"type": "identify", "messageId": "i1", "userId": "u1", "timestamp": T,
         "traits": {"email": "Ann@Acme.com", "firstName": "Ann", "lastName": "Lee", "title": "Ops lead"}},
        track("t1"), track("t2"), track("t3", user="u2"),
        track("l1", event="Logged In"),
    ]
    response = send("batch", {"batch": batch})
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "accepted": 6, "duplicates": 0, "unattributed": 1, "rejected": []}

    account = Account.objects.get(product_group_id="ACME-1")
    assert (account.name, account.industry, account.custom) == ("Acme Corp", "Retail", {"plan": "Pro"})
    contact = Contact.objects.get(product_user_id="u1")
    assert (contact.account, contact.email, contact.name, contact.title) == (account, "ann@acme.com", "Ann Lee",
                                                                             "Ops lead")
    feature = DailyFeatureUsage.objects.get(account=account, event="Report Exported")
    assert (feature.day, feature.count, feature.users) == (dt.date(2026, 11, 20), 2, 1)  # u2 is not in a group
    day = DailyAccountActivity.objects.get(account=account)
    assert (day.active_users, day.logins, day.events) == (1, 1, 3)
    assert set(Feature.objects.values_list("event", flat=True)) == {"Report Exported", "Logged In"}


def test_replayed_batch_is_stored_once(send):
    batch = [{"type": "group", "messageId": "g1", "userId": "u1", "groupId": "G", "timestamp": T},
             track("t1"), track("t2", user="u1")]
    assert send("batch", {"batch": batch}).json()["accepted"] == 3
    again = send("batch", {"batch": batch}).json()
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    assert Event.objects.count() == 3
    assert DailyFeatureUsage.objects.get(event="Report Exported").count == 2


def test_duplicate_message_id_inside_one_batch_counts_once(send):
    send("batch", {"batch": [{"type": "group", "messageId": "g", "userId": "u1", "groupId": "G", "timestamp": T}]})
    result = send("batch", {"batch": [track("same"), track("same")]}).json()
    assert (result["accepted"], result["duplicates"]) == (1, 1)
    assert DailyFeatureUsage.objects.get().count == 1


def test_distinct_users_accumulate_across_requests(send):
    send("group", {"messageId": "g1", "userId": "u1", "groupId": "G", "timestamp": T})
    send("group", {"messageId": "g2", "userId": "u2", "groupId": "G", "timestamp": T})
    send("batch", {"batch": [track("a", user="u1"), track("b", user="u1")]})
    send("batch", {"batch": [track("c", user="u2"), track("d", user="u1")]})
    feature = DailyFeatureUsage.objects.get(event="Report Exported")
    assert (feature.count, feature.users) == (4, 2)
    assert DailyAccountActivity.objects.get().active_users == 2


def test_invalid_message_in_batch_is_kept_with_reason_and_the_rest_stored(send):
    batch = [track("ok1"), {"type": "track", "messageId": "bad", "userId": "u1", "timestamp": T},
             {"type": "track", "messageId": "anon", "event": "X", "userId": None, "anonymousId": None}]
    response = send("batch", {"batch": batch})
    assert response.status_code == 200
    assert response.json()["rejected"] == [
        {"index": 1, "message": "track needs an event name"},
        {"index": 2, "message": "userId or anonymousId is required (either may be null, not both)"},
    ]
    assert list(Event.objects.values_list("message_id", flat=True)) == ["ok1"]
    assert list(RejectedMessage.objects.order_by("index").values_list("index", "reason")) == [
        (1, "track needs an event name"),
        (2, "userId or anonymousId is required (either may be null, not both)"),
    ]


def test_batch_context_merges_into_each_message_and_context_group_routes_track(send):
    Account.objects.create(name="Initech", product_group_id="ini")
    batch = {"batch": [track("t1", user="nobody", context={"ip": "1.2.3.4"})],
             "context": {"groupId": "INI", "library": {"name": "x"}}, "integrations": {"All": True}}
    send("batch", batch)
    event = Event.objects.get()
    assert event.payload["context"] == {"groupId": "INI", "library": {"name": "x"}, "ip": "1.2.3.4"}
    assert event.payload["integrations"] == {"All": True}
    assert event.account_id == Account.objects.get(name="Initech").pk


def test_client_clock_skew_is_corrected_with_sent_at(send):
    send("group", {"messageId": "g", "userId": "u1", "groupId": "G", "timestamp": T})
    # The client's clock is two hours fast: it says it sent at 12:00 what happened at 11:30.
    send("batch", {"batch": [track("t", ts="2026-11-20T11:30:00Z")], "sentAt": "2026-11-20T12:00:00Z"})
    event = Event.objects.get(message_id="t")
    assert event.original_timestamp == dt.datetime(2026, 11, 20, 11, 30, tzinfo=dt.UTC)
    assert event.timestamp == event.received_at - dt.timedelta(minutes=30)


def test_alias_moves_usage_to_the_known_user(send):
    send("group", {"messageId": "g", "userId": "known", "groupId": "G", "timestamp": T})
    send("alias", {"messageId": "a", "previousId": "anon-cookie", "userId": "known", "timestamp": T})
    assert ProductUser.objects.get(user_id="anon-cookie").merged_into.user_id == "known"
    send("track", {"messageId": "t", "userId": "anon-cookie", "event": "Viewed", "timestamp": T})
    assert Event.objects.get(message_id="t").account_id == Account.objects.get().pk
