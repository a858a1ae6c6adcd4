"""Links used at the same moment: one link signs in once, however many requests race with it; two links of one
new email (a sign-up by domain) make one contact. PostgreSQL, real threads (SQLite serialises writers)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from tenure.accounts import services as accounts
from tenure.accounts.models import Contact
from tenure.portal import services
from tests.factories import make_account, make_contact

THREADS = 6


def _race(tokens: list[str]) -> list[object]:
    def use(token):
        try:
            return services.use_link(token).pk
        except services.LinkRefused as refused:
            return refused.status
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(tokens)) as pool:
        return list(pool.map(use, tokens))


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case (SQLite serialises writers)")


def test_one_link_used_by_many_requests_at_once_signs_in_once(postgresql):
    peter = make_contact(make_account(domain="initech.example"), email="peter@initech.example")
    token = services.issue_link(peter.email)
    answers = _race([token] * THREADS)
    assert sorted(answers, key=str) == sorted([peter.pk] + [410] * (THREADS - 1), key=str)


def test_two_links_of_one_new_email_used_at_once_make_one_contact(postgresql):
    account = make_account(name="Hooli", domain="hooli.example")
    accounts.allow_portal_sign_up(account, True)
    tokens = [services.issue_link("gavin@hooli.example") for _ in range(THREADS)]
    answers = _race(tokens)
    gavin = Contact.objects.get(email="gavin@hooli.example")
    assert answers == [gavin.pk] * THREADS
