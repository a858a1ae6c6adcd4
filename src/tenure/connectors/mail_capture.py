"""Email capture: every staff user has a personal address (``csm+<token>@<TENURE_MAIL_CAPTURE_DOMAIN>``). Mail a CSM
sends with it in BCC, or forwards to it, becomes an email touch on the account of its participants.

- The sender must be the address's user (their email in Tenure); automatic mail is refused; the refusal's words are
  the SMTP reply (or the command's error), so the CSM's mail server bounces them back to the CSM.
- A forward (subject "Fwd:", "FW:", …, or a message attached as message/rfc822) is the original's: its From, To, Cc,
  Date and subject, direction inbound (outbound when the original was the CSM's own). Anything else is mail the CSM
  sent (BCC): direction outbound.
- Participants are From, To and Cc except staff users and capture addresses. An account matches by a participant's
  contact email, else by the domain of an unknown participant's address (freemail domains never match); unknown
  participants are added as contacts of the account their domain matched, with their display names. A touch per
  account matched: each account's timeline shows the mail, with its own people (a touch names only its account's
  contacts).
- One touch set per message (``CapturedMail.key``: Message-ID), however often it arrives: a second delivery changes
  nothing, so a person's edits of the touch stay.
- No account matched: the mail is kept as unmatched, listed on the Email capture page, and the CSM assigns it to an
  account by hand (``assign``), through the same steps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.connectors.matching import FREEMAIL
from tenure.connectors.models import CaptureAddress, CaptureDirection, CapturedMail, CaptureStatus
from tenure.engagement import services as engagement
from tenure.engagement.models import TouchKind
from tenure.integrations import inbound_mail
from tenure.integrations.inbound_mail import Refused

_ADDRESS = re.compile(r"^(?:csm\+)?([0-9a-f]{20})@(.+)$", re.IGNORECASE)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|fw|tr|wg|rv|i)\s*:", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|fw|tr|wg|aw|rv|sv|i)\s*:\s*)+", re.IGNORECASE)
# The line that opens an inline forward: Gmail, Apple Mail, Thunderbird, Outlook.
_FORWARD_START = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|original message|message transféré|weitergeleitete nachricht)\s*-{2,}"
    r"|begin forwarded message:|_{20,})\s*$", re.IGNORECASE)
_FORWARD_HEADER = re.compile(r"^\s*\*?(from|de|von|to|à|an|cc|date|sent|envoyé|gesendet|subject|objet|betreff)\*?"
                             r"\s*:\s*\*?\s*(.*)$", re.IGNORECASE)
_HEADER_NAMES = {"from": "from", "de": "from", "von": "from", "to": "to", "à": "to", "an": "to", "cc": "cc",
                 "date": "date", "sent": "date", "envoyé": "date", "gesendet": "date", "subject": "subject",
                 "objet": "subject", "betreff": "subject"}
SUMMARY_CHARS = 4000
MAX_ACCOUNTS = 20  # a mail to more customers than this is a newsletter, not a touch: kept unmatched


# ---- addresses ----------------------------------------------------------------------------------------------


def capture_domain() -> str:
    """TENURE_MAIL_CAPTURE_DOMAIN, else TENURE_BASE_URL's host."""
    return (settings.TENURE_MAIL_CAPTURE_DOMAIN or urlsplit(settings.TENURE_BASE_URL).hostname
            or "localhost").lower()


def address_of(user) -> str:
    """The user's capture address (made on first use)."""
    found = CaptureAddress.objects.filter(user=user).first()
    if found is None:
        found = renew_address(user)
    return f"csm+{found.token}@{capture_domain()}"


@transaction.atomic
def renew_address(user) -> CaptureAddress:
    """A new token for the user: the old address stops working (mail to it is refused)."""
    token = secrets.token_hex(10)
    address, _ = CaptureAddress.objects.update_or_create(user=user, defaults={"token": token})
    return address


def token_of(address: str) -> str | None:
    """The token of a capture address at the capture domain (any case), else None."""
    found = _ADDRESS.match((address or "").strip().strip("<>"))
    if not found or found.group(2).lower() != capture_domain():
        return None
    return found.group(1).lower()


def _is_capture_address(address: str) -> bool:
    return address.rpartition("@")[2] == capture_domain()


# ---- reading a message --------------------------------------------------------------------------------------


