"""The team's knowledge base pages: the articles (search, filters), writing with a live preview, revisions,
categories and the knowledge gaps. Thin: every change goes through knowledge.services."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenure.form_errors import show_on_form
from tenure.knowledge import insights as knowledge_insights
from tenure.knowledge import services
from tenure.knowledge.files import attachment_response
from tenure.knowledge.forms import ArticleForm, CategoryForm
from tenure.knowledge.markdown import render as render_markdown
from tenure.knowledge.models import Article, ArticleStatus, Attachment, Category, KnowledgeGap
from tenure.knowledge.search import Audience, search_articles, suggest_titles
from tenure.paging import paged
from tenure.support.models import Ticket
from tenure.users.permissions import require_writer

MAX_PREVIEW = 200_000


def article_list(request):
    status = request.GET.get("status", "")
    status = status if status in ArticleStatus.values else ""
    category = request.GET.get("category", "")
    q = request.GET.get("q", "").strip()[:200]
    statuses = [status] if status else ArticleStatus.values
    results = None
    articles = Article.objects.select_related("category", "updated_by").filter(status__in=statuses)
    if category.isdigit():
        articles = articles.filter(category_id=int(category))
    if q:
        found = search_articles(q, audience=Audience.STAFF, statuses=statuses, limit=100)
        by_id = articles.in_bulk([r.id for r in found])
        results = [(r, by_id[r.id]) for r in found if r.id in by_id]
    counts = dict(Article.objects.values_list("status").annotate(n=Count("pk")))
    return render(request, "knowledge/list.html", {
        "page": None if q else paged(request, articles.order_by("-updated_at", "-pk"), 50),
        "results": results, "q": q, "status": status, "category": category,
        "statuses": ArticleStatus.choices, "categories": Category.objects.all(), "counts": counts,
        "can_write": request.user.can_write,
    })


def _initial(article: Article | None, request) -> dict:
    if article is None:  # "write an article" from a knowledge gap comes with its words as the title
        return {"title": request.GET.get("title", "")[:300]}
    return {"title": article.title, "slug": article.slug, "category": article.category_id,
            "tags": ", ".join(t.name for t in article.tags.all()), "visibility": article.visibility,
            "audience_value": article.audience_value, "body": article.body,
            "related": list(article.related.values_list("pk", flat=True))}


def _edit(request, article: Article | None):
    require_writer(request)
    form = ArticleForm(request.POST or None, initial=_initial(article, request))
    if article is not None:
        form.fields["related"].queryset = Article.objects.exclude(pk=article.pk).order_by("title")
    if request.method == "POST" and form.is_valid():
        fields, note = form.service_fields(), form.cleaned_data["note"]
        try:
            if article is None:
                article = services.create_article(by=request.user, note=note, **fields)
                messages.success(request, f"Draft “{article}” saved.")
            else:
                services.update_article(article, by=request.user, note=note, **fields)
                messages.success(request, f"“{article}” saved.")
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            if request.POST.get("then") == "publish":
                services.publish_article(article, by=request.user)
                messages.success(request, f"“{article}” is published.")
            return redirect("knowledge:detail", article.pk)
    return render(request, "knowledge/edit.html", {
        "form": form, "article": article,
        "preview": render_markdown(form["body"].value() or ""),
    }, status=400 if form.errors else 200)


def article_new(request):
    return _edit(request, None)


def article_edit(request, pk: int):
    return _edit(request, get_object_or_404(Article, pk=pk))


@require_POST
def preview(request):
    """The body as readers will see it, for the editor's live preview (htmx posts the Markdown)."""
    require_writer(request)
    body = request.POST.get("body", "")[:MAX_PREVIEW]
    return HttpResponse(render_markdown(body) or '<p class="muted">Nothing to show yet.</p>')


def suggest(request):
    found = suggest_titles(request.GET.get("q", "")[:200], audience=Audience.STAFF)
    return render(request, "knowledge/_suggestions.html", {"suggestions": found})


def article_detail(request, pk: int):
    article = get_object_or_404(Article.objects.select_related("category", "author", "updated_by"), pk=pk)
    votes = article.feedback.aggregate(yes=Count("pk", filter=Q(helpful=True)),
                                       no=Count("pk", filter=Q(helpful=False)))
    return render(request, "knowledge/detail.html", {
        "article": article, "votes": votes, "tags": article.tags.all(), "related": article.related.all(),
        "attachments": article.attachments.all(), "comments": article.feedback.exclude(comment="")[:20],
        "can_write": request.user.can_write, "revision_count": article.revisions.count(),
    })


