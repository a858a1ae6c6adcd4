"""Who hears about what in the community, and the emails that tell them.

A member's level for a thread, a category or a tag (``Watch``; no row means normal):

- watching: every new post;
- tracking: new posts in threads they started or wrote in (replies to them), and @mentions of them;
- normal: new posts in threads they started, and @mentions of them (a mention of someone with no say in the thread
  reaches them at normal, or it would reach nobody new); an answer accepted in their thread;
- muted: nothing.

A thread's own level wins; without one, a muted category or tag wins over a watched one, else the strongest of
them counts. Starting or replying to a thread sets the writer to tracking it (unless they chose a level for it).

Each published post is emailed once (``Post.notified_at`` is claimed before sending), in one job per post queued
after the post commits; a held post is emailed when a moderator approves it. Every email names a one-click link that
mutes the thread (also as ``List-Unsubscribe``) and a Reply-To address, ``reply+<token>@<domain>``, whose token
names the thread and the member (community.inbound posts what comes back to it)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from huey.contrib.djhuey import db_task

from tenure.accounts.models import Contact
from tenure.community.models import (
    DigestFrequency,
    GroupMember,
    MailSettings,
    NotificationLevel,
    Post,
    State,
    Thread,
    Watch,
)

log = logging.getLogger(__name__)

RANK = {NotificationLevel.MUTED: 0, NotificationLevel.NORMAL: 1, NotificationLevel.TRACKING: 2,
        NotificationLevel.WATCHING: 3}
MENTIONS_PER_POST = 10  # more @names than this in one post are not followed (a list of names is not a mention)
_MENTION = re.compile(r"(?<![\w@])@(?:([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|([^\W\d_][\w'’-]*(?: [^\W\d_][\w'’-]*)?))")


# ---- levels ------------------------------------------------------------------------------------------------------

def effective_level(thread_level: str | None, category_level: str | None = None, tag_levels=()) -> str:
    """The level that counts for one thread: its own; else muted if its category or a tag is muted; else the
    strongest of its category's and tags'; else normal."""
    if thread_level:
        return thread_level
    around = [lv for lv in (category_level, *tag_levels) if lv]
    if NotificationLevel.MUTED in around:
        return NotificationLevel.MUTED
    return max(around, key=RANK.__getitem__, default=NotificationLevel.NORMAL)


def _target(thread=None, category=None, tag=None) -> dict:
    given = {k: v for k, v in (("thread", thread), ("category", category), ("tag", tag)) if v is not None}
    if len(given) != 1:
        raise ValueError("a level is set for exactly one thread, category or tag")
    return given


def set_level(contact, level: str, *, thread=None, category=None, tag=None, at: dt.datetime | None = None) -> Watch:
    """The member's level for one thread, category or tag (the one door for it: pages, the unsubscribe link and
    writing in a thread all come here)."""
    if level not in NotificationLevel.values:
        raise ValidationError({"level": f"is one of {', '.join(NotificationLevel.values)}, not {level!r}"})
    target = _target(thread, category, tag)
    at = at or timezone.now()
    for _ in range(2):  # two clicks at once: the second finds the first's row
        updated = Watch.objects.filter(contact=contact, **target).update(level=level, updated_at=at)
        if updated:
            return Watch.objects.get(contact=contact, **target)
        try:
            with transaction.atomic():
                return Watch.objects.create(contact=contact, level=level, updated_at=at, **target)
        except IntegrityError:
            continue
    return Watch.objects.get(contact=contact, **target)


def level_of(contact, *, thread=None, category=None, tag=None) -> str:
    """The level the member chose for this one thread, category or tag (normal if none)."""
    if contact is None:
        return NotificationLevel.NORMAL
    chosen = Watch.objects.filter(contact=contact, **_target(thread, category, tag)).values_list("level", flat=True)
    return chosen.first() or NotificationLevel.NORMAL


def track_on_writing(contact, thread: Thread, at: dt.datetime | None = None) -> None:
    """A member who starts or replies to a thread tracks it, unless they chose a level for it already."""
    if contact is None or Watch.objects.filter(contact=contact, thread=thread).exists():
        return
    try:
        with transaction.atomic():
            Watch.objects.create(contact=contact, thread=thread, level=NotificationLevel.TRACKING,
                                 updated_at=at or timezone.now())
    except IntegrityError:
        pass


def levels_for(contact_ids, thread: Thread, tag_ids) -> dict[int, str]:
    """Each of these members' effective level for ``thread`` (one query)."""
    around = Q(thread=thread) | Q(tag_id__in=tag_ids)
    if thread.category_id:
        around |= Q(category_id=thread.category_id)
    rows: dict[int, dict] = {cid: {"thread": None, "category": None, "tags": []} for cid in contact_ids}
    for cid, thread_id, category_id, level in Watch.objects.filter(around, contact_id__in=list(contact_ids)) \
            .values_list("contact_id", "thread_id", "category_id", "level"):
        row = rows[cid]
        if thread_id:
            row["thread"] = level
        elif category_id:
            row["category"] = level
        else:
            row["tags"].append(level)
    return {cid: effective_level(r["thread"], r["category"], r["tags"]) for cid, r in rows.items()}


