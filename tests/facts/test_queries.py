"""The facts of a batch cost a fixed number of queries, whatever its size; the list's usage numbers come from them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenure.facts import load_facts
from tenure.usage.services import ingest
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch

END = dt.date(2026, 11, 20)


def usage(account, user, day):
    stamp = f"{day.isoformat()}T10:00:00Z"
    ingest([{"type": "group", "messageId": f"g-{user}", "userId": user, "groupId": account.product_group_id,
             "timestamp": stamp},
            {"type": "track", "messageId": f"{user}-{day}", "userId": user, "event": "Logged In",
             "timestamp": stamp}])


def facts_queries() -> int:
    """How many queries one batch of account facts costs (pages that read facts add exactly this)."""
    from django.utils import timezone

    from tenure.accounts.models import Account

    return _queries(list(Account.objects.values_list("pk", flat=True)[:1]) or [0], timezone.localdate())


def _queries(ids, day: dt.date = END) -> int:
    with CaptureQueriesContext(connection) as ctx:
        load_facts(ids, day)
    return len(ctx)


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_however_many_accounts_and_records():
    accounts = [make_account(product_group_id=f"g{i}") for i in range(5)]
    for i, account in enumerate(accounts):
        make_subscription(account, seats=4, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
        for u in range(i):
            usage(account, f"a{i}u{u}", END - dt.timedelta(days=1))
    usage(accounts[2], "old1", END - dt.timedelta(days=35))
    one = _queries([accounts[0].pk])
    for account in accounts[1:]:
        make_contact(account, roles=["executive_sponsor"])
        make_ticket(account, priority="high")
        make_touch(account, sentiment="positive")
    assert _queries([a.pk for a in accounts]) == one
    facts = load_facts([a.pk for a in accounts], END)
    assert [facts[a.pk].active_users for a in accounts] == [0, 1, 2, 3, 4]
    assert facts[accounts[4].pk].utilization == 1.0
    assert facts[accounts[2].pk].active_user_trend == 1.0  # 2 users now vs 1 before
    assert facts[accounts[0].pk].utilization == 0.0  # usage arrives, nobody here uses it: 0%, not unknown