@dataclass
class Mail:
    """What a captured message says, once the forward (if any) is unwrapped."""

    sender: str
    people: list[tuple[str, str]]  # (name, address): From, To, Cc in order
    subject: str
    body: str
    occurred_at: dt.datetime
    message_id: str
    forwarded: bool = False
    note: str = ""  # what the CSM wrote above a forward


_WRITTEN_DATES = ("%a, %b %d, %Y %I:%M %p", "%A, %B %d, %Y %I:%M %p", "%A, %B %d, %Y %H:%M", "%d %B %Y %H:%M",
                  "%B %d, %Y %I:%M:%S %p")


def _date(value: str) -> dt.datetime | None:
    """An RFC 5322 date, or one as mail programs write it in a forward ("Mon, Nov 30, 2026 at 8:02 AM": in
    Tenure's time zone); None if unreadable, before 1990 or more than a day ahead."""
    when = None
    try:
        when = parsedate_to_datetime(value) if value else None
        if when is not None and timezone.is_naive(when):  # "-0000": UTC, place unknown
            when = when.replace(tzinfo=dt.UTC)
    except Exception:
        written = " ".join(value.replace(" at ", " ").replace("\u202f", " ").split())
        for pattern in _WRITTEN_DATES:
            try:
                when = timezone.make_aware(dt.datetime.strptime(written, pattern))
                break
            except (ValueError, OverflowError):
                continue
    if when is None:
        return None
    if when > timezone.now() + dt.timedelta(days=1) or when.year < 1990:
        return None
    return when


def _message_id(message) -> str:
    value = inbound_mail.header(message, "Message-ID").strip()
    found = re.search(r"<([^<>\s]{1,240})>", value)
    return (found.group(1) if found else value.split()[0] if value.split() else "")[:240].lower()


def _attached_original(message):
    try:
        for part in message.walk():
            if part.get_content_type() == "message/rfc822":
                inner = part.get_content()
                if inner is not None:
                    return inner
    except Exception:
        return None
    return None


def _inline_original(text: str) -> tuple[dict[str, str], str, str] | None:
    """The forwarded message's headers and text, and the words above it, from a forward written inline, if its
    header block is readable: after a "Forwarded message" line, or (Outlook) a From: line followed by another
    header line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        opening = _FORWARD_HEADER.match(line)
        if _FORWARD_START.match(line):
            j = i + 1
        elif opening and _HEADER_NAMES[opening.group(1).lower()] == "from" and _FORWARD_HEADER.match(following):
            j = i
        else:
            continue
        headers: dict[str, str] = {}
        while j < len(lines) and not lines[j].strip() and not headers:
            j += 1
        while j < len(lines) and lines[j].strip():
            found = _FORWARD_HEADER.match(lines[j])
            if not found:
                break
            headers.setdefault(_HEADER_NAMES[found.group(1).lower()], found.group(2).strip().rstrip("*").strip())
            j += 1
        if "from" in headers:
            return headers, "\n".join(lines[j:]).strip(), "\n".join(lines[:i]).strip()
    return None


def _people(values: dict[str, str]) -> list[tuple[str, str]]:
    from email.message import EmailMessage

    holder = EmailMessage()
    for name in ("From", "To", "Cc"):
        value = values.get(name.lower(), "")
        if value:
            try:
                holder[name] = value.replace("mailto:", "")
            except Exception:
                continue
    return inbound_mail.addresses(holder, "From", "To", "Cc")


def read(message) -> Mail:
    """The mail a captured message carries: its own, or the original it forwards."""
    subject = " ".join(inbound_mail.header(message, "Subject").split())
    text = inbound_mail.body_of(message)
    when = _date(inbound_mail.header(message, "Date")) or timezone.now()
    own = Mail(sender=inbound_mail.sender(message), people=inbound_mail.addresses(message, "From", "To", "Cc"),
               subject=subject, body=text, occurred_at=when, message_id=_message_id(message))
    inner = _attached_original(message)
    if inner is not None:
        inner_subject = " ".join(inbound_mail.header(inner, "Subject").split())
        return Mail(sender=inbound_mail.sender(inner), people=inbound_mail.addresses(inner, "From", "To", "Cc"),
                    subject=inner_subject or _REPLY_PREFIX.sub("", subject), body=inbound_mail.body_of(inner),
                    occurred_at=_date(inbound_mail.header(inner, "Date")) or when,
                    message_id=_message_id(inner) or own.message_id, forwarded=True,
                    note=inbound_mail.reply_text(text))
    if not _FORWARD_SUBJECT.match(subject):
        return own
    found = _inline_original(inbound_mail.body_of(message, quotes=True))  # an HTML forward may quote it
    if found is None:
        own.forwarded, own.people = True, []  # whose it was is unknown: kept unmatched, assigned by hand
        return own
    headers, original, above = found
    people = _people(headers)
    if not people:
        own.forwarded, own.people = True, []
        return own
    inner_subject = " ".join(headers.get("subject", "").split()) or _REPLY_PREFIX.sub("", subject)
    # An inline forward keeps no Message-ID: the original is known by its sender, subject and words.
    digest = hashlib.sha256("\n".join([people[0][1], _REPLY_PREFIX.sub("", inner_subject).lower(),
                                       " ".join(original.split())[:2000]]).encode()).hexdigest()[:40]
    return Mail(sender=people[0][1], people=people, subject=inner_subject, body=original,
                occurred_at=_date(headers.get("date", "")) or when, message_id=f"forward:{digest}", forwarded=True,
                note=inbound_mail.reply_text(above))


def _summary(direction: str, mail: Mail) -> str:
    """"Email sent: <subject>" (or received), then what was written, without the quoted thread or signature."""
    words = inbound_mail.reply_text(mail.body) or mail.body
    words = words.replace("\r\n", "\n").replace("\r", "\n")
    words = re.sub(r"[ \t]+\n", "\n", words)
    words = re.sub(r"\n{3,}", "\n\n", words).strip()
    if len(words) > SUMMARY_CHARS:
        words = words[:SUMMARY_CHARS].rstrip() + " …"
    head = ("Email sent" if direction == CaptureDirection.OUTBOUND else "Email received") + (
        f": {mail.subject}" if mail.subject else "")
    note = " ".join(mail.note.split())
    if len(note) > 500:
        note = note[:500].rstrip() + " …"
    return f"{head}\n\n{words}".strip() + (f"\n\nForwarded with a note: {note}" if note else "")


# ---- matching ------------------------------------------------------------------------------------------------


def _staff_addresses(addresses) -> set[str]:
    users = get_user_model().objects.annotate(_email=Lower("email")).filter(_email__in=list(addresses))
    return set(users.values_list("_email", flat=True))


def _domains_of(address: str) -> list[str]:
    """The address's domain and its parents down to two labels: people@eu.acme.com may match acme.com."""
    domain = accounts.normalize_domain(address.rpartition("@")[2])
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] if len(labels) > 1 else []


