"""The knowledge base in the JSON API: list, get, search, create, update; bad input answered 4xx with words."""

import pytest

from tenure.knowledge import services
from tenure.knowledge.models import Article, ArticleStatus
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def patch(client, path, data):
    return client.patch(path, data, content_type="application/json")


def test_create_publish_and_read_an_article(csm_client):
    category = services.create_category(name="Getting started")
    response = post(csm_client, "/api/knowledge/articles", {
        "title": "Invite your team", "body": "Open **Settings** then [Team](https://example.com/team).",
        "category_id": category.pk, "tags": ["admin", "Team"]})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "draft"
    assert created["slug"] == "invite-your-team"
    assert "<strong>Settings</strong>" in created["body_html"]
    assert 'rel="nofollow noopener"' in created["body_html"]
    assert sorted(created["tags"]) == ["Team", "admin"]

    published = patch(csm_client, f"/api/knowledge/articles/{created['id']}", {"status": "published"}).json()
    assert published["status"] == "published" and published["published_at"]
    article = Article.objects.get(pk=created["id"])
    assert [r.note for r in article.revisions.order_by("number")] == ["created", "published"]
    assert csm_client.get(f"/api/knowledge/articles/{article.pk}").json()["title"] == "Invite your team"


def test_list_is_paged_and_filtered_by_status(csm_client):
    for n in range(3):
        make_article(f"Published {n}")
    make_article("A draft", status=ArticleStatus.DRAFT)
    page = csm_client.get("/api/knowledge/articles?status=published&limit=2").json()
    assert page["count"] == 3
    assert len(page["items"]) == 2


def test_search_answers_ranked_results_with_marked_snippets(csm_client):
    make_article("Renewal checklist", "Ninety days before the renewal date.")
    results = csm_client.get("/api/knowledge/articles/search?q=renewals").json()
    assert [r["title"] for r in results] == ["Renewal checklist"]
    assert "<mark>" in results[0]["snippet"]
    assert results[0]["complete"] is True


def test_suggest_answers_titles(csm_client):
    make_article("Renewal checklist")
    assert [s["title"] for s in csm_client.get("/api/knowledge/articles/suggest?q=renew").json()] == [
        "Renewal checklist"]


def test_update_changes_fields_and_saves_a_revision(csm_client):
    article = make_article("Old title", "Old body")
    response = patch(csm_client, f"/api/knowledge/articles/{article.pk}", {"body": "New body"})
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Old title"
    assert article.revisions.count() == 2


def test_categories_created_and_listed(csm_client):
    assert post(csm_client, "/api/knowledge/categories", {"name": "Billing", "order": 2}).status_code == 201
    page = csm_client.get("/api/knowledge/categories").json()
    assert [c["slug"] for c in page["items"]] == ["billing"]


@pytest.mark.parametrize(("payload", "words"), [
    ({"title": ""}, "title"),
    ({"title": "X", "visibility": "segment"}, "audience_value"),
    ({"title": "X", "category_id": 99999}, "category_id"),
    ({"title": "X", "related_ids": [99999]}, "related_ids"),
    ({"title": "X", "status": "deleted"}, "status"),
    ({"title": "X", "slug": "not a slug!"}, "slug"),
])
def test_bad_articles_are_refused_with_words(csm_client, payload, words):
    response = post(csm_client, "/api/knowledge/articles", payload)
    assert response.status_code == 422, response.content
    assert words in str(response.json()["detail"])


def test_a_taken_slug_is_refused(csm_client):
    make_article("Taken", slug="taken")
    response = post(csm_client, "/api/knowledge/articles", {"title": "Other", "slug": "taken"})
    assert response.status_code == 422
    assert "slug" in str(response.json()["detail"]).lower()


def test_null_title_on_update_is_refused(csm_client):
    article = make_article("Keep")
    response = patch(csm_client, f"/api/knowledge/articles/{article.pk}", {"title": None})
    assert response.status_code == 422


def test_search_without_words_is_refused_and_unknown_article_is_404(csm_client):
    assert csm_client.get("/api/knowledge/articles/search?q=").status_code == 422
    assert csm_client.get("/api/knowledge/articles/search?q=x&limit=1000").status_code == 422
    assert csm_client.get("/api/knowledge/articles/424242").status_code == 404


def test_read_only_users_read_but_do_not_write(reader_client):
    make_article("Readable")
    assert reader_client.get("/api/knowledge/articles").status_code == 200
    assert post(reader_client, "/api/knowledge/articles", {"title": "No"}).status_code == 403


def test_blank_tags_are_ignored_and_long_ones_refused(csm_client):
    response = post(csm_client, "/api/knowledge/articles", {"title": "Tags", "tags": ["", "  ", "ok"]})
    assert response.status_code == 201, response.content
    assert response.json()["tags"] == ["ok"]
    response = post(csm_client, "/api/knowledge/articles", {"title": "Tags 2", "tags": ["x" * 51]})
    assert response.status_code == 422
    assert "at most 50" in str(response.json()["detail"])


def test_nul_characters_are_refused_not_a_server_error(csm_client):
    response = post(csm_client, "/api/knowledge/articles", {"title": "a\x00b", "body": "c\x00d"})
    assert response.status_code == 422, response.content
    assert csm_client.get("/api/knowledge/articles/search?q=a%00b").status_code == 200
