"""The community's one door: every thread, post, edit, like, vote, accepted answer and working-group change is
written here, by the portal's pages and the staff alike; the readers below say who may read and write what.

Who acts is a ``Viewer``: a customer's person (a Contact signed in to the portal), a staff user (the team, with a
staff badge; staff read everything, working groups included), or nobody (an anonymous visitor reads the public
threads, never a working group's, and writes nothing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tenure.community import moderation, notifications
from tenure.community.models import (
    GroupMember,
    IdeaStatus,
    ModerationAction,
    Moderator,
    Post,
    PostRevision,
    Reaction,
    Review,
    Standing,
    State,
    Thread,
    ThreadKind,
    WorkingGroup,
)
from tenure.integrations import webhooks
from tenure.knowledge.markdown import plain_text, render
from tenure.users import audit

TITLE_MAX = 200
BODY_MAX = 20_000


@dataclass(frozen=True)
class Viewer:
    contact: object | None = None  # accounts.Contact
    user: object | None = None  # a staff users.User
    # Read once for a request (``settled``), so a page's checks do not query them again and again; None: ask.
    moderator: bool | None = None
    group_ids: tuple[int, ...] | None = None

    def settled(self) -> Viewer:
        """This viewer with whether they moderate and their working groups read now (one request's worth)."""
        return replace(self, moderator=moderation.is_moderator(self), group_ids=tuple(_group_ids(self)))

    @property
    def staff(self) -> bool:
        return self.user is not None

    @property
    def signed_in(self) -> bool:
        return self.contact is not None or self.user is not None

    @property
    def key(self) -> str:
        return f"u{self.user.pk}" if self.user is not None else f"c{self.contact.pk}"

    def wrote(self, obj) -> bool:
        if self.user is not None:
            return obj.author_user_id == self.user.pk
        return self.contact is not None and obj.author_contact_id == self.contact.pk


ANONYMOUS = Viewer()


def _may_post_now(viewer: Viewer, at: dt.datetime) -> None:
    if viewer.contact is not None:
        wait = moderation.posting_wait(viewer.contact, at)
        if wait:
            raise moderation.PostingTooFast(wait)


# ---- reading -------------------------------------------------------------------------------------------------

def _group_ids(viewer: Viewer) -> list[int]:
    if viewer.group_ids is not None:
        return list(viewer.group_ids)
    if viewer.contact is None:
        return []
    return list(GroupMember.objects.filter(contact=viewer.contact).values_list("group_id", flat=True))


def readable_threads(viewer: Viewer) -> QuerySet[Thread]:
    """The threads ``viewer`` may read: every public thread, and a working group's only for its members and staff;
    a held or hidden one only for its author and the moderators; a merged one for nobody (its address leads to the
    original)."""
    threads = Thread.objects.filter(merged_into__isnull=True)
    if not viewer.staff:
        threads = threads.filter(Q(group__isnull=True) | Q(group_id__in=_group_ids(viewer)))
    if not moderation.is_moderator(viewer):
        shown = Q(state=State.PUBLISHED)
        if viewer.contact is not None:
            shown |= Q(author_contact=viewer.contact)
        threads = threads.filter(shown)
    return threads


def listed_threads(viewer: Viewer) -> QuerySet[Thread]:
    """What the community's lists and searches show: readable, not archived, not a working group's."""
    return readable_threads(viewer).filter(archived_at__isnull=True, group__isnull=True)


def readable_thread(pk, viewer: Viewer) -> Thread | None:
    """The thread if ``viewer`` may read it, else None (a private thread's existence is not told)."""
    return readable_threads(viewer).select_related(
        "category", "group", "author_contact", "author_user", "account", "article", "ticket", "ticket__account",
        "accepted_answer").filter(pk=pk).first()


def merged_into(pk, viewer: Viewer) -> Thread | None:
    """The original a merged thread now lives in, if ``viewer`` may read it."""
    target = Thread.objects.filter(pk=pk).values_list("merged_into_id", flat=True).first()
    return readable_thread(target, viewer) if target else None


def posts_of(thread: Thread, viewer: Viewer = ANONYMOUS) -> list[Post]:
    """The thread's posts ``viewer`` may read: published ones, their own held ones, and all for moderators."""
    posts = thread.posts.select_related("author_contact", "author_user", "account").order_by("number")
    if not moderation.is_moderator(viewer):
        shown = Q(state=State.PUBLISHED)
        if viewer.contact is not None:
            shown |= Q(author_contact=viewer.contact) & ~Q(state=State.HIDDEN)
        posts = posts.filter(shown)
    return list(posts)


def reacted(viewer: Viewer, posts, kind: str = Reaction.Kind.LIKE) -> set[int]:
    """Which of ``posts`` ``viewer`` liked (or voted for)."""
    if not viewer.signed_in:
        return set()
    return set(Reaction.objects.filter(kind=kind, who=viewer.key, post__in=list(posts))
               .values_list("post_id", flat=True))


def groups_of(viewer: Viewer) -> QuerySet[WorkingGroup]:
    if viewer.staff:
        return WorkingGroup.objects.all()
    return WorkingGroup.objects.filter(pk__in=_group_ids(viewer))


# ---- writing -------------------------------------------------------------------------------------------------

def event_payload(thread: Thread, summary: str) -> dict:
    """What a webhook says about a thread (community.thread_created, .answer_accepted, .post_flagged)."""
    return {"summary": summary, "thread_id": thread.pk, "kind": thread.kind, "title": thread.title,
            "state": thread.state, "account_id": thread.account_id, "contact_id": thread.author_contact_id,
            "url": settings.TENURE_BASE_URL + reverse("portal:community_thread", args=[thread.pk])}


def _clean_text(name: str, value: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:  # PostgreSQL cannot store it; refused on SQLite too
        raise ValidationError({name: "contains a NUL character"})
    if required and not value:
        raise ValidationError({name: "is required"})
    if len(value) > limit:
        raise ValidationError({name: f"is {len(value):,} characters; at most {limit:,}"})
    return value


def _writer(viewer: Viewer) -> None:
    if not viewer.signed_in:
        raise PermissionDenied("sign in to write in the community")


def _authored(viewer: Viewer) -> dict:
    if viewer.user is not None:
        return {"author_user": viewer.user, "account": None}
    return {"author_contact": viewer.contact, "account": viewer.contact.account}


def _may_write_in(thread: Thread, viewer: Viewer) -> None:
    _writer(viewer)
    if thread.group_id and not viewer.staff and thread.group_id not in _group_ids(viewer):
        raise PermissionDenied("only the working group's members write in its threads")
    if thread.merged_into_id:
        raise PermissionDenied("the thread was merged into another: write there")


def _set_body(post: Post, body: str) -> None:
    post.body = body
    post.body_html = render(body)
    post.body_text = plain_text(post.body_html)


@transaction.atomic
def start_thread(viewer: Viewer, *, title: str, body: str, kind: str = ThreadKind.QUESTION, category=None,
                 tags=(), group: WorkingGroup | None = None, at: dt.datetime | None = None) -> Thread:
    """A new thread with its opening post. A member may start one in a working group they belong to."""
    _writer(viewer)
    errors = {}
    for name, value, limit in (("title", title, TITLE_MAX), ("body", body, BODY_MAX)):
        try:
            _clean_text(name, value, limit)
        except ValidationError as e:
            errors.update(e.message_dict)
    if kind not in ThreadKind.values:
        errors["kind"] = [f"is one of {', '.join(ThreadKind.values)}, not {kind!r}"]
    if errors:  # every field's problem at once, so a form shows them all
        raise ValidationError(errors)
    title, body = title.strip(), body.strip()
    if group is not None and not viewer.staff and group.pk not in _group_ids(viewer):
        raise PermissionDenied("only the working group's members start its threads")
    at = at or timezone.now()
    _may_post_now(viewer, at)
    held = moderation.reasons_to_hold(viewer, f"{title}\n{body}")
    state = State.HELD if held else State.PUBLISHED
    # The account's timeline tells who started it: the member, not "system" (members are not staff users).
    who = audit.acting_as(viewer.user) if viewer.user else audit.acting_as(label=f"{viewer.contact} in the community")
    with who:
        thread = Thread.objects.create(
            kind=kind, title=title, category=category, group=group, created_at=at, state=state, last_activity_at=at,
            idea_status=IdeaStatus.NEW if kind == ThreadKind.IDEA else "", **_authored(viewer))
    if tags:
        thread.tags.set(tags)
    post = Post(thread=thread, number=1, created_at=at, state=state, **_authored(viewer))
    _set_body(post, body)
    post.save()
    moderation.hold(post, held)
    notifications.track_on_writing(viewer.contact, thread, at)
    notifications.queue_post(post)
    webhooks.emit("community.thread_created", event_payload(thread, f"New {thread.get_kind_display().lower()} "
                                                                    f"by {thread.author_name}: {thread.title}"))
    return thread


@transaction.atomic
def reply(thread: Thread, viewer: Viewer, *, body: str, at: dt.datetime | None = None) -> Post:
    _may_write_in(thread, viewer)
    if thread.locked and not moderation.is_moderator(viewer):
        raise PermissionDenied("the thread is locked: no more replies")
    body = _clean_text("body", body, BODY_MAX)
    at = at or timezone.now()
    _may_post_now(viewer, at)
    # The thread's row is locked while its next number is taken: two replies at once get 2 and 3, never 2 twice.
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    number = (locked.posts.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    held = moderation.reasons_to_hold(viewer, body)
    post = Post(thread=locked, number=number, created_at=at, state=State.HELD if held else State.PUBLISHED,
                **_authored(viewer))
    _set_body(post, body)
    post.save()
    moderation.hold(post, held)
    notifications.track_on_writing(viewer.contact, locked, at)
    notifications.queue_post(post)
    if not held:  # a held reply counts once a moderator approves it
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_activity_at=at)
    thread.refresh_from_db(fields=["reply_count", "last_activity_at"])
    return post


@transaction.atomic
def edit_post(post: Post, viewer: Viewer, *, body: str, title: str | None = None,
              at: dt.datetime | None = None) -> Post:
    """A new body (and, for the opening post, a new title) by its author or staff; the old one is kept."""
    _writer(viewer)
    by_moderator = not viewer.wrote(post)
    if by_moderator and not moderation.is_moderator(viewer):
        raise PermissionDenied("only its author or a moderator edits a post")
    body = _clean_text("body", body, BODY_MAX)
    thread = post.thread
    new_title = _clean_text("title", title, TITLE_MAX) if title is not None and post.opening else thread.title
    if body == post.body and new_title == thread.title:
        return post
    at = at or timezone.now()
    number = (post.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    PostRevision.objects.create(post=post, number=number, body=post.body, title=thread.title if post.opening else "",
                                edited_by_contact=viewer.contact if not viewer.staff else None,
                                edited_by_user=viewer.user, edited_at=at)
    _set_body(post, body)
    post.edited_at = at
    post.save(update_fields=["body", "body_html", "body_text", "edited_at"])
    if new_title != thread.title:
        thread.title = new_title
        thread.save(update_fields=["title"])
    if by_moderator:
        moderation.record(moderation.ModerationAction.Action.EDIT, thread, viewer, post=post,
                          reason=f"revision {number} kept")
    return post


def _react(post: Post, viewer: Viewer, kind: str, on: bool) -> bool:
    """Add or take back ``viewer``'s like (or vote); True if it changed anything. Once per person, also when two
    clicks race."""
    _may_write_in(post.thread, viewer)
    counter = "like_count" if kind == Reaction.Kind.LIKE else None
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    Reaction.objects.create(kind=kind, post=post, who=viewer.key,
                                            contact=None if viewer.staff else viewer.contact, user=viewer.user)
            except IntegrityError:
                return False
            delta = 1
        else:
            if not Reaction.objects.filter(kind=kind, post=post, who=viewer.key).delete()[0]:
                return False
            delta = -1
        if counter:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + delta)
        else:
            Thread.objects.filter(pk=post.thread_id).update(vote_count=F("vote_count") + delta)
    return True


def like(post: Post, viewer: Viewer) -> bool:
    if viewer.wrote(post):
        raise PermissionDenied("a post cannot be liked by its own author")
    return _react(post, viewer, Reaction.Kind.LIKE, True)


def unlike(post: Post, viewer: Viewer) -> bool:
    return _react(post, viewer, Reaction.Kind.LIKE, False)


def _opening(thread: Thread) -> Post:
    return thread.posts.get(number=1)


def vote(thread: Thread, viewer: Viewer) -> bool:
    if thread.kind != ThreadKind.IDEA:
        raise ValidationError({"thread": "only ideas are voted for"})
    return _react(_opening(thread), viewer, Reaction.Kind.VOTE, True)


def unvote(thread: Thread, viewer: Viewer) -> bool:
    if thread.kind != ThreadKind.IDEA:
        raise ValidationError({"thread": "only ideas are voted for"})
    return _react(_opening(thread), viewer, Reaction.Kind.VOTE, False)


def accept_answer(thread: Thread, post: Post | None, viewer: Viewer) -> Thread:
    """Mark ``post`` (a reply in ``thread``) the accepted answer, or clear it with None: by the asker or staff."""
    _writer(viewer)
    if thread.kind != ThreadKind.QUESTION:
        raise ValidationError({"thread": "only a question has an accepted answer"})
    if not (viewer.staff or viewer.wrote(thread)):
        raise PermissionDenied("only the asker or staff accept an answer")
    if post is not None and (post.thread_id != thread.pk or post.opening):
        raise ValidationError({"post": "is not a reply in this thread"})
    thread.accepted_answer = post
    thread.accepted_at = timezone.now() if post is not None else None
    thread.save(update_fields=["accepted_answer", "accepted_at"])
    if post is not None:
        notifications.tell_answer_accepted(thread, post, viewer.contact.pk if viewer.contact else None)
        webhooks.emit("community.answer_accepted", {
            **event_payload(thread, f"Answer by {post.author_name} accepted: {thread.title}"), "post_id": post.pk,
            "answer_account_id": post.account_id, "answer_contact_id": post.author_contact_id})
    return thread


def set_idea_status(thread: Thread, status: str, viewer: Viewer) -> Thread:
    if not viewer.staff:
        raise PermissionDenied("only staff set an idea's status")
    if thread.kind != ThreadKind.IDEA:
        raise ValidationError({"thread": "only an idea has a status"})
    if status not in IdeaStatus.values:
        raise ValidationError({"status": f"is one of {', '.join(IdeaStatus.values)}, not {status!r}"})
    thread.idea_status = status
    thread.save(update_fields=["idea_status"])
    return thread


# ---- working groups ------------------------------------------------------------------------------------------

def create_group(*, name: str, description: str = "", by) -> WorkingGroup:
    from tenure.knowledge.services import unique_slug

    name = _clean_text("name", name, 100)
    description = _clean_text("description", description, 2_000, required=False)
    group = WorkingGroup(name=name, description=description, created_by=by,
                         slug=unique_slug(WorkingGroup, name, max_length=100))
    group.full_clean()
    group.save()
    return group


def invite(group: WorkingGroup, contact, *, by) -> GroupMember:
    """Add a customer's person to a working group (staff invite); inviting a member again changes nothing."""
    if contact.left_on is not None:
        raise ValidationError({"contact": f"{contact} has left {contact.account}"})
    member, _ = GroupMember.objects.get_or_create(group=group, contact=contact, defaults={"invited_by": by})
    return member


def remove_member(group: WorkingGroup, contact) -> bool:
    return bool(GroupMember.objects.filter(group=group, contact=contact).delete()[0])


def wipe_community() -> None:
    """Every thread, post, reaction, group and standing (the demo's rebuild)."""
    for model in (Reaction, Review, ModerationAction, PostRevision):
        model.objects.all().delete()
    Thread.objects.update(accepted_answer=None)
    Post.objects.all().delete()
    Thread.objects.all().delete()
    for model in (GroupMember, WorkingGroup, Standing, Moderator):
        model.objects.all().delete()
