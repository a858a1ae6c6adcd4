"""Retention, cohorts and book of business pages (the renewal forecast is on the Renewals page). Every table also
downloads as CSV (?export=csv)."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenure.as_of import as_of, bad_day_is_400
from tenure.exports import csv_response
from tenure.metrics import services


def _csv(name: str, header: list[str], rows):
    return csv_response(name, header, rows)


def _num(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _ratio(value, places: int = 4):
    return None if value is None or value != value else round(float(value), places)


MOVEMENT_COLUMNS = ["month", "starting_mrr", "new", "expansion", "contraction", "churned", "reactivation",
                    "ending_mrr", "starting_logos", "new_logos", "reactivated_logos", "churned_logos",
                    "ending_logos", "grr", "nrr", "logo_churn_rate"]


@bad_day_is_400
def retention(request: HttpRequest) -> HttpResponse:
    filters = services.Filters.from_query(request.GET)
    history = services.load_history(as_of(request))
    report = services.retention(filters, history=history)
    months = report.months.to_dict("records") if len(report.months) else []
    if request.GET.get("export") == "csv":
        return _csv("retention", MOVEMENT_COLUMNS, ([m[c] for c in MOVEMENT_COLUMNS] for m in months))
    for m in months:  # the as-of day's month is counted to that day only: said wherever it is shown
        end = m["month_end"]
        m["partial"] = (end + dt.timedelta(days=1)).month == end.month
    chart = {
        "months": [f"{m['month']} (partial)" if m["partial"] else m["month"] for m in months],
        **{k: [_num(m[k]) for m in months] for k in ("starting_mrr", "new", "expansion", "contraction", "churned",
                                                    "reactivation", "ending_mrr")},
        **{k: [_ratio(m[k]) for m in months] for k in ("grr", "nrr", "logo_churn_rate")},
    }
    return render(request, "metrics/retention.html", {
        "report": report, "months": months, "chart": chart, "filters": filters,
        "choices": services.filter_choices(history), "tab": "retention", "query": request.GET.urlencode(),
    })


@bad_day_is_400
def cohorts(request: HttpRequest) -> HttpResponse:
    filters = services.Filters.from_query(request.GET)
    history = services.load_history(as_of(request))
    table = services.cohorts(filters, history=history)
    records = table.to_dict("records")
    if request.GET.get("export") == "csv":
        columns = ["cohort", "months_since", "accounts", "logos", "logo_retention", "starting_mrr", "mrr",
                   "revenue_retention"]
        return _csv("cohorts", columns, ([r[c] for c in columns] for r in records))
    grid: dict[str, dict] = {}
    for r in records:
        row = grid.setdefault(r["cohort"], {"cohort": r["cohort"], "accounts": r["accounts"],
                                            "starting_mrr": r["starting_mrr"], "cells": []})
        logos = _ratio(r["logo_retention"])
        row["cells"].append({"k": r["months_since"], "logos": logos, "revenue": _ratio(r["revenue_retention"]),
                             "heat": heat_level(logos), "partial": False})
    rows = sorted(grid.values(), key=lambda r: r["cohort"])
    # Each cohort's last column stands on the as-of day: a month so far, unless that day ends its month. Said in
    # the table, and left out of the curves (a month of two days would read as 100% kept).
    partial = (history.as_of + dt.timedelta(days=1)).month == history.as_of.month
    for r in rows:
        if partial and r["cells"]:
            r["cells"][-1]["partial"] = True
    width = max((len(r["cells"]) for r in rows), default=0)
    chart = [{"cohort": r["cohort"], "k": [c["k"] for c in whole], "logos": [c["logos"] for c in whole],
              "revenue": [c["revenue"] for c in whole]}
             for r in rows if (whole := [c for c in r["cells"] if not c["partial"]])]
    return render(request, "metrics/cohorts.html", {
        "rows": rows, "offsets": list(range(width)), "chart": chart, "filters": filters,
        "choices": services.filter_choices(history), "tab": "cohorts", "query": request.GET.urlencode(),
        "as_of": history.as_of, "grace_days": history.grace_days, "partial": partial, "heat_legend": HEAT_LEGEND,
    })


# Cohort cells shaded by the share of logos still paying: (lowest share of the level, words for the legend).
HEAT_LEVELS = ((0.95, "95% or more"), (0.85, "85–94%"), (0.70, "70–84%"), (0.50, "50–69%"), (0.0, "under 50%"))
HEAT_LEGEND = [(len(HEAT_LEVELS) - 1 - i, words) for i, (_, words) in enumerate(HEAT_LEVELS)]


def heat_level(share: float | None) -> int | None:
    """4 for the best-kept cohorts (95% or more still paying) down to 0 (under half); None without a figure."""
    if share is None:
        return None
    return next(len(HEAT_LEVELS) - 1 - i for i, (low, _) in enumerate(HEAT_LEVELS) if share >= low - 1e-9)


def renewals(request: HttpRequest) -> HttpResponse:
    """The renewal forecast moved to the one Renewals page (the renewals room's): the old address, with its query
    (window, sort, CSV), leads there."""
    query = request.GET.urlencode()
    return redirect(reverse("renewals:list") + (f"?{query}" if query else ""), permanent=True)


@bad_day_is_400
def book(request: HttpRequest) -> HttpResponse:
    data = services.book_of_business(as_of(request))
    if request.GET.get("export") == "csv":
        columns = ["owner", "accounts", "arr", "arr_at_risk", "capacity", "load", "open_tasks", "health_red",
                   "health_yellow", "health_green"]
        return _csv("book-of-business", columns, (
            [r["owner"], r["accounts"], r["arr"], r["arr_at_risk"], r["capacity"], _ratio(r["load"]), r["open_tasks"],
             *((r["health"] or {}).get(b, 0) if r["health"] is not None else None for b in ("red", "yellow", "green"))]
            for r in data["rows"]))
    chart = {"owners": [r["owner"] for r in data["rows"]], "accounts": [r["accounts"] for r in data["rows"]],
             "capacity": [r["capacity"] for r in data["rows"]]}
    return render(request, "metrics/book.html", {**data, "chart": chart, "tab": "book"})
