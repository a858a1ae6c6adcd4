"""Group calls create and update accounts through the accounts room's bulk services, in a fixed number of
queries per request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenure.accounts.models import Account
from tenure.engagement.models import Touch
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db

T = "2026-11-20T10:00:00.000Z"


def group(n: int, group_id: str, **traits) -> dict:
    return {"type": "group", "messageId": f"g-{group_id}-{n}", "userId": f"u-{group_id}-{n}", "groupId": group_id,
            "timestamp": T, "traits": traits}


def test_group_traits_update_an_account_and_leave_its_owner_alone(send):
    owner = make_user(username="olga")
    account = make_account(name="Old", product_group_id="G-1", owner=owner)
    stamp = account.updated_at

    send("batch", {"batch": [group(1, "g-1", name="Acme", plan="gold"), group(2, "G-1", website="https://acme.io/")]})

    account.refresh_from_db()
    assert (account.name, account.domain, account.custom, account.owner) == ("Acme", "acme.io", {"plan": "gold"}, owner)
    assert account.updated_at > stamp
    assert not Touch.objects.exists()


def test_a_domain_another_account_has_stays_with_it(send):
    make_account(name="Holder", domain="taken.io")

    send("batch", {"batch": [group(1, "NEW", name="Newco", domain="taken.io")]})

    assert Account.objects.get(product_group_id="NEW").domain == ""


def test_a_request_of_many_groups_reads_and_writes_accounts_in_as_many_queries_as_one_of_two(send):
    def queries(n: int, prefix: str) -> int:
        for i in range(n // 2):  # half the groups exist and change, half are new
            make_account(name=f"{prefix}{i}", product_group_id=f"{prefix}-{i}")
        batch = [group(i, f"{prefix}-{i}", name=f"Renamed {prefix}{i}", tier="gold") for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            response = send("batch", {"batch": batch})
        assert response.status_code == 200, response.content
        return sum('"accounts_account"' in q["sql"] for q in captured.captured_queries)

    assert queries(2, "a") == queries(20, "b")
    assert Account.objects.filter(name__startswith="Renamed b", custom__tier="gold").count() == 20
