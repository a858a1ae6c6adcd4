"""Sign-in to the customer portal by emailed link: who may sign in, issuing a link, and using it once.

A link is a random token whose SHA-256 alone is stored (``SignInLink``); using it is a compare-and-set on its
``used_at``, so two clicks (or two processes) never both sign in with one link."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.portal.models import SignInLink

log = logging.getLogger(__name__)

PORTAL = "portal"  # the source the audit trail names for what the portal writes
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
KEEP_EXPIRED = dt.timedelta(days=1)


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=settings.TENURE_PORTAL_LINK_MINUTES)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def who_may_sign_in(email: str) -> tuple[Contact | None, Account | None]:
    """The contact this email belongs to (matched ignoring case), or else the account whose vendor lets people at
    the email's domain sign themselves up; (None, None) when neither. A contact who has left the customer may not
    sign in, and does not fall back to their old company's domain."""
    email = accounts.normalize_email(email)
    contact = Contact.objects.select_related("account").filter(email=email).first()
    if contact is not None:
        return (contact, None) if contact.is_active else (None, None)
    return None, accounts.find_portal_account(email.rpartition("@")[2])


def issue_link(email: str, *, now: dt.datetime | None = None) -> str | None:
    """A new sign-in link's token for this email, or None when the email may not sign in (the caller answers the
    same either way, so the page tells no one which emails are known)."""
    email = accounts.normalize_email(email)
    contact, account = who_may_sign_in(email)
    if contact is None and account is None:
        return None
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    SignInLink.objects.create(token_hash=_hash(token), email=email, contact=contact, account=account,
                              expires_at=now + link_lifetime())
    forget_old_links(now)
    return token


def forget_old_links(now: dt.datetime | None = None) -> int:
    """Links that expired a day ago or more (a day: so a late click still hears "expired", not "not valid")."""
    return SignInLink.objects.filter(expires_at__lt=(now or timezone.now()) - KEEP_EXPIRED).delete()[0]


def request_link(email: str) -> None:
    """Email a sign-in link to this address if it may sign in; nothing otherwise (the same to the asker)."""
    email = accounts.normalize_email(email)
    token = issue_link(email)
    if token is not None:
        send_link(email, token)


def link_url(token: str) -> str:
    return settings.TENURE_BASE_URL + reverse("portal:link", args=[token])


def send_link(email: str, token: str) -> bool:
    """Email the link. A mail server that is down is logged, not shown: the page says the same as for an unknown
    email (and the member asks again)."""
    minutes = settings.TENURE_PORTAL_LINK_MINUTES
    body = (f"Hello,\n\nOpen this link to sign in to the help centre:\n\n{link_url(token)}\n\n"
            f"It works once, within {minutes} minutes. If you did not ask to sign in, ignore this email: "
            f"nothing happens without the link.\n")
    try:
        send_mail("Your sign-in link to the help centre", body, None, [email])
    except (OSError, smtplib.SMTPException, ValueError):  # ValueError: an address the mail library cannot write
        log.exception("could not send a portal sign-in link")
        return False
    return True


class LinkRefused(Exception):
    """A sign-in link that signs no one in, with the words to say why and the status to answer."""

    def __init__(self, words: str, status: int = 400):
        super().__init__(words)
        self.words = words
        self.status = status


INVALID = "This sign-in link is not valid. Check that you copied the whole link, or ask for a new one."
USED = "This sign-in link has been used already. Each link works once: ask for a new one."
EXPIRED = "This sign-in link has expired. Ask for a new one."
NOT_ALLOWED = "This email can no longer sign in to the help centre. Ask your account's administrator."


def check_link(token: str, *, now: dt.datetime | None = None) -> SignInLink:
    """The stored link for this token, if it can still sign in; LinkRefused with the reason otherwise."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        raise LinkRefused(INVALID)
    link = SignInLink.objects.filter(token_hash=_hash(token)).select_related("contact", "account").first()
    if link is None:
        raise LinkRefused(INVALID)
    if link.used_at is not None:
        raise LinkRefused(USED, 410)
    if link.expires_at <= (now or timezone.now()):
        raise LinkRefused(EXPIRED, 410)
    return link


@transaction.atomic
def use_link(token: str, *, now: dt.datetime | None = None) -> Contact:
    """Sign in with a link, once: the contact it signs in. A sign-up by domain creates the contact now, through
    the accounts room (the account's timeline shows a new person added by the portal)."""
    now = now or timezone.now()
    link = check_link(token, now=now)
    claimed = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not claimed:  # another request used it between the check and now
        raise LinkRefused(USED, 410)
    if link.contact_id is not None:
        contact = Contact.objects.select_related("account").get(pk=link.contact_id)
        if not contact.is_active:
            raise LinkRefused(NOT_ALLOWED, 403)
        return contact
    return _sign_up(link)


def _sign_up(link: SignInLink) -> Contact:
    existing = Contact.objects.select_related("account").filter(email=link.email).first()
    if existing is not None:  # added by the team (or by another link) since the link was sent
        if not existing.is_active:
            raise LinkRefused(NOT_ALLOWED, 403)
        return existing
    account = accounts.find_portal_account(link.email.rpartition("@")[2])
    if account is None or account.pk != link.account_id:  # the vendor has turned sign-up off since
        raise LinkRefused(NOT_ALLOWED, 403)
    try:
        with transaction.atomic():
            return accounts.create_contact(account=account, email=link.email, source=PORTAL)
    except (IntegrityError, ValidationError):  # a second link of the same email, used at the same moment
        contact = Contact.objects.select_related("account").filter(email=link.email, left_on__isnull=True).first()
        if contact is None:
            raise
        return contact

