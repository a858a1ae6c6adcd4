"""A signal's evidence in words: the one place that names each figure the detectors record (detectors.py keeps
short keys in the stored JSON) and says how to show its value. Pure: values in, text out."""

from __future__ import annotations

import datetime as dt

# key -> (label, how its value reads). Kinds: count, days, pct, money, date, band, text.
FIGURES: dict[str, tuple[str, str]] = {
    "active_users": ("Active users (last 30 days)", "count"),
    "active_users_earlier": ("Active users before", "count"),
    "adoption_target_pct": ("Adoption target", "pct"),
    "answered_on": ("Answered on", "date"),
    "compared_days_earlier": ("Compared with (days earlier)", "days"),
    "customer_since": ("Customer since", "date"),
    "days_ago": ("Days ago", "days"),
    "days_in_onboarding": ("Days in onboarding", "days"),
    "days_past_due": ("Days past due", "days"),
    "days_since_left": ("Days since they left", "days"),
    "days_since_touch": ("Days since the last touch", "days"),
    "days_to_renewal": ("Days to the renewal", "days"),
    "drop_pct": ("Drop", "pct"),
    "feature": ("Feature", "text"),
    "growth_pct": ("Change", "pct"),
    "health_band": ("Health band", "band"),
    "last_touch_on": ("Last touch", "date"),
    "last_touched_on": ("Last touch", "date"),
    "left_on": ("Left on", "date"),
    "logins": ("Logins (last 30 days)", "count"),
    "logins_before": ("Logins (30 days before)", "count"),
    "lookback_days": ("Looked back (days)", "days"),
    "mentions": ("Mentions", "count"),
    "most_days_overdue": ("Most days overdue", "days"),
    "mrr": ("MRR", "money"),
    "mrr_after": ("MRR after", "money"),
    "mrr_before": ("MRR before", "money"),
    "oldest_days": ("Oldest (days)", "days"),
    "on": ("On", "date"),
    "overdue_after_days": ("Overdue after (days)", "days"),
    "overdue_milestones": ("Overdue milestones", "count"),
    "past_due_since": ("Past due since", "date"),
    "plan_after": ("Plan after", "text"),
    "plan_before": ("Plan before", "text"),
    "records": ("Records", "count"),
    "renewal_on": ("Renewal on", "date"),
    "score": ("Score", "count"),
    "seats": ("Seats", "count"),
    "seats_before": ("Seats before", "count"),
    "threshold_days": ("Threshold (days)", "days"),
    "threshold_pct": ("Threshold", "pct"),
    "threshold_users": ("Threshold (users)", "count"),
    "tickets": ("Tickets", "count"),
    "users_before": ("Users before", "count"),
    "users_now": ("Users now", "count"),
    "utilization_pct": ("Seat utilization", "pct"),
    "utilization_threshold_pct": ("Utilization threshold", "pct"),
    "window_days": ("Window (days)", "days"),
    "hours_waiting": ("Waiting (hours)", "count"),
    "threshold_hours": ("Threshold (hours)", "count"),
    "questions": ("Questions", "count"),
    "reach": ("Community reach", "count"),
    "threshold_reach": ("Reach threshold", "count"),
    # lists
    "cuts": ("Seat cuts", "text"),
    "matched": ("Matched words", "text"),
}

# What a record the evidence points at is, in words ("billing.subscription" is how the detectors name it).
RECORDS: dict[str, str] = {
    "accounts.contact": "person",
    "billing.subscription": "subscription",
    "community.post": "community post",
    "community.thread": "community thread",
    "community.member": "community profile",
    "engagement.milestone": "onboarding milestone",
    "engagement.touch": "touch",
    "support.ticket": "ticket",
    "surveys.surveyresponse": "survey answer",
    "timeline": "timeline",
    "usage": "product usage",
}


def label(key: str) -> str:
    """The figure's name; a key nobody named yet reads as words, never as snake_case."""
    return FIGURES[key][0] if key in FIGURES else key.replace("_", " ").replace(".", " ").strip().capitalize()


def _number(value: float, places: int = 0) -> str:
    rounded = round(float(value), places)
    if rounded == 0:
        return "0"  # never "-0" nor "0.0"
    return f"{rounded:,.{places}f}" if places else f"{int(rounded):,}"


def value_text(key: str, value) -> str:
    """The value as a person reads it: 4350.0 MRR is "$4,350", 25.3 (a percentage) "25.3%", "2026-04-02" is
    "2 Apr 2026", a band "Yellow"."""
    if value is None or value == "":
        return "—"
    kind = FIGURES.get(key, ("", "text"))[1]
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        if kind == "money":
            return "$" + _number(value)
        if kind == "pct":
            return _number(value, 0 if float(value).is_integer() else 1) + "%"
        if kind in ("count", "days"):
            return _number(value, 0 if float(value).is_integer() else 1)
        if kind == "date":
            day = dt.date.fromisoformat(str(value)[:10])
            return f"{day.day} {day:%b %Y}"
        if kind == "band":
            return str(value).capitalize()
    except (TypeError, ValueError):
        pass
    if isinstance(value, float):
        return _number(value, 0 if value.is_integer() else 1)
    if isinstance(value, int):
        return _number(value)
    return str(value)


def list_text(values: list) -> str:
    """A list figure in words: seat cuts "16 Oct 2026: 1,322 → 1,027"; anything else joined."""
    parts = []
    for v in values:
        if isinstance(v, dict) and "on" in v:
            parts.append(f"{value_text('on', v['on'])}: {value_text('seats', v.get('from'))} → "
                         f"{value_text('seats', v.get('to'))}")
        else:
            parts.append(str(v))
    return "; ".join(parts)


def record_kind(model: str) -> str:
    return RECORDS.get(model, model.rpartition(".")[2].replace("_", " "))
