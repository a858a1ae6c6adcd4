"""The team's knowledge base pages: list with filters and search, writing with a live preview, revisions,
categories and gaps; read-only users read them all and change nothing."""

import pytest

from tenure.knowledge import services
from tenure.knowledge.models import Article, ArticleStatus, KnowledgeGap
from tenure.knowledge.search import Audience, search_articles
from tests.factories import make_account
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_list_filters_by_status_and_category_and_searches(csm_client):
    reports = services.create_category(name="Reports")
    make_article("Export reports", "Exports come as CSV.", category=reports)
    make_article("Draft about exports", status=ArticleStatus.DRAFT)
    make_article("Billing basics")
    page = text(csm_client.get("/knowledge/"))
    assert all(t in page for t in ("Export reports", "Draft about exports", "Billing basics"))
    assert 'aria-current="page">Knowledge base</a>' in page
    drafts = text(csm_client.get("/knowledge/?status=draft"))
    assert "Draft about exports" in drafts and "Billing basics" not in drafts
    by_category = text(csm_client.get(f"/knowledge/?category={reports.pk}"))
    assert "Export reports" in by_category and "Billing basics" not in by_category
    found = text(csm_client.get("/knowledge/?q=exporting"))
    assert "Export reports" in found and "Draft about exports" in found and "Billing basics" not in found
    assert "<mark>Exports</mark> come as CSV" in found


def test_writing_an_article_saves_a_draft_then_publishes(csm_client, csm):
    form = {"title": "Invite your team", "slug": "", "body": "Open **Settings**.", "visibility": "public",
            "tags": "admin, team", "note": "first version"}
    response = csm_client.post("/knowledge/new/", form)
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/knowledge/{article.pk}/"
    assert (article.status, article.author) == (ArticleStatus.DRAFT, csm)
    response = csm_client.post(f"/knowledge/{article.pk}/edit/", {**form, "body": "Open **Team**.", "then": "publish"})
    article.refresh_from_db()
    assert (article.status, article.body) == (ArticleStatus.PUBLISHED, "Open **Team**.")
    page = text(csm_client.get(f"/knowledge/{article.pk}/"))
    assert "<strong>Team</strong>" in page and "3 revisions" in page
    history = text(csm_client.get(f"/knowledge/{article.pk}/revisions/"))
    assert "first version" in history and "published" in history and str(csm) in history


def test_a_form_error_is_shown_not_a_500(csm_client):
    make_article("Taken", slug="taken")
    response = csm_client.post("/knowledge/new/", {"title": "Other", "slug": "taken", "visibility": "segment",
                                                   "body": ""})
    assert response.status_code == 400
    assert "names its segment" in text(response)


def test_live_preview_answers_the_sanitised_html(csm_client):
    response = csm_client.post("/knowledge/preview/", {"body": "**bold** <script>alert(1)</script>"},
                               headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in text(response)
    assert "<script>" not in text(response)


def test_status_moves_from_the_article_page(csm_client):
    article = make_article("Move me")
    csm_client.post(f"/knowledge/{article.pk}/status/", {"to": "archive"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.ARCHIVED
    assert csm_client.post(f"/knowledge/{article.pk}/status/", {"to": "delete"}).status_code == 400


def test_categories_page_adds_a_category(csm_client):
    response = csm_client.post("/knowledge/categories/", {"name": "Security", "slug": "", "order": 1})
    assert response.status_code == 302
    assert "Security" in text(csm_client.get("/knowledge/categories/"))


def test_gaps_page_lists_queries_with_accounts_and_a_prefilled_write_link(csm_client):
    account = make_account(name="Acme Corp")
    services.record_search("Salesforce sync?", search_articles("Salesforce sync?", audience=Audience.PUBLIC),
                           account=account)
    assert KnowledgeGap.objects.count() == 1
    page = text(csm_client.get("/knowledge/gaps/"))
    assert "salesforce sync" in page and "Acme Corp" in page
    assert "/knowledge/new/?title=Salesforce%20sync%3F" in page
    assert 'value="Salesforce sync?"' in text(csm_client.get("/knowledge/new/?title=Salesforce%20sync%3F"))


def test_suggestions_as_you_type(csm_client):
    make_article("Renewal playbook")
    assert "Renewal playbook" in text(csm_client.get("/knowledge/suggest/?q=renew"))


def test_read_only_users_read_every_page_and_change_nothing(reader_client):
    article = make_article("Readable")
    for path in ("/knowledge/", f"/knowledge/{article.pk}/", f"/knowledge/{article.pk}/revisions/",
                 "/knowledge/categories/", "/knowledge/gaps/", "/knowledge/?q=readable"):
        assert reader_client.get(path).status_code == 200, path
    assert "Write an article" not in text(reader_client.get("/knowledge/"))
    assert reader_client.get("/knowledge/new/").status_code == 403
    assert reader_client.post("/knowledge/new/", {"title": "No"}).status_code == 403
    assert reader_client.post(f"/knowledge/{article.pk}/status/", {"to": "archive"}).status_code == 403
    assert reader_client.post("/knowledge/preview/", {"body": "x"}).status_code == 403
    assert reader_client.post("/knowledge/categories/", {"name": "No"}).status_code == 403
    assert Article.objects.get().status == ArticleStatus.PUBLISHED
