import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import make_account, make_contact

LINK = re.compile(r"http://\S+/help/sign-in/([A-Za-z0-9_-]+)/")


@pytest.fixture
def initech(db):
    return make_account(name="Initech", domain="initech.example")


@pytest.fixture
def peter(initech):
    return make_contact(initech, name="Peter Gibbons", email="peter@initech.example")


def token_in(message) -> str:
    return LINK.search(message.body).group(1)


def last_token() -> str:
    return token_in(mail.outbox[-1])


def sign_in(client: Client, email: str):
    """The member's whole way in: ask for a link, open it from the email, confirm. Returns the last response."""
    sent = len(mail.outbox)
    client.post("/help/sign-in/", {"email": email})
    assert len(mail.outbox) == sent + 1, "no sign-in link was sent"
    return client.post(f"/help/sign-in/{last_token()}/")


@pytest.fixture
def member_client(peter):
    client = Client()
    assert sign_in(client, peter.email).status_code == 302
    return client
