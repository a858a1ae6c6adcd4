"""Paging every list shares: Django's Paginator, a page number that is not one or lies past the end answered with
the nearest page (never an error), and the address of the other pages, keeping the list's filters and the other
lists' pages of the same page. The pager itself is one template, ``web/_pager.html``."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paged(request: HttpRequest, items, per_page: int = 50, param: str = "page", count: int | None = None) -> Page:
    """The page of ``items`` (a queryset or a list) that ``?<param>=`` asks for; ``page.url`` is the address of
    its pages, ending in ``<param>=``. ``count``: the number of items when a cheaper query than the list's own
    knows it."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(request.GET.get(param))
    kept = request.GET.copy()
    kept.pop(param, None)
    query = kept.urlencode()
    page.url = f"{request.path}?{query}&{param}=" if query else f"{request.path}?{param}="
    return page
