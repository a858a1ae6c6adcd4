"""A few wrong passwords lock the username (and many from one address lock the address) for a while, with a clear
429; a successful sign-in clears the count; wrong API tokens are throttled per address."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tenure.users import throttle
from tenure.users.models import Role, SignInThrottle
from tenure.users.services import issue_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_wrong_passwords_lock_the_username_then_the_right_one_waits():
    make_user(Role.CSM, username="ann", password="right-password")
    client = Client()
    answers = [_sign_in(client, "ann", f"wrong-{i}").status_code for i in range(6)]
    assert answers[:4] == [200] * 4 and answers[4:] == [429, 429]  # the fifth failure locks
    locked = _sign_in(client, "ann", "right-password")
    assert locked.status_code == 429 and "Too many failed sign-ins. Try again in 15 minutes" in locked.content.decode()
    assert int(locked["Retry-After"]) > 800
    assert "_auth_user_id" not in client.session  # not signed in while locked


def test_a_success_clears_the_count_and_the_lock_ends_after_its_time():
    make_user(Role.CSM, username="bob", password="right-password")
    client = Client()
    for i in range(4):
        _sign_in(client, "bob", f"wrong-{i}")
    assert _sign_in(client, "bob", "right-password").status_code == 302  # signed in
    assert not SignInThrottle.objects.filter(key="user:bob").exists()
    for i in range(5):
        _sign_in(Client(), "bob", f"wrong-{i}")
    assert _sign_in(Client(), "bob", "right-password").status_code == 429
    SignInThrottle.objects.filter(key="user:bob").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _sign_in(Client(), "bob", "right-password").status_code == 302


def test_many_usernames_from_one_address_lock_the_address():
    make_user(Role.CSM, username="cara", password="right-password")
    client = Client()
    for i in range(20):
        _sign_in(client, f"nobody{i}", "guess")
    assert _sign_in(client, "cara", "right-password").status_code == 429


def test_wrong_api_tokens_are_throttled_per_address():
    _, raw = issue_token(make_user(Role.CSM, username="dee"), "ci")
    client = Client()
    answers = [client.get("/api/accounts", HTTP_AUTHORIZATION=f"Bearer tnr_wrong{i}").status_code for i in range(20)]
    assert set(answers) == {401}
    refused = client.get("/api/accounts", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 429 and "too many wrong API tokens" in refused.json()["detail"]


def test_the_wait_in_words():
    assert throttle.wait_words(61) == "2 minutes" and throttle.wait_words(30) == "1 minute"


def test_behind_trusted_proxies_failures_count_by_the_clients_address(settings, rf):
    settings.TENURE_PROXY_HOPS = 1  # one load balancer, which appends the address it was reached from
    behind = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert throttle.address_of(behind) == "203.0.113.9"  # the client cannot choose it by writing to the left
    assert throttle.address_of(rf.post("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"  # no header: the peer
    settings.TENURE_PROXY_HOPS = 0
    assert throttle.address_of(behind) == "10.0.0.1"  # trusting no proxy, the header means nothing
