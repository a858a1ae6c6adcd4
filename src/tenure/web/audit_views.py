"""Set-up → Audit: every recorded change, newest first, filtered by kind of record, who, account and day. Read
only, for every role: the trail is kept, never edited."""

import datetime as dt

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_GET

from tenure.users.models import AuditEntry

PER_PAGE = 50


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 2**62 else None


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def record_words(label: str) -> str:
    """"billing.subscription" -> "Subscription": the model's own name for itself."""
    model = _model(label)
    return capfirst(model._meta.verbose_name) if model else label.rpartition(".")[2].replace("_", " ").capitalize()


def field_words(label: str, name: str) -> str:
    """"is_executive_sponsor" -> "Executive sponsor": the field's verbose name."""
    model = _model(label)
    try:
        return capfirst(model._meta.get_field(name).verbose_name) if model else name.replace("_", " ").capitalize()
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


def value_words(label: str, name: str, value: str) -> str:
    """A stored value as a person reads it: a choice by its label (entries written by bulk changes kept the key),
    an amount with its thousands grouped ("45,933.75", never "45933.75")."""
    model = _model(label)
    if not value or model is None or not name:
        return value
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DecimalField | models.FloatField | models.IntegerField):
        try:
            float(value)
        except ValueError:
            return value
        return floatformat(value, "-2g")
    return value


@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    q = request.GET
    entries = AuditEntry.objects.select_related("actor")
    kind, who = q.get("model", "").strip(), q.get("who", "").strip()[:100]
    account, since, until = _int(q.get("account", "")), _day(q.get("since", "")), _day(q.get("until", ""))
    if kind:
        entries = entries.filter(model=kind)
    if who:
        entries = entries.filter(actor_label__icontains=who)
    if account:
        entries = entries.filter(account_id=account)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    # Older pages by the last id shown: as cheap on the millionth entry as on the first.
    before = _int(q.get("before", ""))
    if before:
        entries = entries.filter(pk__lt=before)
    rows = list(entries.order_by("-pk")[:PER_PAGE + 1])
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    kept = q.copy()
    kept.pop("before", None)
    older = f"{reverse('web:audit')}?{kept.urlencode()}&before={rows[-1].pk}" if more and rows else ""
    for e in rows:
        e.record_words = record_words(e.model)
        e.field_words = field_words(e.model, e.field) if e.field else ""
        e.old_words, e.new_words = value_words(e.model, e.field, e.old), value_words(e.model, e.field, e.new)
    kinds = sorted(((k, record_words(k)) for k in AuditEntry.objects.order_by("model").values_list(
        "model", flat=True).distinct()[:100]), key=lambda kind: kind[1])
    return render(request, "web/audit.html", {
        "rows": rows, "older": older, "kinds": kinds, "model": kind, "who": who, "account": account or "",
        "since": since, "until": until, "first_page": not before,
    })
