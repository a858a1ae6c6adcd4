"""Moderation: who moderates, what is held for review when written, the one review queue, and every moderator's
decision (approve, reject, dismiss a flag, hide, lock, pin, edit, move, merge), each kept with its reason as a
ModerationAction and in the audit trail.

Rules for what is held (``hold_reasons``) are plain functions: a new member's first post; a post matching the word
list (TENURE_COMMUNITY_WORD_LIST); links from a member with few published posts. Staff posts are never held. New
members are also limited in how fast they post (``posting_wait``)."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from tenure.community import notifications
from tenure.community.models import (
    FlagKind,
    ModerationAction,
    Moderator,
    Post,
    Review,
    State,
    Thread,
)
from tenure.integrations import webhooks
from tenure.users import audit

NEW_MEMBER_POSTS = 3  # a member with fewer published posts than this is new
LINKS_ALLOWED_NEW = 0  # links a new member may post without review
LINKS_ALLOWED = 5  # links anyone's post may hold without review
# New members: at most this many posts per window (a burst of posts from a fresh member is how spam arrives).
NEW_MEMBER_RATE = ((3, dt.timedelta(minutes=10)), (10, dt.timedelta(days=1)))
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


class PostingTooFast(PermissionDenied):
    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(f"new members may post a few times an hour: try again in {max(1, seconds // 60)} minutes")


def is_moderator(viewer) -> bool:
    if getattr(viewer, "moderator", None) is not None:  # settled for the request
        return viewer.moderator
    if viewer.user is not None:
        return viewer.user.can_write
    return viewer.contact is not None and Moderator.objects.filter(contact=viewer.contact).exists()


def _require_moderator(viewer) -> None:
    if not is_moderator(viewer):
        raise PermissionDenied("only moderators do this")


# ---- held when written ----------------------------------------------------------------------------------------

def word_list() -> list[str]:
    return [w.strip().lower() for w in settings.TENURE_COMMUNITY_WORD_LIST if w.strip()]


def published_posts_by(contact) -> int:
    return Post.objects.filter(author_contact=contact, state=State.PUBLISHED).count()


def hold_reasons(text: str, *, published_before: int, words: list[str], hold_first: bool = True
                 ) -> list[tuple[str, str]]:
    """Why a member's post waits for a moderator, as (kind, words) pairs; none if it may be shown at once."""
    reasons = []
    if published_before == 0 and hold_first:
        reasons.append((FlagKind.NEW_MEMBER, "the member's first post"))
    lowered = text.lower()
    matched = [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered)]
    if matched:
        reasons.append((FlagKind.WORD_LIST, "matches the word list: " + ", ".join(matched[:5])))
    links = len(_LINK.findall(text))
    allowed = LINKS_ALLOWED_NEW if published_before < NEW_MEMBER_POSTS else LINKS_ALLOWED
    if links > allowed:
        reasons.append((FlagKind.LINK_SPAM, f"{links} link{'s' if links != 1 else ''} from "
                                            f"{'a new member' if published_before < NEW_MEMBER_POSTS else 'one post'}"))
    return reasons


def posting_wait(contact, now: dt.datetime) -> int:
    """Seconds a new member must wait before posting again (0: may post now)."""
    if published_posts_by(contact) >= NEW_MEMBER_POSTS:
        return 0
    waits = []
    for most, window in NEW_MEMBER_RATE:
        recent = list(Post.objects.filter(author_contact=contact, created_at__gt=now - window)
                      .order_by("-created_at").values_list("created_at", flat=True)[:most])
        if len(recent) >= most:
            waits.append(int((recent[-1] + window - now).total_seconds()) + 1)
    return max(waits, default=0)


def reasons_to_hold(viewer, text: str) -> list[tuple[str, str]]:
    """Why what ``viewer`` is about to post waits for a moderator (none for staff)."""
    if viewer.user is not None:
        return []
    return hold_reasons(text, published_before=published_posts_by(viewer.contact), words=word_list(),
                        hold_first=settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS)


def hold_for_review(thread: Thread, words: str) -> Review:
    """A thread staff wrote from a support case waits for a moderator's look before anyone else reads it."""
    post = thread.posts.get(number=1)
    _set_state(post, State.HELD)
    return Review.objects.create(post=post, kind=FlagKind.SUPPORT_CASE, reason=words, created_at=timezone.now())


def hold(post: Post, reasons: list[tuple[str, str]]) -> list[Review]:
    """Put a post written as held into the review queue, with why."""
    return Review.objects.bulk_create([Review(post=post, kind=kind, reason=words, created_at=post.created_at)
                                       for kind, words in reasons])


# ---- the review queue -----------------------------------------------------------------------------------------

