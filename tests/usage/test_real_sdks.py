"""The published SDKs, unchanged, pointed at a live Tenure: what they send must be stored."""

import os

import pytest

from tenure.accounts.models import Account, Contact
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, Event
from tenure.usage.services import create_write_key

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _close_sdk_connections():
    """The SDKs keep a module-level HTTP session alive; close it so no server thread is left reading it."""
    yield
    from rudderstack.analytics import request as rudder_request
    from segment.analytics import request as segment_request

    segment_request._session.close()
    rudder_request._session.close()


def _assert_stored(group_id: str, user_id: str, email: str):
    account = Account.objects.get(product_group_id=group_id)
    assert account.name == "SDK Co"
    contact = Contact.objects.get(product_user_id=user_id)
    assert (contact.account_id, contact.email) == (account.pk, email)
    usage = DailyFeatureUsage.objects.get(account=account, event="Dashboard Viewed")
    assert (usage.count, usage.users) == (3, 1)
    assert DailyAccountActivity.objects.get(account=account).logins == 1
    assert Event.objects.filter(type="track").count() == 4


def _send_with(client, user_id: str, group_id: str, email: str):
    client.identify(user_id, {"email": email, "name": "Sam Sdk", "title": "Analyst"})
    client.group(user_id, group_id, {"name": "SDK Co", "industry": "Logistics"})
    client.track(user_id, "Logged In")
    for i in range(3):
        client.track(user_id, "Dashboard Viewed", {"n": i})
    client.flush()


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_segment_python_sdk(live_server, transactional_db, gzip):
    from segment.analytics import Client

    errors = []
    _, key = create_write_key("segment sdk")
    client = Client(key, host=live_server.url, gzip=gzip, on_error=lambda e, batch: errors.append(e),
                    max_retries=1)
    _send_with(client, "seg-user-1", "seg-group-1", "sam@sdk.example")
    client.shutdown()
    assert errors == []
    _assert_stored("seg-group-1", "seg-user-1", "sam@sdk.example")


def test_rudderstack_python_sdk(live_server, transactional_db):
    import rudderstack.analytics as rudder_analytics

    errors = []
    _, key = create_write_key("rudder sdk")
    rudder_analytics.write_key = key
    rudder_analytics.dataPlaneUrl = live_server.url
    rudder_analytics.on_error = lambda e, batch: errors.append(e)
    rudder_analytics.default_client = None
    try:
        _send_with(rudder_analytics, "rs-user-1", "rs-group-1", "sam@rudder.example")
        rudder_analytics.shutdown()
    finally:
        rudder_analytics.default_client = None
    assert errors == []
    _assert_stored("rs-group-1", "rs-user-1", "sam@rudder.example")


def test_segment_sdk_with_revoked_key_reports_the_error(live_server, transactional_db):
    from segment.analytics import Client

    from tenure.usage.services import revoke_write_key

    errors = []
    wk, key = create_write_key("old")
    revoke_write_key(wk)
    client = Client(key, host=live_server.url, on_error=lambda e, batch: errors.append(e), max_retries=0)
    client.track("u", "Anything")
    client.flush()
    client.shutdown()
    assert errors and "invalid_write_key" in str(errors[0])
    assert not Event.objects.exists()
