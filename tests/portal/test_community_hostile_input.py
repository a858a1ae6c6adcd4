"""Whatever a visitor or a member sends to the community's pages (titles, bodies, ids, filters, reasons), the
answer is a page or a redirect, never a 500, and nothing half-written is stored."""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tenure.community import services as community
from tenure.community.models import Post, Thread

from .conftest import sign_in

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@pytest.fixture
def member(peter, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
    client = Client()
    sign_in(client, peter.email)
    community.start_thread(community.Viewer(contact=peter), title="Export to CSV", body="How?")
    return client


@EXAMPLES
@given(title=text, body=text, kind=text, category=text, group=text)
@example(title="T\x00", body="b", kind="question", category="", group="")
@example(title="T", body="b", kind="idea", category="99999999999999999999", group="²")
@example(title="x" * 5000, body="y" * 30000, kind="question", category="-1", group="1")
def test_any_new_thread_form_is_answered_without_a_500(member, title, body, kind, category, group):
    threads, posts = Thread.objects.count(), Post.objects.count()
    response = member.post("/help/community/new/", {"title": title, "body": body, "kind": kind,
                                                     "category": category, "group": group})
    assert response.status_code in (302, 400, 429), response.status_code
    if response.status_code != 302:
        assert (Thread.objects.count(), Post.objects.count()) == (threads, posts)


@EXAMPLES
@given(path=text, query=text)
@example(path="t/99999999999999999999/", query="")
@example(path="t/1/2/like/", query="")
@example(path="members/²/", query="")
@example(path="similar/", query="title=%00")
def test_any_community_address_or_filter_is_answered_without_a_500(member, path, query):
    address = f"/help/community/{quote(path, safe='/')}?{quote(query, safe='=&')}"
    for client in (member, Client()):
        assert client.get(address).status_code < 500
        assert client.post(address, {"body": query, "reason": query, "number": query, "action": query,
                                     "status": query, "original": query, "category": query}).status_code < 500
    for params in ({"kind": query}, {"category": query, "sort": query, "page": query, "tag": query},
                   {"title": query}):
        assert member.get("/help/community/", params).status_code == 200
        assert member.get("/help/community/similar/", params).status_code == 200
