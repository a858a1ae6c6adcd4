"""The community's pages in the portal: who reads and writes what, and what each page answers."""

import datetime as dt

import pytest
from django.test import Client

from tenure.community import services as community
from tenure.community.models import Thread
from tests.factories import make_account, make_contact
from tests.portal.conftest import sign_in


@pytest.fixture(autouse=True)
def _first_posts_shown(settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False  # moderation has its own page tests


@pytest.fixture
def hooli_member(db):
    gavin = make_contact(make_account(name="Hooli", domain="hooli.example"), name="Gavin Belson",
                         email="gavin@hooli.example")
    client = Client()
    sign_in(client, gavin.email)
    return gavin, client


def test_a_member_asks_another_answers_and_the_asker_accepts(member_client, peter, hooli_member):
    _, gavin_client = hooli_member
    response = member_client.post("/help/community/new/", {"kind": "question", "title": "Export to CSV?",
                                                            "body": "Where is the button?"})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/help/community/t/{thread.pk}/"
    assert thread.author_contact == peter and thread.account == peter.account

    assert gavin_client.post(f"/help/community/t/{thread.pk}/reply/", {"body": "Top right, *Export*."}
                             ).status_code == 302
    assert member_client.post(f"/help/community/t/{thread.pk}/2/like/").status_code == 302
    assert member_client.post(f"/help/community/t/{thread.pk}/accept/", {"number": "2"}).status_code == 302
    page = Client().get(f"/help/community/t/{thread.pk}/").content.decode()  # public: anyone reads it
    assert "Top right, <em>Export</em>." in page and "Accepted answer" in page and "1 like" in page
    listing = Client().get("/help/community/?kind=question").content.decode()
    assert "Export to CSV?" in listing and "Solved" in listing


def test_staff_post_with_a_badge_and_set_an_idea_status(csm_client, member_client):
    member_client.post("/help/community/new/", {"kind": "idea", "title": "Dark mode", "body": "Please"})
    idea = Thread.objects.get()
    assert member_client.post(f"/help/community/t/{idea.pk}/vote/").status_code == 302
    assert csm_client.post(f"/help/community/t/{idea.pk}/reply/", {"body": "On our list."}).status_code == 302
    assert csm_client.post(f"/help/community/t/{idea.pk}/status/", {"status": "planned"}).status_code == 302
    # A member may not set the status: the page answers with the reason.
    refused = member_client.post(f"/help/community/t/{idea.pk}/status/", {"status": "shipped"})
    assert refused.status_code == 403 and "Only staff set" in refused.content.decode()
    idea.refresh_from_db()
    page = Client().get(f"/help/community/t/{idea.pk}/").content.decode()
    assert idea.idea_status == "planned" and idea.vote_count == 1
    assert ">Staff</span>" in page and "Planned" in page


def test_an_anonymous_visitor_reads_but_is_sent_to_sign_in_to_write(member_client):
    member_client.post("/help/community/new/", {"kind": "discussion", "title": "Hello", "body": "all"})
    thread = Thread.objects.get()
    anonymous = Client()
    assert anonymous.get(f"/help/community/t/{thread.pk}/").status_code == 200
    for url in ["/help/community/new/", f"/help/community/t/{thread.pk}/reply/"]:
        response = anonymous.post(url, {"title": "x", "body": "x"})
        assert response.status_code == 302 and response["Location"] == "/help/sign-in/"
    assert Thread.objects.count() == 1 and thread.posts.count() == 1


def test_bad_posts_answer_with_their_reason_not_a_500(member_client):
    response = member_client.post("/help/community/new/", {"kind": "question", "title": "", "body": "x\x00"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "title is required" in text and "NUL" in text
    assert member_client.post("/help/community/new/", {"kind": "question", "title": "T", "body": "b",
                                                       "group": "99999"}).status_code == 400
    assert not Thread.objects.exists()
    for url in ["/help/community/t/99999999999999999999/", "/help/community/t/1/2/edit/",
                "/help/community/groups/nope/"]:
        assert member_client.get(url).status_code == 404


def test_a_working_group_thread_is_hidden_from_others(csm, member_client, peter, hooli_member):
    _, gavin_client = hooli_member
    group = community.create_group(name="Beta testers", by=csm)
    community.invite(group, peter, by=csm)
    assert member_client.post("/help/community/new/", {"kind": "discussion", "title": "Beta notes", "body": "x",
                                                       "group": str(group.pk)}).status_code == 302
    private = Thread.objects.get()
    assert private.group == group
    assert member_client.get(f"/help/community/groups/{group.slug}/").status_code == 200
    for client in (gavin_client, Client()):
        assert client.get(f"/help/community/t/{private.pk}/").status_code == 404
        assert "Beta notes" not in client.get("/help/community/").content.decode()
    assert gavin_client.get(f"/help/community/groups/{group.slug}/").status_code == 404


def test_edit_history_is_shown_and_only_the_author_or_staff_may_edit(member_client, hooli_member, csm_client):
    _, gavin_client = hooli_member
    member_client.post("/help/community/new/", {"kind": "question", "title": "Typo", "body": "frist"})
    thread = Thread.objects.get()
    assert member_client.post(f"/help/community/t/{thread.pk}/1/edit/", {"title": "Typo fixed", "body": "first"}
                              ).status_code == 302
    assert gavin_client.post(f"/help/community/t/{thread.pk}/1/edit/", {"title": "Mine", "body": "x"}
                             ).status_code == 403
    history = csm_client.get(f"/help/community/t/{thread.pk}/1/edit/").content.decode()
    assert "Edit history" in history and "frist" in history and "Peter Gibbons" in history
    thread.refresh_from_db()
    assert thread.title == "Typo fixed"


def test_staff_seeing_the_portal_as_a_member_cannot_post(csm_client, peter):
    csm_client.get(f"/help/view-as/{peter.pk}/")
    response = csm_client.post("/help/community/new/", {"kind": "question", "title": "As Peter", "body": "x"})
    assert response.status_code == 403 and not Thread.objects.exists()


def test_the_new_thread_form_shows_similar_threads_and_articles_as_the_title_is_typed(member_client, peter):
    from tenure.knowledge.services import create_article, publish_article

    publish_article(create_article(title="Export a report to CSV", body="Use *Export*."))
    member_client.post("/help/community/new/", {"kind": "question", "title": "Exporting reports as CSV files",
                                                "body": "How?"})
    original = Thread.objects.get()
    partial = member_client.get("/help/community/similar/", {"title": "How do I export a report to CSV?"},
                                HTTP_HX_REQUEST="true").content.decode()
    assert f"/help/community/t/{original.pk}/" in partial and "Export a report to CSV" in partial
    nothing = Client().get("/help/community/similar/", {"title": "Billing address for invoices"}).content.decode()
    assert "Nothing like it yet" in nothing
    # Posting anyway is allowed: a duplicate is the moderators' to merge, not the member's to be refused.
    assert member_client.post("/help/community/new/", {"kind": "question", "title": "Export report to CSV?",
                                                       "body": "Same"}).status_code == 302
    assert Thread.objects.count() == 2


def test_a_thread_is_tagged_with_the_communitys_tags_only(member_client):
    from tenure.knowledge.services import tags_named

    tags_named(["exports", "sso"])
    assert member_client.post("/help/community/new/", {"kind": "question", "title": "Tagged", "body": "b",
                                                       "tags": "exports, sso"}).status_code == 302
    assert sorted(Thread.objects.get().tags.values_list("name", flat=True)) == ["exports", "sso"]
    refused = member_client.post("/help/community/new/", {"kind": "question", "title": "T", "body": "b",
                                                          "tags": "made-up"})
    assert refused.status_code == 400 and "not one of the community" in refused.content.decode()
    page = Client().get("/help/community/?tag=exports").content.decode()
    assert "Tagged" in page


def test_a_thread_page_reads_the_same_number_of_queries_whatever_its_replies(member_client, peter, hooli_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gavin, _ = hooli_member
    thread = community.start_thread(community.Viewer(contact=peter), title="Busy", body="?")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(f"/help/community/t/{thread.pk}/").status_code == 200
        return len(ctx.captured_queries)

    community.reply(thread, community.Viewer(contact=gavin), body="one")
    few = count()
    for i in range(10):
        more = community.reply(thread, community.Viewer(contact=gavin), body=f"more {i}",
                               at=thread.created_at + dt.timedelta(days=i + 1))
        community.like(more, community.Viewer(contact=peter))
    assert count() == few
