"""Where a community conversation goes next: into a knowledge-base article (a solved thread's question and accepted
answer, as a draft for the team to polish; the thread is archived once it is published), or into a support case on
the author's account (and the case's resolution back into the thread as a reply)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from tenure.community import moderation
from tenure.community.models import Thread, ThreadKind
from tenure.community.services import Viewer, accept_answer, reply, start_thread
from tenure.knowledge import services as knowledge
from tenure.knowledge.models import ArticleStatus
from tenure.support import services as support
from tenure.support.models import UNRESOLVED_STATUSES, TicketStatus

COMMUNITY_SOURCE = "community"  # Ticket.source of a case opened from a thread


def thread_url(thread: Thread) -> str:
    return settings.TENURE_BASE_URL + reverse("portal:community_thread", args=[thread.pk])


def article_body(question: str, answer: str, url: str) -> str:
    """The draft an article starts from: the question as asked, the accepted answer, where it came from."""
    return (f"{question.strip()}\n\n## Answer\n\n{answer.strip()}\n\n"
            f"*From a community thread: [{url}]({url})*\n")


@transaction.atomic
def draft_article(thread: Thread, viewer: Viewer):
    """A draft article pre-filled from a solved question (its question and accepted answer), linked both ways."""
    if not (viewer.user is not None and moderation.is_moderator(viewer)):
        raise PermissionDenied("only staff moderators write articles")
    if thread.kind != ThreadKind.QUESTION or thread.accepted_answer_id is None:
        raise ValidationError({"thread": "only a solved question (one with an accepted answer) becomes an article"})
    if thread.article_id:
        raise ValidationError({"thread": "already has an article"})
    question = thread.posts.get(number=1).body
    article = knowledge.create_article(title=thread.title[:300], category=thread.category, by=viewer.user,
                                       body=article_body(question, thread.accepted_answer.body, thread_url(thread)),
                                       tags=list(thread.tags.all()), note="drafted from a community thread")
    Thread.objects.filter(pk=thread.pk).update(article=article)
    thread.article = article
    moderation.record(moderation.ModerationAction.Action.EDIT, thread, viewer,
                      reason=f"article drafted: {article.title}")
    return article


def archive_answered(thread: Thread, viewer: Viewer) -> Thread:
    """Archive a thread whose article is published: its knowledge lives in the knowledge base now."""
    if thread.article is None or thread.article.status != ArticleStatus.PUBLISHED:
        raise ValidationError({"thread": "its article is not published yet"})
    return moderation.archive(thread, viewer, f"answered by the article “{thread.article.title}”")


@transaction.atomic
def open_ticket(thread: Thread, viewer: Viewer):
    """A support case on the author's account, in their name, from the thread; the author is told by email."""
    if viewer.user is None or not viewer.user.can_write:
        raise PermissionDenied("only staff open a support case from a thread")
    contact = thread.author_contact
    if contact is None:
        raise ValidationError({"thread": "was not written by a customer's person: there is no account to open it on"})
    if thread.ticket_id:
        raise ValidationError({"thread": "already has a support case"})
    url = thread_url(thread)
    ticket = support.create_ticket(account=contact.account_id, contact=contact.pk, subject=thread.title[:300],
                                   body=f"{thread.posts.get(number=1).body}\n\nFrom the community: {url}",
                                   status=TicketStatus.NEW, source=COMMUNITY_SOURCE)
    Thread.objects.filter(pk=thread.pk).update(ticket=ticket)
    thread.ticket = ticket
    if contact.email:
        body = (f"Hello {contact.name or contact.email},\n\nOur support team took up your community thread "
                f"“{thread.title}” as a support case (number {ticket.pk}); we will answer you there, and post what "
                f"solved it back in the thread for others.\n\n{url}\n")
        transaction.on_commit(lambda: send_mail(f"Your question “{thread.title}” is now a support case", body, None,
                                                [contact.email], fail_silently=True))
    return ticket


@transaction.atomic
def post_resolution(thread: Thread, viewer: Viewer, text: str):
    """The support case's resolution, back in the thread as a staff reply (the accepted answer of a question that
    has none); the case is marked solved if it was still open."""
    if viewer.user is None:
        raise PermissionDenied("only staff post a support case's resolution")
    if thread.ticket is None:
        raise ValidationError({"thread": "has no support case"})
    post = reply(thread, viewer, body=text)
    if thread.kind == ThreadKind.QUESTION and thread.accepted_answer_id is None:
        accept_answer(thread, post, viewer)
    if thread.ticket.status in UNRESOLVED_STATUSES:
        support.update_ticket(thread.ticket, status=TicketStatus.SOLVED)
    return post


@transaction.atomic
def thread_from_ticket(ticket, viewer: Viewer) -> Thread:
    """A support case shared with the community, so the next customer finds the answer: a question thread by staff
    from its subject and description, linked to the case, held until a moderator has checked it says nothing
    private (and approves it)."""
    if viewer.user is None or not viewer.user.can_write:
        raise PermissionDenied("only staff share a support case in the community")
    if Thread.objects.filter(ticket=ticket).exists():
        raise ValidationError({"ticket": "is already in the community"})
    thread = start_thread(viewer, title=ticket.subject[:200], body=ticket.body.strip() or ticket.subject,
                          kind=ThreadKind.QUESTION)
    Thread.objects.filter(pk=thread.pk).update(ticket=ticket)
    moderation.hold_for_review(thread, f"shared from support case {ticket.pk}")
    thread.refresh_from_db()
    return thread
