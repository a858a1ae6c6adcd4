"""The community's moderation pages (the review queue, actions on posts and threads, flags) and the hand-offs of a
thread to a knowledge-base article or a support case, and of a support case to the community."""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from tenure.community import handoffs, moderation
from tenure.community import services as community
from tenure.knowledge.models import Category
from tenure.portal.community_access import (
    at_post,
    in_words,
    number_in,
    on_post,
    on_thread,
    show,
    tried,
    viewer_of,
    writes,
)
from tenure.support.models import Ticket


def _moderates(view):
    """A moderator's page or action (staff who may write, or a trusted member); others are refused with why."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not moderation.is_moderator(viewer_of(request)):
            raise PermissionDenied("only moderators do this")
        return view(request, *args, **kwargs)

    return writes(wrapped)


@_moderates
@require_GET
def review_queue(request):
    return show(request, "portal/community/moderation.html", {"queue": moderation.review_queue()})


POST_ACTIONS = {"approve": moderation.approve, "reject": moderation.reject, "dismiss": moderation.dismiss,
                "hide": moderation.hide, "unhide": moderation.unhide}
THREAD_ACTIONS = {"lock": moderation.lock, "unlock": moderation.unlock, "pin": moderation.pin,
                  "unpin": moderation.unpin, "archive": moderation.archive}


def _back(request, thread):
    if request.POST.get("next") == "queue":
        return redirect("portal:community_moderation")
    return redirect("portal:community_thread", (thread.merged_into_id or thread.pk))


@_moderates
@require_POST
@on_post
def moderate_post(request, found, post):
    act = POST_ACTIONS.get(request.POST.get("action", ""))
    if act is None:
        return show(request, "portal/not_found.html", status=404)
    tried(request, act, post, viewer_of(request), request.POST.get("reason", "")[:500])
    return _back(request, found)


@_moderates
@require_POST
@on_thread
def moderate_thread(request, found):
    viewer, action, reason = viewer_of(request), request.POST.get("action", ""), request.POST.get("reason", "")[:500]
    try:
        if action in THREAD_ACTIONS:
            THREAD_ACTIONS[action](found, viewer, reason)
        elif action == "move":
            category = Category.objects.filter(pk=number_in(request.POST.get("category"))).first()
            moderation.move(found, category, viewer, reason)
        elif action == "merge":
            original = community.readable_thread(number_in(request.POST.get("original")), viewer)
            if original is None:
                raise ValidationError({"original": "is not a thread number you can read"})
            moderation.merge(found, original, viewer, reason)
            messages.success(request, f"Merged into “{original.title}”; its author was told.")
            return redirect("portal:community_thread", original.pk)
        else:
            return show(request, "portal/not_found.html", status=404)
    except ValidationError as e:
        messages.error(request, in_words(e))
    return _back(request, found)


@writes
@require_POST
@on_post
def flag(request, found, post):
    if tried(request, moderation.flag, post, viewer_of(request), request.POST.get("reason", "")[:500]) is not None:
        messages.success(request, "Thank you: a moderator will look at it.")
    return redirect(at_post(found, post))


# ---- where a thread goes next: an article, a support case --------------------------------------------------------

@_moderates
@require_POST
@on_thread
def to_article(request, found):
    article = tried(request, handoffs.draft_article, found, viewer_of(request))
    if article is None:
        return redirect("portal:community_thread", found.pk)
    messages.success(request, "A draft article was written from the thread: polish it, then publish it.")
    return redirect("knowledge:edit", article.pk)


@writes
@require_POST
@on_thread
def to_ticket(request, found):
    ticket = tried(request, handoffs.open_ticket, found, viewer_of(request))
    if ticket is not None:
        messages.success(request, f"Support case {ticket.pk} opened on {ticket.account}; the author was told.")
    return redirect("portal:community_thread", found.pk)


@writes
@require_POST
@on_thread
def resolution(request, found):
    post = tried(request, handoffs.post_resolution, found, viewer_of(request), request.POST.get("body", ""))
    if post is None:
        return redirect("portal:community_thread", found.pk)
    return redirect(at_post(found, post))


@writes
@require_POST
def from_ticket(request, ticket_id: int):
    """Staff share a support case with the community (held for a moderator's look first)."""
    ticket = Ticket.objects.filter(pk=number_in(str(ticket_id))).first()
    if ticket is None:
        return show(request, "portal/not_found.html", status=404)
    thread = tried(request, handoffs.thread_from_ticket, ticket, viewer_of(request))
    if thread is None:
        return redirect("accounts:detail", ticket.account_id)
    messages.success(request, "The case is in the community, held: check it says nothing private, then approve it.")
    return redirect("portal:community_thread", thread.pk)
