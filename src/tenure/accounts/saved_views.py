"""Saved views of the accounts list: the one door for creating, changing and deleting them, and who may.

A view is private to its owner unless shared; a shared view is opened by anyone and still changed only by its
owner. Sharing with the team is for leaders and CS operations (they set up how the team looks at its accounts);
read-only users save nothing. Each save and delete is in the audit trail (``AccountsConfig.ready``).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict

from tenure.accounts import columns as catalogue
from tenure.accounts.models import SavedView

FILTER_KEYS = ("q", "owner", "segment", "stage")
MAX_FILTER = 200  # characters of any one filter value (the search box's limit)


def may_save(user) -> bool:
    return bool(user.is_authenticated and user.can_write)


def may_share(user) -> bool:
    """Leaders, admins and CS operations share views with the team."""
    return bool(user.is_authenticated and user.manages_setup)


def may_change(user, view: SavedView) -> bool:
    return may_save(user) and view.owner_id == user.pk


def visible_views(user) -> QuerySet[SavedView]:
    """The views a person may open: their own and the shared ones, theirs first then by name."""
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner").order_by("name", "pk")


def parse_query(query: str | QueryDict) -> dict:
    """The list's query string as a view's parts: ``filters`` (known keys only, non-empty values), ``columns``
    (catalogue keys, in the catalogue's order) and ``sort`` (a sortable column, ``-`` for descending)."""
    if isinstance(query, str):
        data = {k: v for k, v in parse_qs(query, keep_blank_values=True).items()}
    else:
        data = {k: query.getlist(k) for k in query}
    filters = {}
    for key in FILTER_KEYS:
        value = (data.get(key) or [""])[-1].strip()
        if value:
            filters[key] = value[:MAX_FILTER]
    wanted = data.get("cols") or []
    columns = [c.key for c in catalogue.chosen(wanted)] if any(k in catalogue.BY_KEY for k in wanted) else []
    sort = (data.get("sort") or [""])[-1]
    if sort.lstrip("-") not in catalogue.SORTS:
        sort = ""
    return {"filters": filters, "columns": columns, "sort": sort}


def as_query(view: SavedView) -> QueryDict:
    """The list's query string a view stands for (what the list applies when the view is opened)."""
    query = QueryDict(mutable=True)
    for key, value in (view.filters or {}).items():
        if key in FILTER_KEYS:
            query[key] = str(value)
    if view.columns:
        query.setlist("cols", [str(c) for c in view.columns])
    if view.sort:
        query["sort"] = view.sort
    return query


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > SavedView._meta.get_field("name").max_length:
        raise ValidationError({"name": "Keep the name under 80 characters."})
    return name


def _store(view: SavedView) -> SavedView:
    try:
        with transaction.atomic():
            view.full_clean(exclude=["owner"])
            view.save()
    except IntegrityError:  # the same name saved a moment ago by another request
        raise ValidationError({"name": "You already have a view of this name."}) from None
    return view


def create_view(*, owner, name: str, query: str | QueryDict = "", shared: bool = False) -> SavedView:
    """Save the list as ``owner`` sees it now (``query``: the list's query string) under ``name``."""
    if not may_save(owner):
        raise PermissionDenied("Read-only users cannot save views.")
    if shared and not may_share(owner):
        raise PermissionDenied("Only CS leaders and CS operations share views with the team.")
    return _store(SavedView(owner=owner, name=_clean_name(name), shared=bool(shared), **parse_query(query)))


def update_view(view: SavedView, *, by, name: str | None = None, query: str | QueryDict | None = None,
                shared: bool | None = None) -> SavedView:
    """Rename, re-save the list's current filters, columns and order (``query``), or share / unshare: the
    owner only."""
    if not may_change(by, view):
        raise PermissionDenied("Only the view's owner changes it.")
    if shared and not view.shared and not may_share(by):
        raise PermissionDenied("Only CS leaders and CS operations share views with the team.")
    if name is not None:
        view.name = _clean_name(name)
    if query is not None:
        for key, value in parse_query(query).items():
            setattr(view, key, value)
    if shared is not None:
        view.shared = bool(shared)
    return _store(view)


def delete_view(view: SavedView, *, by) -> None:
    if not may_change(by, view):
        raise PermissionDenied("Only the view's owner deletes it.")
    view.delete()
