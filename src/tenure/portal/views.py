"""The customer portal's pages under /help/: thin; the rules are in services.py (sign-in links), access.py (who is
looking), deflection.py (the knowledge hooks) and the support room's services (tickets)."""

import itertools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenure.accounts.models import Contact
from tenure.knowledge import services as knowledge
from tenure.knowledge.files import attachment_response
from tenure.portal import access, deflection, services
from tenure.portal.access import member_of, portal_member_required
from tenure.portal.forms import ContactSupportForm, SignInForm
from tenure.support import services as support
from tenure.support.models import Ticket
from tenure.users import throttle

QUERY_LIMIT = 200  # characters of a search or a subject the hooks are given
HOME_ARTICLES = 200  # articles listed on the help centre's home page, by category


def _words(text: str, limit: int = QUERY_LIMIT) -> str:
    """What a visitor typed, as the database can keep it (PostgreSQL refuses a NUL character) and at most
    ``limit`` characters."""
    return text.replace("\x00", "").strip()[:limit]


def _page(request, template: str, context: dict | None = None, status: int = 200):
    return render(request, template, {"member": member_of(request), **(context or {})}, status=status)


@login_not_required
@require_GET
def home(request):
    """The help centre: search, and the articles this visitor may read by category."""
    shown = deflection.listed_articles(member_of(request), HOME_ARTICLES)
    sections = [(name, list(rows)) for name, rows in
                itertools.groupby(shown, key=lambda a: a.category.name if a.category else "More answers")]
    return _page(request, "portal/home.html", {"sections": sections})


@login_not_required
@require_GET
def search(request):
    query = _words(request.GET.get("q", ""))
    results = deflection.search_articles(query, member_of(request)) if query else []
    return _page(request, "portal/search.html", {"query": query, "results": results})


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request):
    member = member_of(request)
    if request.method == "GET" and member is not None and not member.read_only:
        return redirect("portal:account")  # signed in already
    form = SignInForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, "portal/sign_in.html", {"form": form}, status=400)
        email = form.cleaned_data["email"]
        limits = throttle.for_portal_link(email, throttle.address_of(request))
        wait = throttle.locked_for(limits)
        if wait:
            response = _page(request, "portal/sign_in.html",
                             {"form": SignInForm(), "locked": throttle.wait_words(wait)}, status=429)
            response["Retry-After"] = str(wait)
            return response
        throttle.failed(limits)  # every request counts towards the limit, known email or not
        services.request_link(email)
        return redirect("portal:link_sent")
    return _page(request, "portal/sign_in.html", {"form": form})


@login_not_required
@require_GET
def link_sent(request):
    return _page(request, "portal/link_sent.html", {"minutes": settings.TENURE_PORTAL_LINK_MINUTES})


@login_not_required
@require_http_methods(["GET", "POST"])
def link(request, token: str):
    """The emailed link asks before it signs in: mail scanners that open links must not use them up."""
    try:
        if request.method == "POST":
            contact = services.use_link(token)
        else:
            found = services.check_link(token)
            return _page(request, "portal/link.html", {"email": found.email})
    except services.LinkRefused as refused:
        return _page(request, "portal/link_refused.html", {"words": refused.words}, status=refused.status)
    access.sign_in(request, contact)
    return redirect(access.landing(request))


@login_not_required
@require_POST
def sign_out(request):
    access.sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:home")


@portal_member_required
@require_GET
def account(request):
    member = member_of(request)
    tickets = Ticket.objects.filter(contact=member.contact).order_by("-opened_at")
    return _page(request, "portal/account.html", {
        "open_tickets": list(tickets.unresolved()[:50]),
        "closed_tickets": list(tickets.resolved()[:10]),
    })


@portal_member_required
@require_http_methods(["GET", "POST"])
def contact_support(request):
    member = member_of(request)
    form = ContactSupportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = support.open_portal_ticket(member.contact, subject=form.cleaned_data["subject"],
                                                body=form.cleaned_data["description"],
                                                priority=form.cleaned_data["priority"])
        except ValidationError as e:
            form.add_error(None, e)
        else:
            knowledge.record_shown(ticket, deflection.shown_articles(request.POST.getlist("shown"), member))
            messages.success(request, f"Thank you: we have your request “{ticket.subject}” and will answer by email.")
            return redirect("portal:account")
    subject = form["subject"].value() or ""
    return _page(request, "portal/contact.html", {
        "form": form, "suggestions": deflection.suggested_articles(subject[:QUERY_LIMIT], member) if subject else [],
    }, status=400 if form.errors else 200)


