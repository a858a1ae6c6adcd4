"""The customerium map (for CS leaders and CSMs): every known person of the customers along knowledge and influence,
coloured by sentiment; filters; a CSV of the same. The numbers come from tenure.web.customerium."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tenure.accounts.models import Account
from tenure.facts import load_facts
from tenure.knowledge.models import Category
from tenure.web import customerium

COLOURS = {"promoter": "#2e8b57", "passive": "#c9a227", "detractor": "#c0392b", "unknown": "#8a94a6"}


def _int(text: str | None) -> int | None:
    text = text or ""
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**62 else None


def _filters(request) -> dict:
    return {"segment": request.GET.get("segment", "").replace("\x00", "")[:100].strip(),
            "account_id": _int(request.GET.get("account")),
            "area_id": _int(request.GET.get("area"))}


@require_GET
def customerium_map(request):
    chosen = _filters(request)
    found = customerium.people(**chosen)
    chart = {s: {"x": [], "y": [], "text": [], "ids": [], "colour": COLOURS[s]} for s in customerium.SENTIMENTS}
    for p in found:
        series = chart[p.sentiment]
        series["x"].append(round(p.knowledge, 2))
        series["y"].append(round(p.influence, 2))
        series["text"].append(f"{p.name} ({p.account})" + (" · maven" if p.maven else "")
                              + (f" · {p.sentiment_from}" if p.sentiment_from else ""))
        series["ids"].append(p.contact_id)
    counts = {s: len(chart[s]["x"]) for s in customerium.SENTIMENTS}
    return render(request, "web/customerium.html", {
        "people": found, "chart": chart, "counts": counts, "chosen": chosen,
        "mavens": [p for p in found if p.maven], "flagged": [p for p in found if customerium.flagged(p)],
        "segments": Account.objects.exclude(segment="").order_by("segment").values_list("segment", flat=True)
        .distinct(),
        "areas": Category.objects.all(), "query": request.GET.urlencode(),
    })


@require_GET
def account_community(request, pk: int):
    """The account page's community fold: its people's posts and open questions (the account facts) and its
    mavens, promoters and detractors on the map."""
    account = get_object_or_404(Account, pk=pk if pk < 2**62 else 0)
    facts = load_facts([account.pk], timezone.localdate(), parts=("community",))[account.pk]
    found = customerium.people(account_id=account.pk)
    return render(request, "web/_account_community.html", {
        "account": account, "c": facts.community, "engagement": facts.community_engagement,
        "mavens": [p for p in found if p.maven], "promoters": [p for p in found if p.sentiment == "promoter"],
        "detractors": [p for p in found if p.sentiment == "detractor"],
        "flagged": {p.contact_id for p in found if customerium.flagged(p)},
    })


@require_GET
def customerium_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customerium.csv"'
    out = csv.writer(response)
    out.writerow(["contact_id", "name", "account", "segment", "arr", "knowledge", "influence", "sentiment",
                  "sentiment_from", "maven", "points", "accepted_answers", "people_helped", "flagged"])
    for p in customerium.people(**_filters(request)):
        out.writerow([p.contact_id, _cell(p.name), _cell(p.account), _cell(p.segment), f"{p.arr:.2f}",
                      f"{p.knowledge:.2f}", f"{p.influence:.2f}", p.sentiment, p.sentiment_from,
                      "yes" if p.maven else "no", p.points, p.accepted_answers, p.people_helped,
                      "yes" if customerium.flagged(p) else "no"])
    return response


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
