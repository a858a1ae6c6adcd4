"""The community's pages under /help/community/: thin; the rules are in tenure.community.services.

Who is looking: a signed-in member writes as themselves; a staff user signed in to Tenure (and not seeing the portal
as a member) reads everything and writes with a staff badge; a staff user seeing it as a member reads what that
member reads, and writes nothing; an anonymous visitor reads the public threads."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenure.accounts.models import Contact
from tenure.community import handoffs, moderation, notifications, reputation
from tenure.community import services as community
from tenure.community.models import DigestFrequency, IdeaStatus, NotificationLevel, Post, ThreadKind
from tenure.community.similar import similar_threads
from tenure.knowledge.models import Category, Tag
from tenure.portal import deflection
from tenure.portal.access import SAFE_METHODS, member_of, remember_next
from tenure.support.models import Ticket

PAGE_SIZE = 30
SORTS = {"latest": ("-last_activity_at", "-pk"), "new": ("-created_at", "-pk"), "top": ("-vote_count", "-reply_count",
                                                                                       "-pk")}


def viewer_of(request) -> community.Viewer:
    member = member_of(request)
    if member is not None:
        return community.Viewer(contact=member.contact)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return community.Viewer(user=user)
    return community.ANONYMOUS


def _page(request, template: str, context: dict | None = None, status: int = 200):
    return render(request, template, {"member": member_of(request), "viewer": viewer_of(request),
                                      **(context or {})}, status=status)


def _number(text: str | None) -> int:
    """An id from an address or a form: ASCII digits only, within a database integer, else 0 (found by nobody)."""
    text = text or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 18 else 0


def _typed(text: str, limit: int) -> str:
    """What a visitor typed, as the database can compare it (PostgreSQL refuses a NUL character)."""
    return text.replace("\x00", "")[:limit]


def _in_words(error: ValidationError) -> str:
    return "; ".join(f"{field} {' '.join(words)}" for field, words in error.message_dict.items())


def _writes(view):
    """A community write: a signed-in member or staff; a staff user seeing the portal as a member may not."""

    def wrapped(request, *args, **kwargs):
        member = member_of(request)
        if member is not None and member.read_only:
            return _page(request, "portal/read_only.html", status=403)
        if not viewer_of(request).signed_in:
            if request.method in SAFE_METHODS:
                remember_next(request, request.get_full_path())
            return redirect("portal:sign_in")
        try:
            return view(request, *args, **kwargs)
        except moderation.PostingTooFast as refused:
            response = _page(request, "portal/refused.html", {"reason": str(refused)}, status=429)
            response["Retry-After"] = str(refused.seconds)
            return response
        except PermissionDenied as refused:
            return _page(request, "portal/refused.html", {"reason": str(refused)}, status=403)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_not_required(wrapped)


def _on_thread(view):
    """A page or action on one thread: ``view(request, thread, …)`` gets the thread the visitor may read, or the
    visitor gets a 404 (a merged thread's address leads to its original)."""

    @functools.wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        found, missing = _thread_or_404(request, pk)
        return missing if missing else view(request, found, *args, **kwargs)

    return wrapped


def _on_post(view):
    """An action on one post of a thread: ``view(request, thread, post)``; a post not there is a 404."""

    @_on_thread
    @functools.wraps(view)
    def wrapped(request, found, number):
        post = _post_of(found, number)
        if post is None:
            return _page(request, "portal/not_found.html", status=404)
        return view(request, found, post)

    return wrapped


def _at(thread, post) -> str:
    return reverse("portal:community_thread", args=[thread.pk]) + f"#post-{post.number}"


def _thread_or_404(request, pk):
    """The thread at ``pk`` as the visitor may read it; a merged thread's address leads to its original."""
    viewer = viewer_of(request)
    thread = community.readable_thread(_number(str(pk)), viewer)
    if thread is None:
        original = community.merged_into(_number(str(pk)), viewer)
        if original is not None and request.method in SAFE_METHODS:
            return None, redirect("portal:community_thread", original.pk)
        return None, _page(request, "portal/not_found.html", status=404)
    return thread, None


@login_not_required
@require_GET
def home(request):
    """Threads the visitor may read, newest activity first; by kind, category, tag, solved or not."""
    viewer = viewer_of(request)
    threads = community.listed_threads(viewer).select_related("category", "author_contact", "author_user")
    kind = request.GET.get("kind", "")
    if kind in ThreadKind.values:
        threads = threads.filter(kind=kind)
    category = Category.objects.filter(slug=_typed(request.GET.get("category", ""), 100)).first()
    if category is not None:
        threads = threads.filter(category=category)
    tag = Tag.objects.filter(slug=_typed(request.GET.get("tag", ""), 50)).first()
    if tag is not None:
        threads = threads.filter(tags=tag)
    if request.GET.get("unanswered") == "1":
        threads = threads.filter(kind=ThreadKind.QUESTION, reply_count=0)
    sort = request.GET.get("sort", "latest")
    threads = threads.order_by("-pinned", *SORTS.get(sort, SORTS["latest"]))
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "portal/community/home.html", {
        "page": page, "kinds": ThreadKind.choices, "kind": kind, "categories": Category.objects.all(),
        "category": category, "tag": tag, "sort": sort if sort in SORTS else "latest",
        "groups": community.groups_of(viewer) if viewer.signed_in else [],
        "moderating": moderation.is_moderator(viewer),
        **_mail_choices(viewer, category=category, tag=tag),
    })


