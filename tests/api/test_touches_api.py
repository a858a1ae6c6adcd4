import pytest

from tenure.engagement.models import Touch
from tests.factories import make_account, make_contact, make_touch

pytestmark = pytest.mark.django_db


def test_logging_a_touch_records_author_and_contacts(csm_client, csm):
    account = make_account()
    sponsor = make_contact(account, roles=["executive_sponsor"])
    response = csm_client.post(
        "/api/touches",
        {"account_id": account.pk, "contact_ids": [sponsor.pk], "kind": "qbr", "summary": "Q3 review went well",
         "sentiment": "positive", "occurred_at": "2026-10-15T14:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact_ids"] == [sponsor.pk]
    assert body["author_id"] == csm.pk
    assert body["kind"] == "qbr"


def test_touch_with_a_contact_of_another_account_is_refused_and_not_stored(csm_client):
    response = csm_client.post(
        "/api/touches", {"account_id": make_account().pk, "contact_ids": [make_contact().pk], "summary": "Hi"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not Touch.objects.exists()


def test_timeline_lists_newest_first(csm_client):
    account = make_account()
    make_touch(account, summary="older", occurred_at="2026-01-01T10:00:00Z")
    make_touch(account, summary="newer", occurred_at="2026-03-01T10:00:00Z")
    items = csm_client.get(f"/api/touches?account_id={account.pk}").json()["items"]
    assert [t["summary"] for t in items] == ["newer", "older"]


def test_list_has_no_query_per_touch(csm_client, django_assert_max_num_queries):
    account = make_account()
    for i in range(20):
        make_touch(account, summary=f"touch {i}", contacts=[make_contact(account)])
    with django_assert_max_num_queries(8):
        assert len(csm_client.get("/api/touches?limit=50").json()["items"]) == 20
