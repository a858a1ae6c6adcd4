"""A solved thread becomes a knowledge-base article (and is archived once it is published); a thread becomes a
support case on its author's account, and the case's resolution comes back as a reply."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tenure.community import handoffs, moderation
from tenure.community import services as community
from tenure.community.models import Thread
from tenure.knowledge.models import ArticleStatus
from tenure.knowledge.services import publish_article
from tenure.support.models import Ticket, TicketStatus
from tests.factories import make_account, make_contact


@pytest.fixture
def people(db, csm):
    initech = make_account(name="Initech", domain="initech.example")
    return {
        "peter": community.Viewer(contact=make_contact(initech, name="Peter", email="peter@initech.example")),
        "milton": community.Viewer(contact=make_contact(initech, name="Milton", email="milton@initech.example")),
        "staff": community.Viewer(user=csm),
    }


def test_a_solved_question_becomes_a_draft_article_then_the_thread_is_archived(people):
    peter, milton, staff = people["peter"], people["milton"], people["staff"]
    thread = community.start_thread(peter, title="Export a report to CSV", body="Where is the **button**?")
    with pytest.raises(ValidationError):
        handoffs.draft_article(thread, staff)  # not solved yet
    answer = community.reply(thread, milton, body="Top right of the report: *Export → CSV*.")
    community.accept_answer(thread, answer, peter)
    thread.refresh_from_db()
    with pytest.raises(PermissionDenied):
        handoffs.draft_article(thread, peter)
    article = handoffs.draft_article(thread, staff)
    assert article.status == ArticleStatus.DRAFT and article.title == "Export a report to CSV"
    assert "Where is the **button**?" in article.body and "*Export → CSV*" in article.body
    assert f"/help/community/t/{thread.pk}/" in article.body
    assert list(article.threads.all()) == [thread]
    with pytest.raises(ValidationError):
        handoffs.draft_article(Thread.objects.get(pk=thread.pk), staff)  # once
    with pytest.raises(ValidationError):
        handoffs.archive_answered(Thread.objects.get(pk=thread.pk), staff)  # the article is a draft still
    publish_article(article, by=staff.user)
    archived = handoffs.archive_answered(Thread.objects.select_related("article").get(pk=thread.pk), staff)
    assert archived.archived_at is not None
    assert not community.listed_threads(community.ANONYMOUS).exists()
    page = Client().get(f"/help/community/t/{thread.pk}/").content.decode()  # readable by its address
    assert "Archived on" in page and f"/help/articles/{article.slug}/" in page


@pytest.mark.django_db(transaction=True)
def test_a_thread_becomes_a_support_case_and_its_resolution_comes_back(people):
    peter, staff = people["peter"], people["staff"]
    thread = community.start_thread(peter, title="Sync fails with error 500", body="Since Monday.")
    with pytest.raises(PermissionDenied):
        handoffs.open_ticket(thread, peter)
    mail.outbox.clear()
    ticket = handoffs.open_ticket(thread, staff)
    assert ticket.account == peter.contact.account and ticket.contact == peter.contact
    assert ticket.source == "community" and ticket.subject == thread.title and "Since Monday." in ticket.body
    [told] = mail.outbox
    assert told.to == ["peter@initech.example"] and f"/help/community/t/{thread.pk}/" in told.body
    thread.refresh_from_db()
    with pytest.raises(ValidationError):
        handoffs.open_ticket(thread, staff)  # once

    post = handoffs.post_resolution(Thread.objects.select_related("ticket").get(pk=thread.pk), staff,
                                    "Fixed in release 4.2: a token expired.")
    thread.refresh_from_db()
    assert post.by_staff and thread.accepted_answer == post
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED


def test_a_staff_thread_has_no_account_to_open_a_case_on(people):
    staff = people["staff"]
    thread = community.start_thread(staff, title="Maintenance tonight", body="x")
    with pytest.raises(ValidationError):
        handoffs.open_ticket(thread, staff)
    assert not Ticket.objects.exists()


def test_the_handoffs_from_the_thread_page(people, csm_client):
    peter, milton = people["peter"], people["milton"]
    thread = community.start_thread(peter, title="How to share a dashboard", body="?")
    community.accept_answer(thread, community.reply(thread, milton, body="Use Share."), peter)
    assert "Write an article from it" in csm_client.get(f"/help/community/t/{thread.pk}/").content.decode()
    response = csm_client.post(f"/help/community/t/{thread.pk}/article/")
    thread.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/knowledge/{thread.article_id}/edit/"
    assert csm_client.post(f"/help/community/t/{thread.pk}/ticket/").status_code == 302
    assert Ticket.objects.get().source == "community"
    assert "From the community" in csm_client.get(f"/knowledge/{thread.article_id}/").content.decode()
    moderation.lock(thread, people["staff"])  # a locked thread still takes staff's resolution
    assert csm_client.post(f"/help/community/t/{thread.pk}/resolution/", {"body": "Done."}).status_code == 302


def test_a_resolved_case_is_shared_with_the_community_after_a_moderators_look(people, csm_client):
    from tests.factories import make_ticket

    ticket = make_ticket(people["peter"].contact.account, subject="Export cuts off at 10,000 rows",
                         body="Big exports are emailed as a file.", status="solved")
    page = csm_client.get(f"/accounts/{ticket.account_id}/").content.decode()
    assert "Share in the community" in page
    response = csm_client.post(f"/help/community/from-ticket/{ticket.pk}/")
    thread = Thread.objects.get(ticket=ticket)
    assert response.status_code == 302 and response["Location"] == f"/help/community/t/{thread.pk}/"
    assert thread.state == "held" and thread.by_staff  # nobody else reads it before the look
    assert community.readable_thread(thread.pk, people["milton"]) is None
    [item] = moderation.review_queue()
    assert item["reviews"][0].kind == "support_case"
    moderation.approve(item["post"], people["staff"])
    assert community.readable_thread(thread.pk, people["milton"]) is not None
    again = csm_client.post(f"/help/community/from-ticket/{ticket.pk}/")  # once
    assert again.status_code == 302 and Thread.objects.filter(ticket=ticket).count() == 1