def _mail_choices(viewer, **target) -> dict:
    """What the signed-in member hears about this thread, category or tag, and their digest: for the small forms."""
    if viewer.contact is None:
        return {}
    target = dict([(k, v) for k, v in target.items() if v is not None][:1])  # the area's, if both are chosen
    return {"levels": NotificationLevel.choices, "digests": DigestFrequency.choices,
            "level": notifications.level_of(viewer.contact, **target) if target else "",
            "digest": notifications.digest_of(viewer.contact)}


@login_not_required
@require_GET
@_on_thread
def thread(request, found):
    viewer = viewer_of(request)
    posts = community.posts_of(found, viewer)
    moderating = moderation.is_moderator(viewer)
    return _page(request, "portal/community/thread.html", {
        "moderating": moderating, "categories": Category.objects.all() if moderating else [],
        "thread": found, "opening": posts[0] if posts and posts[0].opening else None,
        "replies": [p for p in posts if not p.opening],
        "liked": community.reacted(viewer, posts), "voted": bool(community.reacted(viewer, posts[:1], "vote")),
        "tags": list(found.tags.all()), "may_accept": viewer.staff or viewer.wrote(found),
        "idea_statuses": IdeaStatus.choices, **_mail_choices(viewer, thread=found),
    })


@login_not_required
@require_GET
def post(request, pk: int):
    """A post by its id (a signal's evidence links one): its place in its thread."""
    found = Post.objects.filter(pk=_number(str(pk))).values_list("thread_id", "number").first()
    thread = community.readable_thread(found[0], viewer_of(request)) if found else None
    if thread is None:
        return _page(request, "portal/not_found.html", status=404)
    return redirect(reverse("portal:community_thread", args=[thread.pk]) + f"#post-{found[1]}")


def _form_values(request) -> dict:
    return {
        "kind": request.POST.get("kind", ThreadKind.QUESTION),
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "category": request.POST.get("category", ""),
        "group": request.POST.get("group", ""),
        "tags": request.POST.get("tags", ""),
    }