def flag(post: Post, viewer, reason: str) -> Review:
    """A member (or staff) flags a post for the moderators, once while the flag is open."""
    if not viewer.signed_in:
        raise PermissionDenied("sign in to flag a post")
    reason = (reason or "").replace("\x00", "").strip()[:500]
    if not reason:
        raise ValidationError({"reason": "say what is wrong with the post"})
    try:
        with transaction.atomic():
            review = Review.objects.create(post=post, kind=FlagKind.MEMBER, reason=reason, flagged_by=viewer.contact,
                                           created_at=timezone.now())
    except IntegrityError:
        return Review.objects.get(post=post, flagged_by=viewer.contact, resolved_at__isnull=True)
    from tenure.community.services import event_payload

    webhooks.emit("community.post_flagged", {**event_payload(post.thread, f"Post flagged: {reason[:100]}"),
                                             "post_id": post.pk, "reason": reason})
    return review


def review_queue():
    """Posts waiting for a moderator, oldest first, each with its open reviews."""
    open_reviews = (Review.objects.filter(resolved_at__isnull=True)
                    .select_related("post", "post__thread", "post__author_contact", "post__account", "flagged_by"))
    queue: dict[int, dict] = {}
    for review in open_reviews:
        item = queue.setdefault(review.post_id, {"post": review.post, "reviews": []})
        item["reviews"].append(review)
    return list(queue.values())


def record(action: str, thread: Thread, viewer, *, post: Post | None = None, reason: str = "",
            changes: dict | None = None) -> ModerationAction:
    reason = (reason or "").replace("\x00", "").strip()[:500]
    done = ModerationAction.objects.create(action=action, thread=thread, post=post, reason=reason,
                                           by_user=viewer.user, by_contact=viewer.contact if not viewer.user else None,
                                           at=timezone.now())
    words = ModerationAction.Action(action).label + (f": {reason}" if reason else "")
    target, model = (post, Post) if post is not None else (thread, Thread)
    audit.record_changes(model, [(target, {"moderation": ("", words), **(changes or {})})],
                         by=viewer.user, label=None if viewer.user else f"community moderator {viewer.contact}")
    return done


def _resolve(post: Post, outcome: str) -> None:
    Review.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=timezone.now(), outcome=outcome)


def _set_state(post: Post, state: str) -> None:
    Post.objects.filter(pk=post.pk).update(state=state)
    post.state = state
    if post.opening:
        Thread.objects.filter(pk=post.thread_id).update(state=state)
    recount(post.thread_id)


def recount(thread_id: int) -> None:
    """The thread's reply count: its published replies (a held or hidden one does not count)."""
    replies = Post.objects.filter(thread_id=thread_id, number__gt=1, state=State.PUBLISHED).count()
    Thread.objects.filter(pk=thread_id).update(reply_count=replies)


@transaction.atomic
def approve(post: Post, viewer, reason: str = "") -> None:
    _require_moderator(viewer)
    _set_state(post, State.PUBLISHED)
    _resolve(post, Review.Outcome.APPROVED)
    notifications.queue_post(post)  # a held post is news once it is shown
    record(ModerationAction.Action.APPROVE, post.thread, viewer, post=post, reason=reason)


@transaction.atomic
def reject(post: Post, viewer, reason: str) -> None:
    """Hide a post waiting for review (or flagged), with the reason its author is told."""
    _require_moderator(viewer)
    _need_reason(reason)
    _set_state(post, State.HIDDEN)
    _resolve(post, Review.Outcome.REJECTED)
    record(ModerationAction.Action.REJECT, post.thread, viewer, post=post, reason=reason)


@transaction.atomic
def dismiss(post: Post, viewer, reason: str = "") -> None:
    """The flags on a post were wrong: it stays as it is."""
    _require_moderator(viewer)
    _resolve(post, Review.Outcome.DISMISSED)
    record(ModerationAction.Action.DISMISS, post.thread, viewer, post=post, reason=reason)


def _need_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": "give the reason (the author and the audit trail read it)"})


@transaction.atomic
def hide(post: Post, viewer, reason: str) -> None:
    _require_moderator(viewer)
    _need_reason(reason)
    _set_state(post, State.HIDDEN)
    _resolve(post, Review.Outcome.REJECTED)
    record(ModerationAction.Action.HIDE, post.thread, viewer, post=post, reason=reason)


@transaction.atomic
def unhide(post: Post, viewer, reason: str = "") -> None:
    _require_moderator(viewer)
    _set_state(post, State.PUBLISHED)
    notifications.queue_post(post)  # emailed only if it never was
    record(ModerationAction.Action.UNHIDE, post.thread, viewer, post=post, reason=reason)