def mentioned_in(text: str) -> tuple[set[str], set[str]]:
    """The e-mail addresses and names @mentioned in a post's text (lower case), at most MENTIONS_PER_POST."""
    emails, names = set(), set()
    for found in list(_MENTION.finditer(text or ""))[:MENTIONS_PER_POST]:
        if found.group(1):
            emails.add(found.group(1).lower())
        else:
            words = found.group(2).lower().replace("’", "'")
            names.add(words)
            names.add(words.split(" ")[0])
    return emails, names


def _mentioned_contacts(text: str) -> set[int]:
    emails, names = mentioned_in(text)
    if not (emails or names):
        return set()
    query = Q(email__in=emails)
    for name in names:
        query |= Q(name__iexact=name)
    return set(Contact.objects.filter(query, left_on__isnull=True).values_list("pk", flat=True)[:MENTIONS_PER_POST])


def recipients(post: Post) -> dict[int, str]:
    """Who is emailed about ``post``, each with why (contact id → reason): never its author, nobody who left or has
    no email address, nobody who may not read the thread."""
    thread = post.thread
    tag_ids = list(thread.tags.values_list("pk", flat=True))
    around = Q(thread=thread) | Q(tag_id__in=tag_ids)
    if thread.category_id:
        around |= Q(category_id=thread.category_id)
    watchers = set(Watch.objects.filter(around, level=NotificationLevel.WATCHING).values_list("contact_id", flat=True))
    wrote_before = set(Post.objects.filter(thread=thread, number__lt=post.number, state=State.PUBLISHED,
                                           author_contact__isnull=False).values_list("author_contact_id", flat=True))
    mentioned = _mentioned_contacts(post.body_text or post.body)
    candidates = (watchers | wrote_before | mentioned | {thread.author_contact_id}) - {None, post.author_contact_id}
    if thread.group_id:  # a working group's thread reaches its members only
        candidates &= set(GroupMember.objects.filter(group_id=thread.group_id).values_list("contact_id", flat=True))
    reachable = set(Contact.objects.filter(pk__in=candidates, left_on__isnull=True).exclude(email="")
                    .values_list("pk", flat=True))
    levels = levels_for(reachable, thread, tag_ids)
    told = {}
    for cid in reachable:
        level = levels[cid]
        if level == NotificationLevel.MUTED:
            continue
        if level == NotificationLevel.WATCHING:
            told[cid] = "you watch this thread, its area or one of its tags"
        elif cid in mentioned:
            told[cid] = "you were mentioned"
        elif cid == thread.author_contact_id:
            told[cid] = "you started this thread"
        elif level == NotificationLevel.TRACKING and cid in wrote_before:
            told[cid] = "you wrote in this thread"
    return told


# ---- tokens: reply by email, and the one-click unsubscribe --------------------------------------------------------

REPLY_SALT = "tenure.community.reply"
UNSUBSCRIBE_SALT = "tenure.community.unsubscribe"
_EPOCH = dt.date(2020, 1, 1)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _reply_mac(value: str) -> str:
    # Hex, so an address's local part survives a mail system that changes its case; 80 bits is plenty for a token
    # that also names its thread and member, and keeps the address under the 64 characters a local part may have.
    return salted_hmac(REPLY_SALT, value, algorithm="sha256").hexdigest()[:20]


