"""Sign-in links are throttled per email and per address (the staff sign-in's table and its words): 429 with the
time to wait, whether or not the email is known."""

import pytest
from django.core import mail
from django.test import Client

from tenure.users.models import SignInThrottle

pytestmark = pytest.mark.django_db


def _ask(email, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/help/sign-in/", {"email": email})


def test_one_email_gets_five_links_then_waits(peter):
    answers = [_ask(peter.email, f"10.0.0.{i}").status_code for i in range(7)]
    assert answers == [302] * 5 + [429, 429]
    assert len(mail.outbox) == 5
    refused = _ask("PETER@initech.example", "10.9.9.9")  # the same email, however written
    assert refused.status_code == 429
    assert "Too many sign-in links asked for. Try again in 15 minutes." in refused.content.decode()
    assert int(refused["Retry-After"]) > 800


def test_one_address_gets_twenty_requests_then_waits(peter):
    answers = [_ask(f"someone{i}@elsewhere.example").status_code for i in range(20)]
    assert set(answers) == {302}
    assert _ask(peter.email).status_code == 429
    assert mail.outbox == []
    assert _ask(peter.email, "10.0.0.2").status_code == 302  # another address still may


def test_unknown_emails_count_the_same(db):
    answers = [_ask("nobody@elsewhere.example", f"10.1.0.{i}").status_code for i in range(6)]
    assert answers == [302] * 5 + [429]
    assert SignInThrottle.objects.filter(key="portal-email:nobody@elsewhere.example").exists()
