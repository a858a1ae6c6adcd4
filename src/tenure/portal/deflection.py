"""The portal's side of the knowledge base: what it shows while a member searches or writes to support, and what it
counts. Each item is read by the templates as ``item.title``, ``item.url`` and ``item.snippet`` (safe HTML, as the
knowledge room's one search service highlights it)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from tenure.knowledge import search
from tenure.knowledge import services as knowledge
from tenure.knowledge.models import Article, Attachment
from tenure.knowledge.search import Audience, readable, suggest_titles
from tenure.knowledge.search import search_articles as find_articles
from tenure.portal.access import Member

SUGGESTIONS_SHOWN = 5
RESULTS_SHOWN = 20
SHOWN_ARTICLES_KEPT = 20  # article ids a support request may say it was shown


def audience_of(member: Member | None) -> Audience:
    return Audience.PUBLIC if member is None else Audience.for_account(member.account)


def article_url(pk: int, slug: str) -> str:
    return reverse("portal:article", args=[slug])


def counted(member: Member | None) -> bool:
    """Whether what this person does counts as the customer's: staff seeing the portal as a member do not."""
    return member is None or not member.read_only


def suggested_articles(subject: str, member: Member | None) -> Sequence:
    """The articles that may answer a support request, as the member types its subject (deflection)."""
    return find_articles(subject, audience=audience_of(member), limit=SUGGESTIONS_SHOWN, url_for=article_url)


def search_articles(query: str, member: Member | None) -> Sequence:
    """The help centre's search results for ``query``, as this member (or a visitor: None) may read them; the search
    is counted for the member's account, and one that nothing answers is recorded as a knowledge gap."""
    results = find_articles(query, audience=audience_of(member), limit=RESULTS_SHOWN, url_for=article_url)
    if counted(member):
        knowledge.record_search(query, results, account=member.account if member else None,
                                contact=member.contact if member else None)
    return results


def title_suggestions(prefix: str, member: Member | None) -> Sequence:
    return suggest_titles(prefix, audience=audience_of(member), limit=SUGGESTIONS_SHOWN, url_for=article_url)


def readable_article(slug: str, member: Member | None) -> Article | None:
    return search.readable_article(slug, audience=audience_of(member))


def listed_articles(member: Member | None, most: int) -> list[Article]:
    """What the help centre's home lists: the articles this visitor may read, by category then title."""
    return list(readable(audience_of(member)).select_related("category")
                .order_by("category__order", "category__name", "title")[:most])


def related_articles(article: Article, member: Member | None) -> list[Article]:
    return search.related_articles(article, audience=audience_of(member))[:10]


def shown_articles(ids: Sequence[str], member: Member) -> list[Article]:
    """The articles a form says it showed (hidden fields, so any text): only ids of articles this member may read."""
    wanted = {int(i) for i in ids[:SHOWN_ARTICLES_KEPT] if str(i).isascii() and str(i).isdigit() and len(str(i)) < 19}
    return list(readable(audience_of(member)).filter(pk__in=wanted)) if wanted else []


def readable_attachment(pk: int, member: Member | None) -> Attachment | None:
    """An attachment of an article this visitor may read."""
    return Attachment.objects.filter(pk=pk, article__in=readable(audience_of(member))).first()


def portal_body(article: Article) -> str:
    """The article's sanitised HTML with its attachments addressed in the portal (the staff address needs a staff
    sign-in)."""
    staff, portal = reverse("knowledge:attachments_root"), reverse("portal:attachments_root")
    return article.body_html.replace(f'"{staff}', f'"{portal}')
