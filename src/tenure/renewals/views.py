"""Renewal motions: open renewals and opportunities with their close forms, the churn-reason report, and each
user's digest preference."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenure.renewals import services
from tenure.renewals.digest import preference_for
from tenure.renewals.forms import CloseOpportunityForm, CloseRenewalForm, DigestPreferenceForm
from tenure.renewals.models import ChurnReason, Opportunity, Renewal, RenewalOutcome, RenewalStatus


def renewal_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    renewals = Renewal.objects.filter(status=RenewalStatus.OPEN).select_related("account", "account__owner",
                                                                                "subscription")
    opportunities = Opportunity.objects.filter(status=RenewalStatus.OPEN).select_related("account")
    if mine:
        renewals, opportunities = renewals.filter(account__owner=request.user), opportunities.filter(
            account__owner=request.user)
    renewals = list(renewals.order_by("renewal_on", "pk"))
    counts = services.open_task_counts(renewals)  # the tasks closing the renewal would close
    for r in renewals:
        r.days_left, r.open_tasks = (r.renewal_on - today).days, counts[r.pk]
    return render(request, "renewals/list.html", {
        "renewals": renewals, "opportunities": list(opportunities), "mine": mine, "can_act": request.user.can_write,
        "renewal_form": CloseRenewalForm(), "opportunity_form": CloseOpportunityForm(),
    })


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