def reply_token(thread_id: int, contact_id: int, on: dt.date | None = None) -> str:
    """``<thread>.<contact>.<day issued>.<signature>``: lower-case letters, digits and dots only."""
    day = ((on or timezone.localdate()) - _EPOCH).days
    value = f"{thread_id}.{contact_id}.{_base36(max(day, 0))}"
    return f"{value}.{_reply_mac(value)}"


def read_reply_token(token: str, today: dt.date | None = None) -> tuple[int, int]:
    """(thread id, contact id) of a reply token; signing.BadSignature if it was not made here,
    signing.SignatureExpired if it is older than TENURE_COMMUNITY_REPLY_DAYS."""
    token = (token or "").strip().lower()
    parts = token.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isalnum() for p in parts) or len(token) > 80:
        raise signing.BadSignature("not a reply token")
    value, mac = ".".join(parts[:3]), parts[3]
    if not constant_time_compare(mac, _reply_mac(value)):
        raise signing.BadSignature("the reply token's signature does not match")
    thread_id, contact_id, day = int(parts[0]), int(parts[1]), int(parts[2], 36)
    age = ((today or timezone.localdate()) - _EPOCH).days - day
    if age > settings.TENURE_COMMUNITY_REPLY_DAYS:
        raise signing.SignatureExpired(f"the reply address is {age} days old")
    return thread_id, contact_id


def reply_domain() -> str:
    """TENURE_COMMUNITY_REPLY_DOMAIN, else TENURE_BASE_URL's host (an IP address as an address literal, [1.2.3.4])."""
    domain = settings.TENURE_COMMUNITY_REPLY_DOMAIN or urlsplit(settings.TENURE_BASE_URL).hostname or "localhost"
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        return domain
    return f"[{domain}]" if ":" not in domain else f"[IPv6:{domain}]"


def reply_address(thread_id: int, contact_id: int) -> str:
    return f"reply+{reply_token(thread_id, contact_id)}@{reply_domain()}"


