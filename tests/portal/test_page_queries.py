"""The member's pages make the same few queries however many requests they have (no query per ticket)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/help/account/", "/help/contact/", "/help/"])
def test_the_members_pages_make_a_fixed_number_of_queries(member_client, peter, url):
    make_ticket(peter.account, contact=peter, subject="First")
    few = _queries(member_client, url)
    for i in range(15):
        make_ticket(peter.account, contact=peter, subject=f"Ticket {i}", status="solved" if i % 2 else "open")
    assert _queries(member_client, url) == few <= 5
