"""The portal's hooks for the knowledge base: what it shows while a member searches or writes to support.

Both answer an empty list until the knowledge room's search service fills them. Each item is read by the
templates as ``item.title``, ``item.url`` and ``item.snippet`` (safe HTML, as the search service highlights it).
"""

from __future__ import annotations

from collections.abc import Sequence

from tenure.portal.access import Member

SUGGESTIONS_SHOWN = 5


def suggested_articles(subject: str, member: Member | None) -> Sequence:
    """HOOK (deflection): the articles that may answer a support request, as the member types its subject. The
    contact support form shows them beside the form (``portal:suggestions``, an htmx partial); the ticket will
    record the ones shown."""
    return []


def search_articles(query: str, member: Member | None) -> Sequence:
    """HOOK (search): the help centre's search results for ``query``, as this member (or a visitor: None) may
    read them."""
    return []