def participants(mail: Mail, user) -> list[tuple[str, str]]:
    """From, To and Cc but the CSM, staff users and capture addresses."""
    people = [(n, a) for n, a in mail.people if a != (user.email or "").lower() and not _is_capture_address(a)]
    staff = _staff_addresses(a for _, a in people)
    return [(n, a) for n, a in people if a not in staff]


def match(people: list[tuple[str, str]]) -> dict[Account, list[tuple[str, str]]]:
    """The accounts the people belong to, each with its people: by contact email first, else by the domain of an
    unknown address (not freemail), most specific domain first."""
    known = {c.email: c for c in Contact.objects.select_related("account").filter(email__in=[a for _, a in people])}
    domains = {d for _, a in people if a not in known for d in _domains_of(a)} - FREEMAIL
    by_domain = accounts.find_accounts_by("domain", domains) if domains else {}
    matched: dict[Account, list[tuple[str, str]]] = {}
    by_pk: dict[int, Account] = {}
    for name, address in people:
        if address in known:
            account = known[address].account
        else:
            account = next((by_domain[d] for d in _domains_of(address)
                            if d in by_domain and d not in FREEMAIL), None)
        if account is not None:
            account = by_pk.setdefault(account.pk, account)
            matched.setdefault(account, []).append((name, address))
    return matched


def _contacts_on(account: Account, people: list[tuple[str, str]], user) -> list[Contact]:
    """The account's contacts among ``people``, adding the unknown ones (a contact of another account is left out:
    a person decided where they belong). A concurrent capture adding the same person is read back, not doubled."""
    found = []
    for name, address in people:
        contact = Contact.objects.filter(email=address).first()
        if contact is None:
            try:
                with transaction.atomic():
                    contact = accounts.create_contact(account=account, name=name, email=address, by=user)
            except (IntegrityError, ValidationError):
                contact = Contact.objects.filter(email=address).first()
        if contact is not None and contact.account_id == account.pk:
            found.append(contact)
    return found