@require_POST
def article_status(request, pk: int):
    require_writer(request)
    article = get_object_or_404(Article, pk=pk)
    moves = {"publish": services.publish_article, "archive": services.archive_article,
             "draft": services.unpublish_article}
    move = moves.get(request.POST.get("to", ""))
    if move is None:
        return HttpResponse("Say to=publish, archive or draft.", status=400)
    move(article, by=request.user)
    messages.success(request, f"“{article}” is now {article.get_status_display().lower()}.")
    return redirect("knowledge:detail", article.pk)


def revisions(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    return render(request, "knowledge/revisions.html", {
        "article": article,
        "revisions": paged(request, article.revisions.select_related("saved_by"), 50),
    })


@require_POST
def attachment_upload(request, pk: int):
    require_writer(request)
    article = get_object_or_404(Article, pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a file to attach.")
        return redirect("knowledge:detail", article.pk)
    try:
        if upload.size > settings.TENURE_ATTACHMENT_MAX_BYTES:
            raise ValidationError({"file": f"is {upload.size:,} bytes; the largest attachment is "
                                           f"{settings.TENURE_ATTACHMENT_MAX_BYTES:,} bytes"})
        attachment = services.add_attachment(article, name=upload.name, content=upload.read(), by=request.user)
    except ValidationError as exc:
        messages.error(request, f"{upload.name}: " + "; ".join(exc.messages))
    else:
        messages.success(request, f"{attachment} attached: link it as {attachment_url(attachment)}")
    return redirect("knowledge:detail", article.pk)


def attachment_url(attachment: Attachment) -> str:
    from django.urls import reverse

    return reverse("knowledge:attachment", args=[attachment.pk, attachment.filename])


def attachment_missing(request):
    raise Http404("Name an attachment.")


def attachment_file(request, pk: int, name: str):
    return attachment_response(get_object_or_404(Attachment, pk=pk))


def categories(request):
    form = None
    if request.user.can_write:
        form = CategoryForm(request.POST or None)
    if request.method == "POST":
        require_writer(request)
        if form.is_valid():
            try:
                category = services.create_category(**form.cleaned_data)
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, f"Category “{category}” added.")
                return redirect("knowledge:categories")
    rows = Category.objects.annotate(
        published=Count("articles", filter=Q(articles__status=ArticleStatus.PUBLISHED)),
        total=Count("articles"))
    return render(request, "knowledge/categories.html", {"categories": rows, "form": form},
                  status=400 if form is not None and form.errors else 200)


def gaps(request):
    rows = paged(request, KnowledgeGap.objects.annotate(account_count=Count("accounts")).prefetch_related("accounts")
                 .order_by("-count", "-last_seen", "pk"), 50)
    return render(request, "knowledge/gaps.html", {"gaps": rows, "can_write": request.user.can_write})


def insights(request):
    """For CS leaders: is the knowledge base answering customers? Top articles, gaps, deflection and helpfulness."""
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 0
    if days not in knowledge_insights.PERIODS:
        days = 90
    found = knowledge_insights.load(timezone.localdate(), days)
    chart = {"weeks": [w.start.isoformat() for w in found.weeks],
             "views": [w.views for w in found.weeks], "searches": [w.searches for w in found.weeks],
             "deflection_rate": [w.deflection_rate for w in found.weeks],
             "helpfulness": [w.helpfulness for w in found.weeks]}
    return render(request, "knowledge/insights.html", {"insights": found, "days": days, "chart": chart,
                                                       "periods": knowledge_insights.PERIODS})


def ticket_articles(request, pk: int):
    """A ticket's suggested articles (an htmx fragment on the account page): the ones the portal showed the customer
    before they wrote it, then the published articles the account may read that best match its subject."""
    ticket = get_object_or_404(Ticket.objects.select_related("account"), pk=pk if pk < 2**63 else 0)
    shown = services.shown_with(ticket)
    seen = {a.pk for a in shown}
    matches = [r for r in search_articles(f"{ticket.subject} {ticket.body[:500]}", audience=Audience.for_account(
        ticket.account), limit=5 + len(seen)) if r.id not in seen][:5]
    return render(request, "knowledge/_ticket_articles.html", {"shown": shown, "matches": matches})
