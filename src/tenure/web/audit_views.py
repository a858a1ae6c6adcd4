"""Set-up → Audit: every recorded change, newest first, filtered by kind of record, who, account and day. Read
only, for every role: the trail is kept, never edited."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
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
    kinds = list(AuditEntry.objects.order_by("model").values_list("model", flat=True).distinct()[:100])
    return render(request, "web/audit.html", {
        "rows": rows, "older": older, "kinds": kinds, "model": kind, "who": who, "account": account or "",
        "since": since, "until": until, "first_page": not before,
    })
