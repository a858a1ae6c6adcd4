"""The community's email pages: a member's notification levels and digest, and the one-click unsubscribe of every
community email (tenure.community.notifications holds the rules)."""


from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tenure.community import notifications
from tenure.community import services as community
from tenure.community.models import NotificationLevel
from tenure.knowledge.models import Category, Tag
from tenure.portal.community_access import (
    in_words,
    number_in,
    show,
    tried,
    viewer_of,
    writes,
)


def _members_only(viewer) -> None:
    if viewer.contact is None:
        raise PermissionDenied("community emails are for members signed in to the portal, not for staff")


@writes
@require_POST
def watch(request):
    """Set the member's level for a thread (``thread``), an area (``category``) or a tag (``tag``)."""
    viewer = viewer_of(request)
    _members_only(viewer)
    target, back = None, reverse("portal:community")
    if request.POST.get("thread"):
        found = community.readable_thread(number_in(request.POST.get("thread")), viewer)
        target, back = ({"thread": found}, reverse("portal:community_thread", args=[found.pk])) if found else \
            (None, back)
    elif request.POST.get("category"):
        found = Category.objects.filter(pk=number_in(request.POST.get("category"))).first()
        target, back = ({"category": found}, f"{back}?category={found.slug}") if found else (None, back)
    elif request.POST.get("tag"):
        found = Tag.objects.filter(pk=number_in(request.POST.get("tag"))).first()
        target, back = ({"tag": found}, f"{back}?tag={found.slug}") if found else (None, back)
    if target is None:
        return show(request, "portal/not_found.html", status=404)
    try:
        notifications.set_level(viewer.contact, request.POST.get("level", ""), **target)
    except ValidationError as e:
        messages.error(request, in_words(e))
    else:
        messages.success(request, "Saved: " + NotificationLevel(request.POST["level"]).label.split(":")[0].lower()
                         + ".")
    return redirect(back)


@writes
@require_POST
def digest(request):
    viewer = viewer_of(request)
    _members_only(viewer)
    if tried(request, notifications.set_digest, viewer.contact, request.POST.get("digest", "")) is not None:
        messages.success(request, "Saved your digest choice.")
    return redirect("portal:community")


@csrf_exempt  # the link's signed token is the proof; mail programs send RFC 8058's one-click POST without a form
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The one-click link of every community email: mutes its thread (or stops the digest), no sign-in needed."""
    try:
        contact, thread = notifications.unsubscribe(token[:500])
    except signing.BadSignature:
        return show(request, "portal/community/unsubscribed.html", {"bad": True}, status=400)
    return show(request, "portal/community/unsubscribed.html", {"person": contact, "thread": thread})
