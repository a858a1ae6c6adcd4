"""Many portal requests counting at once (PostgreSQL, real threads each with its own connection): every view,
search and gap counted, none lost, one row per day × account × contact × kind × article."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.db.models import Sum

from tenure.knowledge import services
from tenure.knowledge.models import KnowledgeActivity, KnowledgeGap
from tests.factories import make_account, make_contact
from tests.knowledge.builders import make_article

THREADS, EACH = 6, 10


def test_concurrent_views_searches_and_gaps_are_all_counted(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case (SQLite serialises writers)")
    account = make_account()
    contact = make_contact(account)
    article = make_article("Counted")

    def work(_):
        try:
            for _ in range(EACH):
                services.record_view(article, account, contact)
                services.record_search("salesforce sync", [], account=account, contact=contact)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    rows = KnowledgeActivity.objects.filter(account=account)
    assert rows.count() == 2
    assert dict(rows.values_list("kind").annotate(n=Sum("count"))) == {"view": THREADS * EACH,
                                                                       "search": THREADS * EACH}
    gap = KnowledgeGap.objects.get()
    assert gap.count == THREADS * EACH
