"""Community digests: one email per member, daily or weekly (their choice; none by default), with the new threads
and replies since their last digest in what they watch or track (threads, areas, tags). The time it was sent is
claimed before sending (compare-and-set), so two workers never send the same digest and nothing is in two."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from tenure.community import notifications
from tenure.community import services as community
from tenure.community.models import DigestFrequency, MailSettings, NotificationLevel, Post, State, Thread, Watch

log = logging.getLogger(__name__)

INTERVAL = {DigestFrequency.DAILY: dt.timedelta(days=1), DigestFrequency.WEEKLY: dt.timedelta(days=7)}
SLACK = dt.timedelta(minutes=30)  # an hourly job a few minutes late still sends on the same day
FOLLOWED = (NotificationLevel.WATCHING, NotificationLevel.TRACKING)
MOST = 50  # threads in one digest


def news_for(contact, since: dt.datetime, until: dt.datetime) -> list[tuple]:
    """(thread, is new, new replies) for what ``contact`` watches or tracks, with activity in (since, until]."""
    watches = list(Watch.objects.filter(contact=contact).values_list("thread_id", "category_id", "tag_id", "level"))
    followed = Q(pk__in=[t for t, _, _, lv in watches if t and lv in FOLLOWED])
    followed |= Q(category_id__in=[c for _, c, _, lv in watches if c and lv in FOLLOWED])
    followed |= Q(tags__in=[g for _, _, g, lv in watches if g and lv in FOLLOWED])
    threads = {t.pk: t for t in community.readable_threads(community.Viewer(contact=contact))
               .filter(followed, archived_at__isnull=True, state=State.PUBLISHED, last_activity_at__gt=since)
               .distinct().order_by("-last_activity_at")[:MOST * 2]}
    if not threads:
        return []
    thread_level = {t: lv for t, _, _, lv in watches if t}
    category_level = {c: lv for _, c, _, lv in watches if c}
    tag_level = {g: lv for _, _, g, lv in watches if g}
    tags_of = defaultdict(list)
    for thread_id, tag_id in Thread.tags.through.objects.filter(
            thread_id__in=list(threads)).values_list("thread_id", "tag_id"):
        tags_of[thread_id].append(tag_id)
    kept = [t for t in threads.values() if notifications.effective_level(
        thread_level.get(t.pk), category_level.get(t.category_id), [tag_level[g] for g in tags_of[t.pk]
                                                                   if g in tag_level]) in FOLLOWED]
    posts = (Post.objects.filter(thread__in=kept, state=State.PUBLISHED, created_at__gt=since, created_at__lte=until)
             .exclude(author_contact=contact).select_related("author_contact", "author_user").order_by("created_at"))
    by_thread = defaultdict(list)
    for post in posts:
        by_thread[post.thread_id].append(post)
    news = []
    for thread in kept:
        found = by_thread.get(thread.pk, [])
        opening = any(p.opening for p in found)
        replies = [p for p in found if not p.opening]
        if opening or replies:
            news.append((thread, opening, replies))
    return news[:MOST]


def digest_email(contact, news, frequency: str) -> EmailMessage:
    new = sum(1 for _, opening, _ in news if opening)
    replies = sum(len(r) for _, _, r in news)
    stop = notifications.unsubscribe_url(contact.pk)
    lines = [f"Hello {contact.name or contact.email},", "", "What is new in the community threads you follow:", ""]
    for thread, opening, thread_replies in news:
        lines.append(f"{'New: ' if opening else ''}{thread.title}")
        for post in thread_replies[:5]:
            snippet = " ".join(post.body.split())[:160]  # the Markdown reads as text
            lines.append(f"  {post.author_name}: {snippet}")
        if len(thread_replies) > 5:
            lines.append(f"  … and {len(thread_replies) - 5} more")
        lines.append(f"  {notifications.thread_url(thread)}")
        lines.append("")
    lines += ["-- ", f"You get this {frequency} digest because you chose it.",
              f"Stop the digest (one click): {stop}"]
    return EmailMessage(f"[Community] Your {frequency} digest: {new} new thread{'s' if new != 1 else ''}, "
                        f"{replies} repl{'ies' if replies != 1 else 'y'}",
                        "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [contact.email],
                        headers={"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                                 "Auto-Submitted": "auto-generated"})


def is_due(mail: MailSettings, now: dt.datetime) -> bool:
    interval = INTERVAL.get(mail.digest)
    return interval is not None and (mail.digest_sent_at is None or mail.digest_sent_at <= now - interval + SLACK)


def send_digests(now: dt.datetime | None = None) -> int:
    """Send every digest that is due and has something in it; the number sent."""
    now = now or timezone.now()
    due = [m for m in MailSettings.objects.exclude(digest=DigestFrequency.NONE)
           .filter(contact__left_on__isnull=True).exclude(contact__email="").select_related("contact")
           if is_due(m, now)]
    messages = []
    for mail in due:
        since = mail.digest_sent_at or now - INTERVAL[mail.digest]
        news = news_for(mail.contact, since, now)
        if not news:
            continue  # nothing new: the next run looks again from the same time
        claimed = MailSettings.objects.filter(pk=mail.pk, digest_sent_at=mail.digest_sent_at) if mail.digest_sent_at \
            else MailSettings.objects.filter(pk=mail.pk, digest_sent_at__isnull=True)
        if claimed.update(digest_sent_at=now):
            messages.append(digest_email(mail.contact, news, mail.digest))
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
