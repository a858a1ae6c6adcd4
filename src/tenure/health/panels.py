"""What the account page shows of health (the accounts list reads AccountHealth directly)."""

from __future__ import annotations

from django.utils import timezone

from tenure.accounts.models import Account
from tenure.health import services
from tenure.health.explain import explain_snapshot, format_raw
from tenure.health.forms import PulseForm
from tenure.health.models import HealthSnapshot

TREND_DAYS = 180


def account_health_panel(account: Account, pulse_form: PulseForm | None = None) -> dict:
    """What the account page's health panel shows. Three queries: the trend, the two snapshots the table
    compares (the latest and the one a week before), the latest pulse."""
    today = timezone.localdate()
    series = services.history(account, TREND_DAYS, today)
    latest = previous = None
    if series:
        last = series[-1]
        week_before = [s for s in series if last.day - 2 * services.WEEK < s.day <= last.day - services.WEEK]
        wanted = [last.pk] + ([week_before[-1].pk] if week_before else [])
        full = {s.pk: s for s in HealthSnapshot.objects.select_related("version__scorecard").filter(pk__in=wanted)}
        latest, previous = full[last.pk], full.get(wanted[-1]) if len(wanted) > 1 else None
    else:  # not scored in the last 180 days (e.g. churned long ago): its last snapshot, if any
        latest = account.health_snapshots.select_related("version__scorecard").order_by("-day").first()
    rows = []
    if latest is not None:
        rows = explain_snapshot(latest.measures, previous.measures if previous else None)
        for row in rows:
            row["raw_text"] = format_raw(row)
    chart = {"days": [s.day.isoformat() for s in series], "scores": [s.score for s in series]}
    thresholds = latest.version.definition["thresholds"] if latest else {}
    return {
        "health": latest,
        "health_previous": previous,
        "health_change": round(latest.score - previous.score) if latest and previous and latest.score is not None
        and previous.score is not None else None,
        "health_rows": rows,
        "health_chart": {**chart, **thresholds},
        "pulse": services.latest_pulse(account),
        "pulse_form": pulse_form or PulseForm(),
    }
