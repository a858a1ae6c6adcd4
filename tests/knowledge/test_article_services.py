"""Writing articles through knowledge.services: revisions with who and when, the audit trail, the rules."""

import pytest
from django.core.exceptions import ValidationError

from tenure.knowledge import services
from tenure.knowledge.models import ArticleStatus, Visibility
from tenure.users import audit
from tenure.users.models import AuditEntry
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db


def test_each_saved_version_is_a_revision_with_who_and_what(csm, leader):
    article = services.create_article(title="Import contacts", body="Use a CSV.", by=csm)
    services.update_article(article, body="Use a CSV with an email column.", by=leader, note="email column")
    services.update_article(article, body="Use a CSV with an email column.", by=leader)  # nothing changed
    services.publish_article(article, by=leader)
    services.archive_article(article, by=csm)
    revisions = list(article.revisions.order_by("number").values_list("number", "body", "status", "saved_by__username",
                                                                        "note"))
    assert revisions == [
        (1, "Use a CSV.", "draft", "alice", "created"),
        (2, "Use a CSV with an email column.", "draft", "lena", "email column"),
        (3, "Use a CSV with an email column.", "published", "lena", "published"),
        (4, "Use a CSV with an email column.", "archived", "alice", "archived"),
    ]
    article.refresh_from_db()
    assert article.author == csm and article.updated_by == csm
    assert article.published_at is not None


def test_changes_are_on_the_audit_trail_as_the_person_who_made_them(csm):
    with audit.acting_as(csm):
        article = services.create_article(title="Audit me", body="v1")
        services.update_article(article, title="Audited")
    entries = AuditEntry.objects.filter(model="knowledge.article", object_id=article.pk)
    assert {(e.action, e.field, e.actor_label) for e in entries} >= {
        ("create", "", str(csm)), ("update", "title", str(csm))}
    assert not entries.filter(field__in=["body_html", "body_text"]).exists()


def test_body_is_stored_rendered_and_as_plain_text():
    article = make_article("Rendering", "Some **bold** <script>x()</script> words")
    assert "<strong>bold</strong>" in article.body_html
    assert "<script" not in article.body_html
    assert article.body_text == "Some bold <script>x()</script> words"


def test_slugs_are_unique_and_made_from_titles():
    first = make_article("Set up SSO")
    second = make_article("Set up SSO")
    assert (first.slug, second.slug) == ("set-up-sso", "set-up-sso-2")


def test_a_segment_article_names_its_segment_and_a_public_one_forgets_it():
    with pytest.raises(ValidationError, match="segment"):
        make_article("For whom?", visibility=Visibility.SEGMENT)
    article = make_article("Enterprise only", visibility=Visibility.SEGMENT, audience_value=" Enterprise ")
    assert article.audience_value == "Enterprise"
    services.update_article(article, visibility=Visibility.PUBLIC)
    assert article.audience_value == ""


def test_tags_and_related_articles():
    other = make_article("Related one")
    article = make_article("Main", tags=["sso", "SSO", "admin"], related=[other])
    assert sorted(t.name for t in article.tags.all()) == ["admin", "sso"]
    assert list(other.related.all()) == [article]  # related both ways
    with pytest.raises(ValidationError, match="itself"):
        services.update_article(article, related=[article])


def test_publish_archive_and_back():
    article = make_article("Moves", status=ArticleStatus.DRAFT)
    services.publish_article(article)
    services.publish_article(article)  # already published: no new revision
    services.archive_article(article)
    services.publish_article(article)
    assert [r.status for r in article.revisions.order_by("number")] == ["draft", "published", "archived",
                                                                        "published"]


def test_unknown_field_is_refused():
    with pytest.raises(ValidationError, match="not an article field"):
        services.update_article(make_article(), author=None)


def test_category_slug_from_name_and_category_named_finds_ignoring_case():
    billing = services.create_category(name="Billing & invoices")
    assert billing.slug == "billing-invoices"
    assert services.category_named("billing & INVOICES") == billing
    assert services.category_named("Security").slug == "security"