def _record(captured: CapturedMail, account: Account, people: list[tuple[str, str]]) -> None:
    contacts = _contacts_on(account, people, captured.user)
    touch = engagement.record_touch(
        account=account, kind=TouchKind.EMAIL, author=captured.user, occurred_at=captured.occurred_at,
        summary=captured.body, contacts=contacts)
    captured.accounts.add(account)
    captured.touches.add(touch)


# ---- receiving -----------------------------------------------------------------------------------------------


@dataclass
class Capture:
    mail: CapturedMail
    created: bool

    def words(self) -> str:
        m = self.mail
        if not self.created:
            return f"already captured (mail {m.pk})"
        if m.status == CaptureStatus.UNMATCHED:
            return f"captured as mail {m.pk}; no account matched: assign it on the Email capture page"
        names = ", ".join(a.name for a in m.accounts.all())
        return f"captured as mail {m.pk} on {names}"


def user_for(recipients) -> tuple[object, str] | tuple[None, None]:
    for address in recipients or []:
        token = token_of(str(address))
        if token:
            found = CaptureAddress.objects.select_related("user").filter(token=token).first()
            return (found.user if found else None), token
    return None, None


def capture(raw, recipients=None) -> Capture:
    """Capture one message sent to a capture address (``recipients``: the envelope's, else the message's own
    Delivered-To, X-Original-To, To and Cc). Raises Refused, saying why, if it is not taken."""
    message = inbound_mail.parse(raw)
    if inbound_mail.is_automatic(message):
        raise Refused("automatic mail (auto-replies, bulk mail) is not captured")
    if not recipients:
        recipients = [a for _, a in inbound_mail.addresses(message, "Delivered-To", "X-Original-To", "To", "Cc")]
    user, token = user_for(recipients)
    if token is None:
        raise Refused("the message is not addressed to a capture address")
    if user is None or not user.is_active:
        raise Refused("this capture address is not (or no longer) valid: see your address on Tenure's Email capture "
                      "page")
    if not user.email:
        raise Refused("your Tenure user has no email address: once an admin sets it, mail from it is captured")
    if inbound_mail.sender(message) != user.email.lower():
        raise Refused("mail is captured only from the address of the person this capture address belongs to")
    mail = read(message)
    direction = (CaptureDirection.INBOUND if mail.forwarded and mail.sender != user.email.lower()
                 else CaptureDirection.OUTBOUND)
    people = participants(mail, user)
    key = mail.message_id or "digest:" + hashlib.sha256(
        "\n".join([mail.sender, mail.subject, mail.occurred_at.isoformat(), mail.body[:2000]]).encode()
    ).hexdigest()[:40]
    return _capture(user, key, direction, mail, people)


@transaction.atomic
def _capture(user, key: str, direction: str, mail: Mail, people) -> Capture:
    existing = CapturedMail.objects.filter(key=key).first()
    if existing is not None:
        return Capture(existing, created=False)
    matched = match(people)
    if len(matched) > MAX_ACCOUNTS:
        matched = {}
    try:
        with transaction.atomic():
            captured = CapturedMail.objects.create(
                key=key, user=user, direction=direction,
                status=CaptureStatus.MATCHED if matched else CaptureStatus.UNMATCHED,
                subject=mail.subject[:255], sender=mail.sender[:254],
                participants=[{"name": n, "email": a} for n, a in people],
                body=_summary(direction, mail), occurred_at=mail.occurred_at)
    except IntegrityError:  # the same message, captured a moment ago by another delivery
        return Capture(CapturedMail.objects.get(key=key), created=False)
    for account, its_people in matched.items():
        _record(captured, account, its_people)
    return Capture(captured, created=True)


@transaction.atomic
def assign(captured: CapturedMail, account: Account, *, by) -> CapturedMail:
    """Put unmatched captured mail on an account's timeline by hand: the participants who are no one's contact
    become the account's contacts, as if their domain had matched."""
    captured = CapturedMail.objects.select_for_update().get(pk=captured.pk)
    if captured.status != CaptureStatus.UNMATCHED:
        raise ValidationError("this mail is already on an account's timeline")
    people = [(p.get("name", ""), p.get("email", "")) for p in captured.participants if p.get("email")]
    _record(captured, account, people)
    captured.status = CaptureStatus.MATCHED
    captured.save(update_fields=["status"])
    return captured


def unmatched(user):
    return CapturedMail.objects.filter(user=user, status=CaptureStatus.UNMATCHED)


def _deliver(raw: bytes, recipients: list[str]) -> str:
    return capture(raw, recipients).words()


ROUTE = inbound_mail.Route("capture addresses", lambda address: token_of(address) is not None, _deliver)