@_writes
@require_http_methods(["GET", "POST"])
def new_thread(request):
    viewer = viewer_of(request)
    groups = list(community.groups_of(viewer))
    values = _form_values(request) if request.method == "POST" else {
        "kind": request.GET.get("kind", ThreadKind.QUESTION), "title": request.GET.get("title", "")[:200],
        "body": "", "category": "", "group": request.GET.get("group", ""), "tags": ""}
    errors = {}
    if request.method == "POST":
        category = Category.objects.filter(pk=_number(values["category"])).first() if values["category"] else None
        group = next((g for g in groups if g.pk == _number(values["group"])), None) if values["group"] else None
        names = [n.strip() for n in _typed(values["tags"], 500).split(",") if n.strip()][:5]
        tags = list(Tag.objects.filter(name__in=names))  # members choose among the team's tags
        unknown = sorted(set(names) - {t.name for t in tags})
        if values["group"] and group is None:
            errors["group"] = ["is not a working group you belong to"]
        elif unknown:
            errors["tags"] = [f"not one of the community's tags: {', '.join(unknown)}"]
        else:
            try:
                created = community.start_thread(viewer, title=values["title"], body=values["body"],
                                                 kind=values["kind"], category=category, group=group, tags=tags)
            except ValidationError as e:
                errors = e.message_dict
            else:
                return redirect("portal:community_thread", created.pk)
    return _page(request, "portal/community/new.html", {
        "values": values, "errors": errors, "kinds": ThreadKind.choices, "categories": Category.objects.all(),
        "groups": groups, "tags": Tag.objects.order_by("name")[:200], **_alike(request, values["title"]),
    }, status=400 if errors else 200)


def _alike(request, title: str) -> dict:
    """What the community and the knowledge base already hold like ``title``: shown before a member posts."""
    title = title.replace("\x00", "").strip()[:200]
    if not title:
        return {"similar": [], "articles": []}
    return {"similar": similar_threads(title, viewer_of(request)),
            "articles": deflection.suggested_articles(title, member_of(request))[:3]}


@login_not_required
@require_GET
def similar(request):
    """The new-thread form's htmx partial: similar threads and articles for the title typed so far."""
    return _page(request, "portal/community/_similar.html", _alike(request, request.GET.get("title", "")))


@_writes
@require_POST
@_on_thread
def reply(request, found):
    try:
        post = community.reply(found, viewer_of(request), body=request.POST.get("body", ""))
    except ValidationError as e:
        messages.error(request, "Your reply was not posted: " + _in_words(e))
        return redirect("portal:community_thread", found.pk)
    return redirect(_at(found, post))


def _post_of(thread, number) -> Post | None:
    return thread.posts.filter(number=_number(str(number))).first()


@_writes
@require_http_methods(["GET", "POST"])
@_on_post
def edit(request, found, post):
    viewer = viewer_of(request)
    if not (viewer.wrote(post) or moderation.is_moderator(viewer)):
        raise PermissionDenied("only its author or a moderator edits a post")
    values = {"title": found.title, "body": post.body}
    errors = {}
    if request.method == "POST":
        values = {"title": request.POST.get("title", found.title), "body": request.POST.get("body", "")}
        try:
            community.edit_post(post, viewer, body=values["body"], title=values["title"] if post.opening else None)
        except ValidationError as e:
            errors = e.message_dict
        else:
            return redirect(_at(found, post))
    return _page(request, "portal/community/edit.html", {
        "thread": found, "post": post, "values": values, "errors": errors,
        "revisions": list(post.revisions.select_related("edited_by_contact", "edited_by_user")),
    }, status=400 if errors else 200)


@_writes
@require_POST
@_on_post
def like(request, found, post):
    viewer = viewer_of(request)
    if request.POST.get("undo") == "1":
        community.unlike(post, viewer)
    else:
        community.like(post, viewer)
    return redirect(_at(found, post))


@_writes
@require_POST
@_on_thread
def vote(request, found):
    try:
        if request.POST.get("undo") == "1":
            community.unvote(found, viewer_of(request))
        else:
            community.vote(found, viewer_of(request))
    except ValidationError as e:
        messages.error(request, _in_words(e))
    return redirect("portal:community_thread", found.pk)