def _thread_flag(thread: Thread, viewer, field: str, value: bool, action: str, reason: str) -> Thread:
    _require_moderator(viewer)
    with transaction.atomic():
        old = getattr(thread, field)
        Thread.objects.filter(pk=thread.pk).update(**{field: value})
        setattr(thread, field, value)
        record(action, thread, viewer, reason=reason, changes={field: (old, value)})
    return thread


def lock(thread: Thread, viewer, reason: str = "") -> Thread:
    return _thread_flag(thread, viewer, "locked", True, ModerationAction.Action.LOCK, reason)


def unlock(thread: Thread, viewer, reason: str = "") -> Thread:
    return _thread_flag(thread, viewer, "locked", False, ModerationAction.Action.UNLOCK, reason)


def pin(thread: Thread, viewer, reason: str = "") -> Thread:
    return _thread_flag(thread, viewer, "pinned", True, ModerationAction.Action.PIN, reason)


def unpin(thread: Thread, viewer, reason: str = "") -> Thread:
    return _thread_flag(thread, viewer, "pinned", False, ModerationAction.Action.UNPIN, reason)


@transaction.atomic
def move(thread: Thread, category, viewer, reason: str = "") -> Thread:
    _require_moderator(viewer)
    old = thread.category
    Thread.objects.filter(pk=thread.pk).update(category=category)
    thread.category = category
    record(ModerationAction.Action.MOVE, thread, viewer, reason=reason,
            changes={"category": (str(old or "none"), str(category or "none"))})
    return thread


@transaction.atomic
def merge(duplicate: Thread, original: Thread, viewer, reason: str = "") -> Thread:
    """Merge ``duplicate`` into ``original``: its posts (its question too) follow the original's as replies, its
    address leads to the original from now on, and its author is told by email."""
    _require_moderator(viewer)
    if duplicate.pk == original.pk:
        raise ValidationError({"original": "a thread cannot be merged into itself"})
    if original.merged_into_id:
        raise ValidationError({"original": "was itself merged into another thread: merge into that one"})
    if duplicate.group_id != original.group_id:
        raise ValidationError({"original": "is in another working group (or not in the same one)"})
    locked = {t.pk: t for t in Thread.objects.select_for_update().filter(pk__in=[duplicate.pk, original.pk])}
    last = Post.objects.filter(thread=original).aggregate(n=Max("number"))["n"] or 0
    moved = list(Post.objects.filter(thread=duplicate).order_by("number"))
    for offset, post in enumerate(moved, start=1):
        post.thread_id, post.number = original.pk, last + offset
    Post.objects.bulk_update(moved, ["thread", "number"])
    newest = max([p.created_at for p in moved] + [locked[original.pk].last_activity_at])
    Thread.objects.filter(pk=original.pk).update(last_activity_at=newest)
    recount(original.pk)
    if duplicate.accepted_answer_id and not original.accepted_answer_id and original.kind == duplicate.kind:
        Thread.objects.filter(pk=original.pk).update(accepted_answer_id=duplicate.accepted_answer_id,
                                                     accepted_at=duplicate.accepted_at)
    Thread.objects.filter(pk=duplicate.pk).update(merged_into=original, accepted_answer=None, accepted_at=None,
                                                  reply_count=0,
                                                  state=State.HIDDEN)
    duplicate.merged_into = original
    record(ModerationAction.Action.MERGE, duplicate, viewer, reason=reason,
            changes={"merged_into": ("", original.title)})
    _tell_author(duplicate, original)
    return original


def _tell_author(duplicate: Thread, original: Thread) -> None:
    contact = duplicate.author_contact
    if contact is None or not contact.email:
        return
    url = settings.TENURE_BASE_URL + reverse("portal:community_thread", args=[original.pk])
    body = (f"Hello {contact.name or contact.email},\n\nYour thread “{duplicate.title}” asks what “{original.title}” "
            f"already asks, so a moderator joined them: your question and its replies are now in that thread.\n\n"
            f"{url}\n")
    transaction.on_commit(lambda: send_mail(f"Your thread was merged into “{original.title}”", body, None,
                                            [contact.email], fail_silently=True))


@transaction.atomic
def archive(thread: Thread, viewer, reason: str = "") -> Thread:
    """Out of the lists and the search, still readable by its address (its knowledge is in an article now)."""
    _require_moderator(viewer)
    at = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(archived_at=at, locked=True)
    thread.archived_at, thread.locked = at, True
    record(ModerationAction.Action.ARCHIVE, thread, viewer, reason=reason)
    return thread


def add_moderator(contact, *, by) -> Moderator:
    moderator, _ = Moderator.objects.get_or_create(contact=contact, defaults={"added_by": by})
    return moderator
