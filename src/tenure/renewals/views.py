"""Renewals: the one page of the renewals ahead (forecast, ARR at risk, each renewal's motion and close form) and
the open opportunities, the churn-reason report, and each user's digest preference."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenure.accounts.services import owns_accounts
from tenure.as_of import BadDay
from tenure.as_of import as_of as as_of_day
from tenure.exports import csv_response
from tenure.paging import paged
from tenure.renewals import forecast, services
from tenure.renewals.digest import preference_for
from tenure.renewals.forms import CloseOpportunityForm, CloseRenewalForm, DigestPreferenceForm
from tenure.renewals.models import ChurnReason, Opportunity, Renewal, RenewalOutcome, RenewalStatus
from tenure.users.models import Role, User
from tenure.users.services import person_choices

PER_PAGE = 50
CSV_COLUMNS = ["account", "owner", "subscription", "plan", "seats", "renewal_date", "days_left", "status",
               "billing_period", "arr", "health_score", "health_band", "churn_probability", "horizon_days",
               "churn_by_renewal", "arr_at_risk", "motion"]


def _choice(value: str, allowed, default: str) -> str:
    return value if value in allowed else default


def _owner(request: HttpRequest) -> str:
    """"" (everyone), "mine", "none" (unassigned) or a user id; the old ``?mine=1`` still means mine."""
    value = request.GET.get("owner", "").strip()
    if not value and request.GET.get("mine") == "1":
        value = "mine"
    if value in ("mine", "none") or (value.isdigit() and 0 < int(value) < 2**62):
        return value
    return ""


def renewal_list(request: HttpRequest) -> HttpResponse:
    """Renewals, one page: the forecast of the window (ARR renewing and at risk by each renewal date) above the
    renewals themselves, each with its owner, health, churn risk and motion, filtered, sorted and paged."""
    try:
        as_of = as_of_day(request)
    except BadDay as exc:
        return HttpResponseBadRequest(str(exc))
    days = int(_choice(request.GET.get("days", ""), {str(w) for w in forecast.WINDOWS}, str(forecast.DEFAULT_WINDOW)))
    sort = _choice(request.GET.get("sort", ""), forecast.SORTS, "date")
    band = _choice(request.GET.get("band", ""), dict(forecast.BANDS), "")
    owner = _owner(request)
    found = forecast.forecast(days, as_of, owner=request.user.pk if owner == "mine" else owner, band=band, sort=sort)
    if request.GET.get("export") == "csv":
        rows = forecast.owners_named(found.rows)
        return csv_response(f"renewals-{days}-days", CSV_COLUMNS, (
            [r.account, r.owner, r.subscription, r.plan, r.seats, r.renewal_on, r.days_left, r.status,
             r.billing_period, r.arr, "" if r.health_score is None else round(r.health_score, 1), r.health_band,
             "" if r.churn_probability is None else round(r.churn_probability, 4), r.horizon_days or "",
             "" if r.churn_by_renewal is None else round(r.churn_by_renewal, 4), r.arr_at_risk,
             "open" if r.renewal_id else "not opened yet"] for r in rows))
    page = Paginator(found.rows, PER_PAGE).get_page(request.GET.get("page"))
    forecast.fill_in(page.object_list, services.offsets()[0])
    kept = request.GET.copy()
    for key in ("page", "sort", "export", "mine"):
        kept.pop(key, None)
    if owner:
        kept["owner"] = owner
    base = reverse("renewals:list")
    opportunities = Opportunity.objects.filter(status=RenewalStatus.OPEN).select_related("account").order_by(
        "-opened_on", "pk")
    if owner == "mine":
        opportunities = opportunities.filter(account__owner=request.user)
    elif owner == "none":
        opportunities = opportunities.filter(account__owner__isnull=True)
    elif owner:
        opportunities = opportunities.filter(account__owner_id=int(owner))
    opportunity_page = paged(request, opportunities, PER_PAGE, "opage")
    owners = User.objects.filter(Q(role=Role.CSM, is_active=True) | owns_accounts())
    return render(request, "renewals/list.html", {
        "forecast": found, "totals": found.totals, "days": days, "windows": forecast.WINDOWS, "sort": sort,
        "band": band, "owner": owner, "bands": forecast.BANDS, "sorts": forecast.SORTS,
        "owner_choices": [("", "Everyone"), ("mine", "My accounts"), ("none", "Unassigned"),
                          *person_choices(owners)],
        "page": page, "renewals": page.object_list,
        "page_url": f"{base}?{_with(kept, sort=sort)}page=",
        "sort_url": f"{base}?{_with(kept)}sort=",
        "export_url": f"{base}?{_with(kept, sort=sort)}export=csv",
        "opportunity_page": opportunity_page, "opportunities": opportunity_page.object_list,
        "model": forecast.model_of(found.rows), "can_act": request.user.can_write,
        "renewal_form": CloseRenewalForm(), "opportunity_form": CloseOpportunityForm(),
    })


def _with(query, drop=(), **values) -> str:
    """The query string with ``values`` set and ``drop`` removed, ending so one more key can follow."""
    query = query.copy()
    for key in drop:
        query.pop(key, None)
    for key, value in values.items():
        query[key] = value
    text = query.urlencode()
    return f"{text}&" if text else ""


def _close(request, obj, form_class, apply, done: str) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot close renewals or opportunities.")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(obj, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, done)
            return redirect("renewals:list")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("renewals:list")


@require_POST
def close_renewal(request: HttpRequest, pk: int) -> HttpResponse:
    renewal = get_object_or_404(Renewal.objects.select_related("account"), pk=pk)
    return _close(request, renewal, CloseRenewalForm, lambda obj, data: services.close_renewal(
        obj, data["outcome"], data["reason"], data["arr_after"], by=request.user, note=data["note"]),
        f"Renewal of {renewal.account.name} closed.")


@require_POST
def close_opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    opp = get_object_or_404(Opportunity.objects.select_related("account"), pk=pk)
    return _close(request, opp, CloseOpportunityForm, lambda obj, data: services.close_opportunity(
        obj, data["outcome"], data["amount"], data["reason"], by=request.user, note=data["note"]),
        f"Opportunity at {opp.account.name} closed.")


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


def churn_reasons(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - dt.timedelta(days=365))
    report = services.churn_reasons(start, end)
    outcome_labels, reason_labels = dict(RenewalOutcome.choices), dict(ChurnReason.choices)
    churned = next(line for line in report.outcomes if line.key == RenewalOutcome.CHURNED)
    top = max((line.arr_before for line in report.reasons), default=0) or 1
    return render(request, "renewals/reasons.html", {
        "report": report, "start": start, "end": end, "churned": churned,
        "outcomes": [(outcome_labels[line.key], line) for line in report.outcomes],
        "reasons": [(reason_labels[line.key], line, int(100 * line.arr_before / top)) for line in report.reasons],
    })


def digest_settings(request: HttpRequest) -> HttpResponse:
    pref = preference_for(request.user)
    form = DigestPreferenceForm(request.POST or None, instance=pref)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Digest preference saved.")
        return redirect("renewals:digest")
    return render(request, "renewals/digest.html", {"form": form, "pref": pref},
                  status=400 if request.method == "POST" else 200)
