"""Who is looking at the community's pages, and the lookups every page and action shares: the thread (or post) the
visitor may read, a write a signed-in member or staff may make, errors in words. The pages are in
community_views (threads), community_mail_views (notification levels, digests, unsubscribe) and
community_moderation_views (moderation and the hand-offs to articles and support cases).

Who is looking: a signed-in member writes as themselves; a staff user signed in to Tenure (and not seeing the portal
as a member) reads everything and writes with a staff badge; a staff user seeing it as a member reads what that
member reads, and writes nothing; an anonymous visitor reads the public threads."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from tenure.community import moderation
from tenure.community import services as community
from tenure.community.models import Post
from tenure.portal.access import SAFE_METHODS, member_of, remember_next


def viewer_of(request) -> community.Viewer:
    """Who is looking, read once per request (with whether they moderate and their working groups)."""
    if not hasattr(request, "_community_viewer"):
        request._community_viewer = _looking(request).settled()
    return request._community_viewer


def _looking(request) -> community.Viewer:
    member = member_of(request)
    if member is not None:
        return community.Viewer(contact=member.contact)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return community.Viewer(user=user)
    return community.ANONYMOUS


def show(request, template: str, context: dict | None = None, status: int = 200):
    return render(request, template, {"member": member_of(request), "viewer": viewer_of(request),
                                      **(context or {})}, status=status)


def number_in(text: str | None) -> int:
    """An id from an address or a form: ASCII digits only, within a database integer, else 0 (found by nobody)."""
    text = text or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 18 else 0


def typed(text: str, limit: int) -> str:
    """What a visitor typed, as the database can compare it (PostgreSQL refuses a NUL character)."""
    return text.replace("\x00", "")[:limit]


def in_words(error: ValidationError) -> str:
    return "; ".join(f"{field} {' '.join(words)}" for field, words in error.message_dict.items())


def writes(view):
    """A community write: a signed-in member or staff; a staff user seeing the portal as a member may not."""

    def wrapped(request, *args, **kwargs):
        member = member_of(request)
        if member is not None and member.read_only:
            return show(request, "portal/read_only.html", status=403)
        if not viewer_of(request).signed_in:
            if request.method in SAFE_METHODS:
                remember_next(request, request.get_full_path())
            return redirect("portal:sign_in")
        try:
            return view(request, *args, **kwargs)
        except moderation.PostingTooFast as refused:
            response = show(request, "portal/refused.html", {"reason": str(refused)}, status=429)
            response["Retry-After"] = str(refused.seconds)
            return response
        except PermissionDenied as refused:
            return show(request, "portal/refused.html", {"reason": str(refused)}, status=403)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_not_required(wrapped)


def on_thread(view):
    """A page or action on one thread: ``view(request, thread, …)`` gets the thread the visitor may read, or the
    visitor gets a 404 (a merged thread's address leads to its original)."""

    @functools.wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        found, missing = thread_or_404(request, pk)
        return missing if missing else view(request, found, *args, **kwargs)

    return wrapped


def on_post(view):
    """An action on one post of a thread: ``view(request, thread, post)``; a post not there is a 404."""

    @on_thread
    @functools.wraps(view)
    def wrapped(request, found, number):
        post = post_of(found, number)
        if post is None:
            return show(request, "portal/not_found.html", status=404)
        return view(request, found, post)

    return wrapped


def at_post(thread, post) -> str:
    return reverse("portal:community_thread", args=[thread.pk]) + f"#post-{post.number}"


def thread_or_404(request, pk):
    """The thread at ``pk`` as the visitor may read it; a merged thread's address leads to its original."""
    viewer = viewer_of(request)
    thread = community.readable_thread(number_in(str(pk)), viewer)
    if thread is None:
        original = community.merged_into(number_in(str(pk)), viewer)
        if original is not None and request.method in SAFE_METHODS:
            return None, redirect("portal:community_thread", original.pk)
        return None, show(request, "portal/not_found.html", status=404)
    return thread, None


def post_of(thread, number) -> Post | None:
    return thread.posts.filter(number=number_in(str(number))).first()



def tried(request, action, *args):
    """Run a community service; a refusal in words becomes the page's error message (and None is returned)."""
    try:
        return action(*args)
    except ValidationError as e:
        messages.error(request, in_words(e))
        return None