@_writes
@require_POST
@_on_thread
def accept(request, found):
    post = _post_of(found, request.POST.get("number")) if request.POST.get("number") else None
    if request.POST.get("number") and post is None:
        return _page(request, "portal/not_found.html", status=404)
    try:
        community.accept_answer(found, post, viewer_of(request))
    except ValidationError as e:
        messages.error(request, _in_words(e))
    return redirect("portal:community_thread", found.pk)


@_writes
@require_POST
@_on_thread
def idea_status(request, found):
    try:
        community.set_idea_status(found, request.POST.get("status", ""), viewer_of(request))
    except ValidationError as e:
        messages.error(request, _in_words(e))
    return redirect("portal:community_thread", found.pk)


@login_not_required
@require_GET
def member(request, contact_id: int):
    """A member's profile: their rank and points, what earned them, their recent threads and answers."""
    contact = Contact.objects.select_related("account", "community_standing").filter(
        pk=_number(str(contact_id))).first()
    viewer = viewer_of(request)
    posts = (Post.objects.filter(author_contact=contact, state="published",
                                 thread__in=community.listed_threads(viewer))
             .select_related("thread").order_by("-created_at")[:20]) if contact else []
    if contact is None or not (posts or hasattr(contact, "community_standing")):
        return _page(request, "portal/not_found.html", status=404)
    standing = getattr(contact, "community_standing", None)
    return _page(request, "portal/community/member.html", {
        "person": contact, "standing": standing, "posts": posts,
        "rank": reputation.rank(standing.points if standing else 0),
        "maven": contact.is_maven, "staff_view": viewer.staff,
    })


@_writes
@require_GET
def group(request, slug: str):
    viewer = viewer_of(request)
    found = community.groups_of(viewer).filter(slug=_typed(slug, 100)).first()
    if found is None:
        return _page(request, "portal/not_found.html", status=404)
    return _page(request, "portal/community/group.html", {
        "group": found, "threads": list(found.threads.select_related("author_contact", "author_user")[:100]),
        "members": list(found.members.select_related("contact", "contact__account")),
    })


# ---- email: notification levels, the digest, one-click unsubscribe -------------------------------------------------

def _members_only(viewer) -> None:
    if viewer.contact is None:
        raise PermissionDenied("community emails are for members signed in to the portal, not for staff")


@_writes
@require_POST
def watch(request):
    """Set the member's level for a thread (``thread``), an area (``category``) or a tag (``tag``)."""
    viewer = viewer_of(request)
    _members_only(viewer)
    target, back = None, reverse("portal:community")
    if request.POST.get("thread"):
        found = community.readable_thread(_number(request.POST.get("thread")), viewer)
        target, back = ({"thread": found}, reverse("portal:community_thread", args=[found.pk])) if found else \
            (None, back)
    elif request.POST.get("category"):
        found = Category.objects.filter(pk=_number(request.POST.get("category"))).first()
        target, back = ({"category": found}, f"{back}?category={found.slug}") if found else (None, back)
    elif request.POST.get("tag"):
        found = Tag.objects.filter(pk=_number(request.POST.get("tag"))).first()
        target, back = ({"tag": found}, f"{back}?tag={found.slug}") if found else (None, back)
    if target is None:
        return _page(request, "portal/not_found.html", status=404)
    try:
        notifications.set_level(viewer.contact, request.POST.get("level", ""), **target)
    except ValidationError as e:
        messages.error(request, _in_words(e))
    else:
        messages.success(request, "Saved: " + NotificationLevel(request.POST["level"]).label.split(":")[0].lower()
                         + ".")
    return redirect(back)


@_writes
@require_POST
def digest(request):
    viewer = viewer_of(request)
    _members_only(viewer)
    try:
        notifications.set_digest(viewer.contact, request.POST.get("digest", ""))
    except ValidationError as e:
        messages.error(request, _in_words(e))
    else:
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
        return _page(request, "portal/community/unsubscribed.html", {"bad": True}, status=400)
    return _page(request, "portal/community/unsubscribed.html", {"person": contact, "thread": thread})


# ---- moderation ------------------------------------------------------------------------------------------------