@portal_member_required
@require_GET
def suggestions(request):
    """The contact form's htmx partial: articles that may answer the request being typed."""
    subject = _words(request.GET.get("subject", ""))
    articles = deflection.suggested_articles(subject, member_of(request)) if subject else []
    return _page(request, "portal/_suggestions.html", {"suggestions": articles[:deflection.SUGGESTIONS_SHOWN]})


@portal_member_required
@require_POST
def answered(request):
    """"This answered my question": the member leaves the contact form without a ticket (a deflection)."""
    member = member_of(request)
    if member.read_only:
        return _page(request, "portal/read_only.html", status=403)
    knowledge.record_deflection(member.account, member.contact,
                                deflection.shown_articles(request.POST.getlist("shown"), member))
    messages.success(request, "Glad it helped. Ask us any time.")
    return redirect("portal:home")


@login_not_required
@require_GET
def suggest(request):
    """Search as you type: titles the visitor may read that hold the words typed so far (an htmx partial)."""
    prefix = _words(request.GET.get("q", ""))
    found = deflection.title_suggestions(prefix, member_of(request)) if prefix else []
    return _page(request, "portal/_title_suggestions.html", {"found": found})


@login_not_required
@require_GET
def article(request, slug: str):
    member = member_of(request)
    found = deflection.readable_article(_words(slug), member)
    if found is None:
        # A private article looks like a missing one to those who may not read it.
        return _page(request, "portal/not_found.html", {"slug": slug}, status=404)
    if member is not None and deflection.counted(member):
        knowledge.record_view(found, contact=member.contact)
    return _page(request, "portal/article.html", {
        "article": found,
        "body": deflection.portal_body(found),
        "files": [a for a in found.attachments.all() if not a.content_type.startswith("image/")],
        "related": deflection.related_articles(found, member),
        "voted": request.GET.get("voted") == "1",
    })


@login_not_required
@require_POST
def article_feedback(request, slug: str):
    """"Was this helpful?": yes or no, perhaps with a comment; anyone who may read the article may answer."""
    member = member_of(request)
    found = deflection.readable_article(_words(slug), member)
    if found is None:
        return _page(request, "portal/not_found.html", {"slug": slug}, status=404)
    if not deflection.counted(member):
        return _page(request, "portal/read_only.html", status=403)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        return _page(request, "portal/article.html", {"article": found, "body": deflection.portal_body(found),
                                                      "related": [], "feedback_error": "Choose yes or no."},
                     status=400)
    knowledge.record_feedback(found, helpful == "yes", comment=_words(request.POST.get("comment", ""), 2000),
                              contact=member.contact if member else None)
    return redirect(f"{reverse('portal:article', args=[found.slug])}?voted=1")


# ---- staff: the portal as a member sees it ----------------------------------------------------------------------
# Staff pages (LoginRequiredMiddleware applies): any active staff user may look, as the account page shows the
# same people and tickets.

@require_GET
def view_as(request, contact_id: int):
    contact = get_object_or_404(Contact, pk=contact_id if contact_id < 2**63 else 0)
    access.view_as(request, contact)
    return redirect("portal:account")


@require_POST
def stop_viewing_as(request):
    member = member_of(request)
    access.stop_viewing_as(request)
    if member is not None:
        return redirect("accounts:detail", member.account.pk)
    return redirect("portal:home")


@login_not_required
@require_GET
def attachment(request, pk: int, name: str):
    """An attachment of an article the visitor may read (an image in its body, a PDF beside it)."""
    found = deflection.readable_attachment(pk if pk < 2**63 else 0, member_of(request))
    if found is None:
        return _page(request, "portal/not_found.html", status=404)
    return attachment_response(found)


@login_not_required
@require_GET
def attachment_missing(request):
    return _page(request, "portal/not_found.html", status=404)
