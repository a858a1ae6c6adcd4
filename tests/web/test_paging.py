"""Every list that grows pages: the webhook delivery log, survey answers and campaigns, the feature catalog and
rejected messages; page 2 shows the next rows, a page past the end the last one (never an error), and each page
reads the same number of queries whatever the number of rows."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenure.integrations.models import WebhookDelivery, WebhookEndpoint
from tenure.surveys.models import SurveyResponse
from tenure.usage.models import Feature, RejectedMessage
from tenure.users.models import Role
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def ops():
    c = Client()
    c.force_login(make_user(Role.CS_OPS, username="olga"))
    return c


def deliveries(n: int, start: int = 0) -> None:
    endpoint = WebhookEndpoint.objects.first() or WebhookEndpoint.objects.create(name="CRM", url="http://127.0.0.1:9/")
    WebhookDelivery.objects.bulk_create([WebhookDelivery(endpoint=endpoint, event_id=f"evt-{i:03d}",
                                                         event_type=f"kind.e{i:03d}", payload={})
                                         for i in range(start, start + n)])


def shown(response, pattern: str) -> list[str]:
    assert response.status_code == 200
    return re.findall(pattern, response.content.decode())


DELIVERY = r'<span title="kind\.(e\d+) in the payload">'


def test_the_delivery_log_pages_newest_first(ops):
    deliveries(60)
    first = shown(ops.get("/integrations/webhooks/"), DELIVERY)
    second = shown(ops.get("/integrations/webhooks/", {"page": 2}), DELIVERY)
    assert first == [f"e{i:03d}" for i in range(59, 9, -1)]  # 50, newest first
    assert second == [f"e{i:03d}" for i in range(9, -1, -1)]  # the next 10
    assert shown(ops.get("/integrations/webhooks/", {"page": 99}), DELIVERY) == second  # past the end: the last
    assert shown(ops.get("/integrations/webhooks/", {"page": "x"}), DELIVERY) == first
    html = ops.get("/integrations/webhooks/").content.decode()
    assert "60, newest first" in html and 'href="/integrations/webhooks/?page=2"' in html


def _queries(client, path, query=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, query or {}).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("path", ["/integrations/webhooks/", "/surveys/", "/usage/"])
def test_the_growing_pages_read_the_same_queries_for_few_rows_and_many(ops, path):
    account = make_account(name="Acme")

    def grow(n, start):
        deliveries(n, start)
        SurveyResponse.objects.bulk_create([SurveyResponse(account=account, score=i % 11,
                                                           answered_at=NOW - dt.timedelta(hours=i))
                                            for i in range(start, start + n)])
        Feature.objects.bulk_create([Feature(event=f"event_{i}", first_seen=NOW, last_seen=NOW)
                                     for i in range(start, start + n)])
        RejectedMessage.objects.bulk_create([RejectedMessage(received_at=NOW, index=i, reason="bad", payload="{}")
                                             for i in range(start, start + n)])

    grow(3, 0)
    few = _queries(ops, path)
    grow(120, 3)
    assert _queries(ops, path) == few
    assert _queries(ops, path, {"page": 2, "answers_page": 3, "features_page": 2, "rejected_page": 4}) == few


def test_survey_answers_and_the_nps_by_account_list_page(ops):
    for i in range(30):
        account = make_account(name=f"Account {i:02d}")
        SurveyResponse.objects.create(account=account, score=i % 11, answered_at=NOW - dt.timedelta(days=i))
    html = ops.get("/surveys/").content.decode()
    assert "Page 1 of 2" in html and 'href="/surveys/?answers_page=2"' in html
    assert 'href="/surveys/?accounts_page=2"' in html
    later = ops.get("/surveys/", {"answers_page": 2, "accounts_page": 2}).content.decode()
    answers = later[later.index("Answers <span"):]
    assert answers.count("/accounts/") == 5  # answers 26 to 30, one account link each
    assert "Account 29" in answers and "Account 00" not in answers
    # Each list keeps the other's page.
    assert 'href="/surveys/?accounts_page=2&amp;answers_page=1"' in later


def test_the_feature_catalog_and_rejected_messages_page(ops):
    Feature.objects.bulk_create([Feature(event=f"event_{i:03d}", first_seen=NOW, last_seen=NOW) for i in range(75)])
    RejectedMessage.objects.bulk_create([RejectedMessage(received_at=NOW, index=i, reason="bad", payload="{}")
                                         for i in range(45)])
    html = ops.get("/usage/").content.decode()
    assert "event_049" in html and "event_050" not in html
    assert '<span class="count">75</span>' in html and '<span class="count">45</span>' in html
    later = ops.get("/usage/", {"features_page": 2, "rejected_page": 9}).content.decode()
    assert "event_050" in later and "event_074" in later and "event_049" not in later
    assert "Page 3 of 3" in later  # the rejected messages' last page
