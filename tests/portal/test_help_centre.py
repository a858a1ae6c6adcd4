"""The help centre in the portal: articles read as each visitor may read them, searches that record gaps, "was
this helpful?", suggestions while a request is written, deflections, and the articles shown kept on the ticket."""

import re
from html import unescape

import pytest
from django.test import Client

from tenure.knowledge.models import ArticleFeedback, KnowledgeActivity, KnowledgeGap, ShownArticle
from tenure.knowledge.services import shown_with
from tenure.support.models import Ticket
from tests.factories import make_account, make_contact, make_user
from tests.knowledge.builders import make_article

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _counts(kind: str) -> int:
    """The account-level tally (a deflection is also credited to each article it showed)."""
    return sum(KnowledgeActivity.objects.filter(kind=kind, article_key=0).values_list("count", flat=True))


@pytest.fixture
def articles(initech):
    initech.segment = "enterprise"
    initech.save()
    return {
        "public": make_article("Export a report to CSV", "Open **Reports**, then *Export*."),
        "customers": make_article("Reset a teammate's password", "Admins reset passwords.", visibility="customers"),
        "enterprise": make_article("Configure SAML single sign-on", "For enterprise.", visibility="segment",
                                   audience_value="Enterprise"),
        "smb": make_article("Small team pricing", "For small teams.", visibility="segment", audience_value="smb"),
        "draft": make_article("Upcoming export formats", "Soon.", status="draft"),
    }


def test_a_visitor_reads_public_articles_and_private_ones_look_missing(client, articles):
    assert client.get("/help/articles/export-a-report-to-csv/").status_code == 200
    for key in ("customers", "enterprise", "draft"):
        response = client.get(f"/help/articles/{articles[key].slug}/")
        assert response.status_code == 404 and "sign in" in _text(response)
    assert not KnowledgeActivity.objects.exists()  # a visitor's view has no account to count for


def test_a_member_reads_their_segments_articles_not_another_segments_and_each_view_counts(member_client, articles,
                                                                                           peter):
    page = member_client.get(f"/help/articles/{articles['enterprise'].slug}/")
    assert page.status_code == 200 and "Configure SAML single sign-on" in _text(page)
    assert member_client.get(f"/help/articles/{articles['customers'].slug}/").status_code == 200
    assert member_client.get(f"/help/articles/{articles['smb'].slug}/").status_code == 404
    view = KnowledgeActivity.objects.get(kind="view", article=articles["enterprise"])
    assert (view.account_id, view.contact_id, view.count) == (peter.account_id, peter.pk, 1)


def test_the_home_page_lists_what_the_visitor_may_read_and_suggests_titles_as_they_type(client, member_client,
                                                                                      articles):
    visitor = _text(client.get("/help/"))
    assert "Export a report to CSV" in visitor and "Reset a teammate" not in visitor
    member = _text(member_client.get("/help/"))
    assert "Reset a teammate's password" in member and "Small team pricing" not in member
    assert "Upcoming export formats" not in member
    assert "Export a report to CSV" in _text(client.get("/help/suggest/?q=expo"))
    assert "Configure SAML" not in _text(client.get("/help/suggest/?q=saml"))


def test_a_search_finds_answers_and_one_nothing_answers_is_a_knowledge_gap_for_the_account(member_client, articles,
                                                                                         peter):
    found = _text(member_client.get("/help/search/?q=exporting reports"))
    assert "Export a report to CSV" in found
    missing = _text(member_client.get("/help/search/?q=webhook retries"))
    assert "No articles match" in missing
    gap = KnowledgeGap.objects.get()
    assert list(gap.accounts.all()) == [peter.account]
    assert _counts("search") == 2