def unsubscribe_token(contact_id: int, *, thread_id: int | None = None) -> str:
    """Signed, never expiring: mutes the thread (or, without one, stops the member's digest)."""
    return signing.dumps({"c": contact_id, **({"t": thread_id} if thread_id else {"d": 1})}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(contact_id: int, *, thread_id: int | None = None) -> str:
    token = unsubscribe_token(contact_id, thread_id=thread_id)
    return settings.TENURE_BASE_URL + reverse("portal:community_unsubscribe", args=[token])


def unsubscribe(token: str) -> tuple[Contact, Thread | None]:
    """Do what an unsubscribe link says: mute its thread, or stop the digest. signing.BadSignature if the token was
    not made here (or names nobody any more)."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise signing.BadSignature("not an unsubscribe token")
    contact = Contact.objects.filter(pk=data["c"]).first()
    if contact is None:
        raise signing.BadSignature("the member is gone")
    if isinstance(data.get("t"), int):
        thread = Thread.objects.filter(pk=data["t"]).first()
        if thread is None:
            raise signing.BadSignature("the thread is gone")
        set_level(contact, NotificationLevel.MUTED, thread=thread)
        return contact, thread
    set_digest(contact, DigestFrequency.NONE)
    return contact, None


# ---- digest preference --------------------------------------------------------------------------------------------

def digest_of(contact) -> str:
    if contact is None:
        return DigestFrequency.NONE
    return MailSettings.objects.filter(contact=contact).values_list("digest", flat=True).first() or \
        DigestFrequency.NONE


def set_digest(contact, frequency: str) -> MailSettings:
    if frequency not in DigestFrequency.values:
        raise ValidationError({"digest": f"is one of {', '.join(DigestFrequency.values)}, not {frequency!r}"})
    mail, _ = MailSettings.objects.update_or_create(contact=contact, defaults={"digest": frequency})
    return mail


# ---- the emails ---------------------------------------------------------------------------------------------------

def thread_url(thread: Thread, number: int | None = None) -> str:
    return (settings.TENURE_BASE_URL + reverse("portal:community_thread", args=[thread.pk])
            + (f"#post-{number}" if number else ""))


def post_email(post: Post, contact: Contact, reason: str) -> EmailMessage:
    """One member's email about one post."""
    thread = post.thread
    mute = unsubscribe_url(contact.pk, thread_id=thread.pk)
    replying = not thread.locked
    lines = [f"{post.author_name} {'started' if post.opening else 'replied to'} “{thread.title}”:", "",
             post.body, "", f"Read it on the website: {thread_url(thread, post.number)}"]
    if replying:
        lines.append("Reply to this email to post your answer in the thread (write above the quoted text).")
    lines += ["", "-- ", f"You get this email because {reason}.",
              f"Stop emails about this thread (one click): {mute}",
              f"Choose what you hear about on the thread's page: {thread_url(thread)}"]
    domain = reply_domain()
    headers = {
        "List-Unsubscribe": f"<{mute}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",  # RFC 3834: out-of-office replies should not answer it
        "Message-ID": f"<community-post-{post.pk}-{contact.pk}@{domain}>",
        "References": f"<community-thread-{thread.pk}@{domain}>",
        "In-Reply-To": f"<community-thread-{thread.pk}@{domain}>",
    }
    subject = thread.title if post.opening else f"Re: {thread.title}"
    return EmailMessage(f"[Community] {subject}", "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [contact.email],
                        headers=headers, reply_to=[reply_address(thread.pk, contact.pk)] if replying else None)


def notify_post(post_id: int, now: dt.datetime | None = None) -> int:
    """Email everyone whose level asks for it about a published post, once; the number of emails sent."""
    post = (Post.objects.select_related("thread", "author_contact", "author_user")
            .filter(pk=post_id, state=State.PUBLISHED, notified_at__isnull=True, thread__state=State.PUBLISHED,
                    thread__merged_into__isnull=True).first())
    if post is None:
        return 0
    if not Post.objects.filter(pk=post.pk, notified_at__isnull=True).update(notified_at=now or timezone.now()):
        return 0  # another worker took it
    told = recipients(post)
    contacts = Contact.objects.filter(pk__in=list(told)).order_by("pk")
    messages = [post_email(post, contact, told[contact.pk]) for contact in contacts]
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


@db_task()
def send_post_notifications(post_id: int) -> None:
    sent = notify_post(post_id)
    if sent:
        log.info("community post %d emailed to %d members", post_id, sent)


def queue_post(post: Post) -> None:
    """Email about ``post`` once the change that published it commits (a held post: once approved)."""
    if post.state == State.PUBLISHED:
        transaction.on_commit(lambda: send_post_notifications(post.pk))


def tell_answer_accepted(thread: Thread, post: Post, by_contact_id: int | None) -> None:
    """The asker hears that an answer was accepted in their thread (unless they accepted it, or muted it); the
    answer's author hears their answer was accepted."""
    people = {thread.author_contact_id: f"An answer was accepted in your thread “{thread.title}”",
              post.author_contact_id: f"Your answer in “{thread.title}” was accepted"}
    people = {cid: words for cid, words in people.items() if cid and cid != by_contact_id}
    if not people:
        return
    levels = levels_for(people, thread, list(thread.tags.values_list("pk", flat=True)))
    contacts = list(Contact.objects.filter(pk__in=[c for c in people if levels[c] != NotificationLevel.MUTED],
                                           left_on__isnull=True).exclude(email=""))
    messages = [EmailMessage(
        f"[Community] {people[c.pk]}",
        f"{people[c.pk]}: {post.author_name}'s reply.\n\n{thread_url(thread, post.number)}\n\n-- \n"
        f"Stop emails about this thread (one click): {unsubscribe_url(c.pk, thread_id=thread.pk)}\n",
        settings.DEFAULT_FROM_EMAIL, [c.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url(c.pk, thread_id=thread.pk)}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "Auto-Submitted": "auto-generated"})
        for c in contacts]
    if messages:
        transaction.on_commit(lambda: get_connection(fail_silently=True).send_messages(messages))
