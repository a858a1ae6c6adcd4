"""The community's thread pages under /help/community/: thin; the rules are in tenure.community.services, who is
looking and the shared lookups in community_access."""


from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenure.accounts.models import Contact
from tenure.community import moderation, notifications, reputation
from tenure.community import services as community
from tenure.community.models import DigestFrequency, IdeaStatus, NotificationLevel, Post, ThreadKind
from tenure.community.similar import similar_threads
from tenure.knowledge.models import Category, Tag
from tenure.portal import deflection
from tenure.portal.access import member_of
from tenure.portal.community_access import (
    at_post,
    in_words,
    number_in,
    on_post,
    on_thread,
    post_of,
    show,
    tried,
    typed,
    viewer_of,
    writes,
)

PAGE_SIZE = 30
SORTS = {"latest": ("-last_activity_at", "-pk"), "new": ("-created_at", "-pk"), "top": ("-vote_count", "-reply_count",
                                                                                       "-pk")}

@login_not_required
@require_GET
def home(request):
    """Threads the visitor may read, newest activity first; by kind, category, tag, solved or not."""
    viewer = viewer_of(request)
    threads = community.listed_threads(viewer).select_related("category", "author_contact", "author_user")
    kind = request.GET.get("kind", "")
    if kind in ThreadKind.values:
        threads = threads.filter(kind=kind)
    category = Category.objects.filter(slug=typed(request.GET.get("category", ""), 100)).first()
    if category is not None:
        threads = threads.filter(category=category)
    tag = Tag.objects.filter(slug=typed(request.GET.get("tag", ""), 50)).first()
    if tag is not None:
        threads = threads.filter(tags=tag)
    if request.GET.get("unanswered") == "1":
        threads = threads.filter(kind=ThreadKind.QUESTION, reply_count=0)
    sort = request.GET.get("sort", "latest")
    threads = threads.order_by("-pinned", *SORTS.get(sort, SORTS["latest"]))
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    return show(request, "portal/community/home.html", {
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
@on_thread
def thread(request, found):
    viewer = viewer_of(request)
    posts = community.posts_of(found, viewer)
    moderating = moderation.is_moderator(viewer)
    return show(request, "portal/community/thread.html", {
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
    found = Post.objects.filter(pk=number_in(str(pk))).values_list("thread_id", "number").first()
    thread = community.readable_thread(found[0], viewer_of(request)) if found else None
    if thread is None:
        return show(request, "portal/not_found.html", status=404)
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


@writes
@require_http_methods(["GET", "POST"])
def new_thread(request):
    viewer = viewer_of(request)
    groups = list(community.groups_of(viewer))
    values = _form_values(request) if request.method == "POST" else {
        "kind": request.GET.get("kind", ThreadKind.QUESTION), "title": request.GET.get("title", "")[:200],
        "body": "", "category": "", "group": request.GET.get("group", ""), "tags": ""}
    errors = {}
    if request.method == "POST":
        category = Category.objects.filter(pk=number_in(values["category"])).first() if values["category"] else None
        group = next((g for g in groups if g.pk == number_in(values["group"])), None) if values["group"] else None
        names = [n.strip() for n in typed(values["tags"], 500).split(",") if n.strip()][:5]
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
    return show(request, "portal/community/new.html", {
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
    return show(request, "portal/community/_similar.html", _alike(request, request.GET.get("title", "")))


@writes
@require_POST
@on_thread
def reply(request, found):
    try:
        post = community.reply(found, viewer_of(request), body=request.POST.get("body", ""))
    except ValidationError as e:
        messages.error(request, "Your reply was not posted: " + in_words(e))
        return redirect("portal:community_thread", found.pk)
    return redirect(at_post(found, post))



@writes
@require_http_methods(["GET", "POST"])
@on_post
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
            return redirect(at_post(found, post))
    return show(request, "portal/community/edit.html", {
        "thread": found, "post": post, "values": values, "errors": errors,
        "revisions": list(post.revisions.select_related("edited_by_contact", "edited_by_user")),
    }, status=400 if errors else 200)


@writes
@require_POST
@on_post
def like(request, found, post):
    viewer = viewer_of(request)
    if request.POST.get("undo") == "1":
        community.unlike(post, viewer)
    else:
        community.like(post, viewer)
    return redirect(at_post(found, post))


@writes
@require_POST
@on_thread
def vote(request, found):
    act = community.unvote if request.POST.get("undo") == "1" else community.vote
    tried(request, act, found, viewer_of(request))
    return redirect("portal:community_thread", found.pk)


@writes
@require_POST
@on_thread
def accept(request, found):
    post = post_of(found, request.POST.get("number")) if request.POST.get("number") else None
    if request.POST.get("number") and post is None:
        return show(request, "portal/not_found.html", status=404)
    tried(request, community.accept_answer, found, post, viewer_of(request))
    return redirect("portal:community_thread", found.pk)


@writes
@require_POST
@on_thread
def idea_status(request, found):
    tried(request, community.set_idea_status, found, request.POST.get("status", ""), viewer_of(request))
    return redirect("portal:community_thread", found.pk)


@login_not_required
@require_GET
def member(request, contact_id: int):
    """A member's profile: their rank and points, what earned them, their recent threads and answers."""
    contact = Contact.objects.select_related("account", "community_standing").filter(
        pk=number_in(str(contact_id))).first()
    viewer = viewer_of(request)
    posts = (Post.objects.filter(author_contact=contact, state="published",
                                 thread__in=community.listed_threads(viewer))
             .select_related("thread").order_by("-created_at")[:20]) if contact else []
    if contact is None or not (posts or hasattr(contact, "community_standing")):
        return show(request, "portal/not_found.html", status=404)
    standing = getattr(contact, "community_standing", None)
    return show(request, "portal/community/member.html", {
        "person": contact, "standing": standing, "posts": posts,
        "rank": reputation.rank(standing.points if standing else 0),
        "maven": contact.is_maven, "staff_view": viewer.staff,
    })


@writes
@require_GET
def group(request, slug: str):
    viewer = viewer_of(request)
    found = community.groups_of(viewer).filter(slug=typed(slug, 100)).first()
    if found is None:
        return show(request, "portal/not_found.html", status=404)
    return show(request, "portal/community/group.html", {
        "group": found, "threads": list(found.threads.select_related("author_contact", "author_user")[:100]),
        "members": list(found.members.select_related("contact", "contact__account")),
    })