def test_was_this_helpful_is_recorded_and_a_bad_answer_gets_words(member_client, articles, peter):
    slug = articles["public"].slug
    response = member_client.post(f"/help/articles/{slug}/feedback/", {"helpful": "no", "comment": "Add screenshots"},
                                  follow=True)
    assert "Thank you for telling us." in _text(response)
    feedback = ArticleFeedback.objects.get()
    assert (feedback.helpful, feedback.comment, feedback.contact) == (False, "Add screenshots", peter)
    bad = member_client.post(f"/help/articles/{slug}/feedback/", {"helpful": "maybe"})
    assert bad.status_code == 400 and "Choose yes or no." in _text(bad)


def test_suggestions_while_writing_then_this_answered_my_question_is_a_deflection_without_a_ticket(member_client,
                                                                                                 articles, peter):
    partial = member_client.get("/help/contact/suggestions/?subject=how do I export a report").content.decode()
    assert "Export a report to CSV" in partial
    assert f'name="shown" value="{articles["public"].pk}"' in partial
    response = member_client.post("/help/contact/answered/", {"shown": [articles["public"].pk]}, follow=True)
    assert "Glad it helped" in _text(response)
    assert not Ticket.objects.exists()
    assert _counts("deflection") == 1
    per_article = KnowledgeActivity.objects.get(kind="deflection", article=articles["public"])
    assert per_article.contact_id == peter.pk


def test_a_request_sent_anyway_keeps_the_articles_it_was_shown_and_only_readable_ones(member_client, articles):
    shown = [articles["public"].pk, articles["smb"].pk, "99999999999999999999", "x"]
    member_client.post("/help/contact/", {"subject": "Export fails", "description": "Still fails.",
                                          "priority": "normal", "shown": shown})
    ticket = Ticket.objects.get()
    assert shown_with(ticket) == [articles["public"]]  # another segment's article and junk ids are dropped


def test_staff_seeing_the_portal_as_a_member_count_nothing_and_send_nothing(articles, peter):
    staff = Client()
    staff.force_login(make_user("csm", username="carol"))
    staff.get(f"/help/view-as/{peter.pk}/")
    assert staff.get(f"/help/articles/{articles['customers'].slug}/").status_code == 200
    staff.get("/help/search/?q=nothing+here+at+all")
    assert staff.post("/help/contact/answered/", {"shown": [articles["public"].pk]}).status_code == 403
    assert staff.post(f"/help/articles/{articles['public'].slug}/feedback/", {"helpful": "yes"}).status_code == 403
    assert not KnowledgeActivity.objects.exists() and not ShownArticle.objects.exists()


def test_another_accounts_member_never_reads_a_segment_article_by_guessing_its_address(articles):
    other = make_account(name="Small Shop", segment="smb", domain="smallshop.example")
    make_contact(other, name="Sam", email="sam@smallshop.example")
    client = Client()
    sign_in(client, "sam@smallshop.example")
    assert client.get(f"/help/articles/{articles['enterprise'].slug}/").status_code == 404
    assert client.get(f"/help/articles/{articles['smb'].slug}/").status_code == 200


def test_an_articles_image_and_files_are_served_to_who_may_read_it_at_the_portals_address(client, member_client,
                                                                                         articles, settings,
                                                                                         tmp_path):
    from tenure.knowledge.services import add_attachment, update_article
    from tests.knowledge.test_attachments import PNG as png

    settings.TENURE_ATTACHMENT_DIR = tmp_path / "attachments"
    article = articles["customers"]
    image = add_attachment(article, name="screen.png", content=png)
    staff_address = f"/knowledge/attachments/{image.pk}/{image.filename}"
    update_article(article, body=f"See ![the screen]({staff_address})")
    page = member_client.get(f"/help/articles/{article.slug}/").content.decode()
    portal_address = f"/help/attachments/{image.pk}/{image.filename}"
    assert f'src="{portal_address}"' in page and staff_address not in page
    served = member_client.get(portal_address)
    assert served.status_code == 200 and b"".join(served.streaming_content) == png
    assert served["X-Content-Type-Options"] == "nosniff"
    assert client.get(portal_address).status_code == 404  # a visitor may not read this article
