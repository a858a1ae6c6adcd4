"""Health pages: the account panel, the pulse, scorecards (CS Ops), and the team's health with its backtest."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tenure.accounts.models import Account
from tenure.facts.outcomes import grace_days
from tenure.health import services, suggest
from tenure.health.forms import NewScorecardForm, PulseForm, ScorecardForm
from tenure.health.models import AccountHealth, HealthSnapshot, Scorecard, ScorecardVersion, WeightSuggestion
from tenure.health.scoring import format_mapping
from tenure.health.suggest import NotEnoughHistory
from tenure.users.permissions import require_setup


@require_POST
def record_pulse(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot record a pulse.")
    account = get_object_or_404(Account, pk=pk)
    form = PulseForm(request.POST)
    if form.is_valid():
        try:
            services.record_pulse(account=account, rating=form.cleaned_data["rating"],
                                  comment=form.cleaned_data["comment"], author=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Pulse recorded. The health score updates within minutes.")
            return redirect(reverse("accounts:detail", args=[account.pk]) + "#health")
    messages.error(request, "The pulse was not recorded: " + "; ".join(
        str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("accounts:detail", args=[account.pk]) + "#health")


def scorecards(request: HttpRequest) -> HttpResponse:
    can_edit = request.user.manages_setup
    form = NewScorecardForm(request.POST or None)
    if request.method == "POST":
        require_setup(request, "change scorecards")
        if form.is_valid():
            try:
                card = services.create_scorecard(name=form.cleaned_data["name"], segment=form.cleaned_data["segment"],
                                                 stage=form.cleaned_data["stage"], by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Scorecard {card.name} created from the default rules.")
                return redirect("health:scorecard", pk=card.pk)
    cards = list(Scorecard.objects.annotate(version_count=Count("versions")).order_by("segment", "stage", "name"))
    for card in cards:
        card.current = card.versions.order_by("-number").first()
    return render(request, "health/scorecards.html", {"cards": cards, "form": form, "can_edit": can_edit},
                  status=400 if form.errors else 200)


def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Scorecard, pk=pk)
    versions = list(card.versions.select_related("created_by").order_by("-number"))
    current = versions[0]
    can_edit = request.user.manages_setup
    form = ScorecardForm(request.POST or None, definition=current.definition)
    if request.method == "POST":
        require_setup(request, "change scorecards")
        if form.is_valid():
            version = services.apply_scorecard(card, form.cleaned_data["definition"], by=request.user,
                                               note=form.cleaned_data["note"])
            if current is not None and version.pk == current.pk:
                messages.info(request, f"Nothing changed: version {version.number} stays in force.")
            else:
                messages.success(request, f"Saved as version {version.number}; its accounts are being re-scored.")
            return redirect("health:scorecard", pk=card.pk)
    for v in versions:
        v.rules = [(_label(m["key"]), m["weight"], format_mapping(m["mapping"]))
                   for m in v.definition["measures"]]
    return render(request, "health/scorecard.html", {
        "card": card, "current": current, "versions": versions, "form": form, "can_edit": can_edit,
        "suggest_days": services.SUGGEST_DAYS, **suggestion_context(services.open_suggestion(card)),
    }, status=400 if form.errors else 200)


def _label(key: str) -> str:
    from tenure.health.measures import CATALOG

    return CATALOG[key].label if key in CATALOG else key


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def overview(request: HttpRequest) -> HttpResponse:
    """The team's health: how scores spread, and whether the score predicted what happened."""
    days = _int(request.GET.get("days"), 30, 7, 180)
    bands = dict(AccountHealth.objects.values_list("band").annotate(n=Count("pk")))
    scores = list(AccountHealth.objects.exclude(score=None).values_list("score", flat=True))
    versions = list(ScorecardVersion.objects.select_related("scorecard").order_by("scorecard__name", "-number"))
    by_id = {str(v.pk): v for v in versions}
    stored = services.backtest(days=days)
    compare = []
    picked = [by_id[x] for x in (request.GET.get("a"), request.GET.get("b")) if x in by_id]
    for version in picked:
        compare.append(services.backtest(days=days, version=version))
    return render(request, "health/overview.html", {
        "days": days, "band_counts": [(b, bands.get(b, 0)) for b in ("red", "yellow", "green")],
        "scored": len(scores), "distribution": scores, "backtest": stored, "compare": compare,
        "versions": versions, "picked": [str(v.pk) for v in picked],
        "unscored": Account.objects.count() - sum(bands.values()),
        "snapshots": HealthSnapshot.objects.count(), "grace_days": grace_days(),
    })


# ---- suggested weights --------------------------------------------------------------------------------------


@require_POST
def suggest_weights(request: HttpRequest, pk: int) -> HttpResponse:
    require_setup(request, "change scorecards")
    card = get_object_or_404(Scorecard, pk=pk)
    days = _int(request.POST.get("days"), services.SUGGEST_DAYS, 7, 365)
    try:
        services.suggest_weights(card, days=days, by=request.user)
    except NotEnoughHistory as exc:
        messages.error(request, f"No suggestion: {exc}.")
    else:
        messages.success(request, "Suggested weights are ready below: compare the back-tests, then accept or discard.")
    return redirect(reverse("health:scorecard", args=[card.pk]) + "#suggestion")


@require_POST
def decide_suggestion(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    require_setup(request, "change scorecards")
    if decision not in ("accept", "discard"):
        raise Http404("accept or discard")
    draft = get_object_or_404(WeightSuggestion.objects.select_related("scorecard"), pk=pk)
    if decision == "accept":
        try:
            version = services.accept_suggestion(draft, by=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Suggested weights saved as version {version.number}; its accounts are "
                                      "being re-scored.")
    else:
        services.discard_suggestion(draft)
        messages.success(request, "Suggestion discarded.")
    return redirect("health:scorecard", pk=draft.scorecard_id)


def suggestion_context(draft: WeightSuggestion | None) -> dict:
    """The draft's weights beside the version's, and its back-test tables, for the scorecard page."""
    if draft is None:
        return {"suggestion": None}
    before = {m["key"]: m["weight"] for m in draft.based_on.definition["measures"]}
    rows = [(_label(m["key"]), before.get(m["key"], 0), m["weight"]) for m in draft.definition["measures"]]
    titles = {"in_sample": "In sample: fitted on these outcomes",
              "later_outcomes": f"Out of sample: outcomes from {draft.report.get('split_day')} on, fitted on earlier "
                                "ones only",
              "other_accounts": "Out of sample: five folds by account, each fitted without the accounts it is "
                                "tested on"}
    tables = [{"days": days, "title": title, "before": parts[part]["before"], "after": parts[part]["after"],
               "unscored": parts[part].get("unscored", 0)}
              for part, title in titles.items() for days, parts in draft.report.get("horizons", {}).items()
              if part in parts]
    return {"suggestion": draft, "suggestion_rows": rows, "suggestion_tables": tables,
            "min_band_pct": round(100 * suggest.MIN_BAND_SHARE),
            "suggestion_thresholds": (draft.based_on.definition["thresholds"], draft.definition["thresholds"]),
            "suggestion_today": [(band, today["before"][band], today["after"][band])
                                 for today in [draft.report.get("today")] if today for band in today["before"]]}
