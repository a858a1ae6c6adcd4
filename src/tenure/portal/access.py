"""Who is looking at the portal: a signed-in member (a Contact, never a staff user), or a staff user seeing it as
a member sees it, read-only.

A member is kept in the session under ``MEMBER_KEY`` alone: Django's staff sign-in (``_auth_user_id``) is never
set, so a member's session reaches no staff page (a redirect to the staff sign-in) and no API call (401)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tenure.accounts.models import Contact

MEMBER_KEY = "portal_contact_id"  # the signed-in member's Contact id
VIEW_AS_KEY = "portal_view_as_contact_id"  # the Contact a staff user is seeing the portal as
NEXT_KEY = "portal_next"  # the portal page to land on after signing in
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Member:
    contact: Contact
    viewed_by: object | None = None  # the staff user seeing the portal as this contact

    @property
    def read_only(self) -> bool:
        return self.viewed_by is not None

    @property
    def account(self):
        return self.contact.account


def _staff(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and user.is_active else None


def member_of(request) -> Member | None:
    """The member this request is for, or None. Read once per request."""
    if hasattr(request, "_portal_member"):
        return request._portal_member
    member = None
    staff = _staff(request)
    if staff is not None and VIEW_AS_KEY in request.session:
        contact = Contact.objects.select_related("account").filter(pk=request.session[VIEW_AS_KEY]).first()
        member = Member(contact, viewed_by=staff) if contact is not None else None
    elif MEMBER_KEY in request.session:
        contact = (Contact.objects.select_related("account")
                   .filter(pk=request.session[MEMBER_KEY], left_on__isnull=True).first())
        if contact is None:  # deleted, or left the customer since signing in: signed out
            request.session.pop(MEMBER_KEY, None)
        else:
            member = Member(contact)
    request._portal_member = member
    return member


def sign_in(request, contact: Contact) -> None:
    """Keep the member in the session, under a new session key (a key planted before sign-in is worthless)."""
    request.session.cycle_key()
    rotate_token(request)  # as Django's staff sign-in does: a CSRF token seen before sign-in is worthless after
    request.session[MEMBER_KEY] = contact.pk
    request._portal_member = Member(contact)


def sign_out(request) -> None:
    if _staff(request) is not None:  # the same browser's staff sign-in stays
        request.session.pop(MEMBER_KEY, None)
        request.session.cycle_key()
    else:
        request.session.flush()
    request._portal_member = None


def remember_next(request, path: str) -> None:
    if path.startswith("/help/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        request.session[NEXT_KEY] = path


def landing(request) -> str:
    return request.session.pop(NEXT_KEY, None) or reverse("portal:account")


def view_as(request, contact: Contact) -> None:
    request.session[VIEW_AS_KEY] = contact.pk
    request._portal_member = Member(contact, viewed_by=_staff(request))


def stop_viewing_as(request) -> None:
    request.session.pop(VIEW_AS_KEY, None)
    request._portal_member = None


def portal_member_required(view):
    """A portal page for signed-in members (or staff seeing it as one): others go to the portal's sign-in, never
    the staff's. A staff user seeing it as a member may read, not post."""

    @login_not_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        member = member_of(request)
        if member is None:
            if request.method in SAFE_METHODS:
                remember_next(request, request.get_full_path())
            return redirect("portal:sign_in")
        if member.read_only and request.method not in SAFE_METHODS:
            return render(request, "portal/read_only.html", {"member": member}, status=403)
        return view(request, *args, **kwargs)

    return wrapped