def _moderates(view):
    """A moderator's page or action (staff who may write, or a trusted member); others are refused with why."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not moderation.is_moderator(viewer_of(request)):
            raise PermissionDenied("only moderators do this")
        return view(request, *args, **kwargs)

    return _writes(wrapped)


@_moderates
@require_GET
def review_queue(request):
    return _page(request, "portal/community/moderation.html", {"queue": moderation.review_queue()})


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
@_on_post
def moderate_post(request, found, post):
    act = POST_ACTIONS.get(request.POST.get("action", ""))
    if act is None:
        return _page(request, "portal/not_found.html", status=404)
    try:
        act(post, viewer_of(request), request.POST.get("reason", "")[:500])
    except ValidationError as e:
        messages.error(request, _in_words(e))
    return _back(request, found)


@_moderates
@require_POST
@_on_thread
def moderate_thread(request, found):
    viewer, action, reason = viewer_of(request), request.POST.get("action", ""), request.POST.get("reason", "")[:500]
    try:
        if action in THREAD_ACTIONS:
            THREAD_ACTIONS[action](found, viewer, reason)
        elif action == "move":
            category = Category.objects.filter(pk=_number(request.POST.get("category"))).first()
            moderation.move(found, category, viewer, reason)
        elif action == "merge":
            original = community.readable_thread(_number(request.POST.get("original")), viewer)
            if original is None:
                raise ValidationError({"original": "is not a thread number you can read"})
            moderation.merge(found, original, viewer, reason)
            messages.success(request, f"Merged into “{original.title}”; its author was told.")
            return redirect("portal:community_thread", original.pk)
        else:
            return _page(request, "portal/not_found.html", status=404)
    except ValidationError as e:
        messages.error(request, _in_words(e))
    return _back(request, found)


@_writes
@require_POST
@_on_post
def flag(request, found, post):
    try:
        moderation.flag(post, viewer_of(request), request.POST.get("reason", "")[:500])
    except ValidationError as e:
        messages.error(request, _in_words(e))
    else:
        messages.success(request, "Thank you: a moderator will look at it.")
    return redirect(_at(found, post))


# ---- where a thread goes next: an article, a support case --------------------------------------------------------

@_moderates
@require_POST
@_on_thread
def to_article(request, found):
    try:
        article = handoffs.draft_article(found, viewer_of(request))
    except ValidationError as e:
        messages.error(request, _in_words(e))
        return redirect("portal:community_thread", found.pk)
    messages.success(request, "A draft article was written from the thread: polish it, then publish it.")
    return redirect("knowledge:edit", article.pk)


@_writes
@require_POST
@_on_thread
def to_ticket(request, found):
    try:
        ticket = handoffs.open_ticket(found, viewer_of(request))
    except ValidationError as e:
        messages.error(request, _in_words(e))
    else:
        messages.success(request, f"Support case {ticket.pk} opened on {ticket.account}; the author was told.")
    return redirect("portal:community_thread", found.pk)


@_writes
@require_POST
@_on_thread
def resolution(request, found):
    try:
        post = handoffs.post_resolution(found, viewer_of(request), request.POST.get("body", ""))
    except ValidationError as e:
        messages.error(request, _in_words(e))
        return redirect("portal:community_thread", found.pk)
    return redirect(_at(found, post))


@_writes
@require_POST
def from_ticket(request, ticket_id: int):
    """Staff share a support case with the community (held for a moderator's look first)."""
    ticket = Ticket.objects.filter(pk=_number(str(ticket_id))).first()
    if ticket is None:
        return _page(request, "portal/not_found.html", status=404)
    try:
        thread = handoffs.thread_from_ticket(ticket, viewer_of(request))
    except ValidationError as e:
        messages.error(request, _in_words(e))
        return redirect("accounts:detail", ticket.account_id)
    messages.success(request, "The case is in the community, held: check it says nothing private, then approve it.")
    return redirect("portal:community_thread", thread.pk)
