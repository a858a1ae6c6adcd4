"""Why one account's churn probability is what it is, in words a CSM understands.

A feature's contribution is how much the account's log-odds of churning move when that feature (all the
one-hot columns of a category together) is set back to a typical account's value (training medians; the
most common category) with everything else kept: positive pushes risk up, negative pulls it down. For the
logistic model this is exactly coefficient × (standardised value − standardised typical value); for trees
it is the same perturbation, computed by predicting the perturbed rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenure.predict.features import group_of
from tenure.predict.training import Fitted, logit

# feature -> (label, unit, section of the account page that shows the evidence)
LABELS: dict[str, tuple[str, str, str]] = {
    "mrr": ("MRR", "money", "subscriptions"),
    "seats": ("Seats bought", "count", "subscriptions"),
    "mrr_change_90": ("MRR change over 90 days", "change", "subscriptions"),
    "seats_change_90": ("Seats change over 90 days", "change", "subscriptions"),
    "subscriptions": ("Live subscriptions", "count", "subscriptions"),
    "past_due": ("A payment is past due", "flag", "subscriptions"),
    "days_to_renewal": ("Days to the renewal date", "days", "subscriptions"),
    "annual": ("On an annual contract", "flag", "subscriptions"),
    "contractions_180": ("Downgrades or seat cuts in 180 days", "count", "subscriptions"),
    "payment_issues_180": ("Failed payments in 180 days", "count", "subscriptions"),
    "tenure_days": ("Days as a customer", "days", "subscriptions"),
    "term_days_in": ("Days into the current term", "days", "subscriptions"),
    "term_days_left": ("Days left in the current term", "days", "subscriptions"),
    "first_quarter": ("In the first three months as a customer", "flag", "subscriptions"),
    "first_half_year": ("In the first six months as a customer", "flag", "subscriptions"),
    "events_7": ("Product events, last 7 days", "count", "usage"),
    "events_30": ("Product events, last 30 days", "count", "usage"),
    "events_90": ("Product events, last 90 days", "count", "usage"),
    "events_change_30": ("Product events vs the 30 days before", "logchange", "usage"),
    "logins_30": ("Logins, last 30 days", "count", "usage"),
    "active_days_30": ("Days with activity, last 30 days", "count", "usage"),
    "dau_30": ("Daily active users (average)", "decimal", "usage"),
    "wau_7": ("Active users, last 7 days", "count", "usage"),
    "mau_30": ("Active users, last 30 days", "count", "usage"),
    "mau_change_30": ("Active users vs the 30 days before", "logchange", "usage"),
    "utilization": ("License utilization", "percent", "usage"),
    "events_per_user_7": ("Events per active user, last 7 days", "decimal", "usage"),
    "events_per_user_30": ("Events per active user", "decimal", "usage"),
    "events_per_user_90": ("Events per active user, last 90 days", "decimal", "usage"),
    "events_per_seat_30": ("Events per seat, last 30 days", "decimal", "usage"),
    "events_pace_7_30": ("Last week's pace of use vs the month's", "decimal", "usage"),
    "events_pace_30_90": ("Last month's pace of use vs the quarter's", "decimal", "usage"),
    "logins_7": ("Logins, last 7 days", "count", "usage"),
    "logins_change_30": ("Logins vs the 30 days before", "logchange", "usage"),
    "active_days_7": ("Days with activity, last 7 days", "count", "usage"),
    "active_days_14": ("Days with activity, last 14 days", "count", "usage"),
    "active_days_90": ("Days with activity, last 90 days", "count", "usage"),
    "users_90": ("Active users, last 90 days", "count", "usage"),
    "stickiness_30": ("Daily ÷ monthly active users", "percent", "usage"),
    "wau_share_30": ("Weekly ÷ monthly active users", "percent", "usage"),
    "users_kept_30_90": ("Users of the last 90 days still active in the last 30", "percent", "usage"),
    "weekly_utilization": ("Seats used in the last 7 days", "percent", "usage"),
    "mrr_per_seat": ("Price per seat (MRR)", "money", "subscriptions"),
    "days_since_activity": ("Days since anyone used the product", "days", "usage"),
    "tickets_90": ("Support tickets, last 90 days", "count", "tickets"),
    "urgent_tickets_90": ("High or urgent tickets, last 90 days", "count", "tickets"),
    "open_tickets": ("Unresolved tickets", "count", "tickets"),
    "csat_180": ("Ticket satisfaction (CSAT)", "decimal", "tickets"),
    "touches_90": ("Touches logged, last 90 days", "count", "timeline"),
    "negative_touches_90": ("Touches with negative sentiment, last 90 days", "count", "timeline"),
    "days_since_touch": ("Days since the last touch", "days", "timeline"),
    "days_since_sponsor_touch": ("Days since a touch with the executive sponsor", "days", "timeline"),
    "sponsors": ("Executive sponsors in place", "count", "contacts"),
    "contacts": ("Contacts still at the customer", "count", "contacts"),
    "contacts_left_90": ("Contacts who left, last 90 days", "count", "contacts"),
    "sponsor_left_180": ("Executive sponsor left in the last 180 days", "count", "contacts"),
    "nps_avg_365": ("NPS answers (average score)", "decimal", "health"),
    "nps_detractors_365": ("NPS detractors this year", "count", "health"),
    "health_score": ("Health score", "decimal", "health"),
    "health_change_30": ("Health score change over 30 days", "signed", "health"),
    "segment": ("Segment", "category", "key-numbers"),
    "industry": ("Industry", "category", "key-numbers"),
    "plan": ("Plan", "category", "subscriptions"),
}
EVENT_PARTS = {
    "30": ("'{e}', last 30 days", "count"),
    "90": ("'{e}', last 90 days", "count"),
    "per_user_30": ("'{e}' per active user", "decimal"),
    "share_30": ("'{e}' share of all events", "percent"),
    "change_30": ("'{e}' vs the 30 days before", "logchange"),
    "decisive_30": ("'{e}' expected in the 30 days before the term ends", "decimal"),
}


def describe(feature: str, event_names: dict[str, str] | None = None) -> tuple[str, str, str]:
    """Label, unit and page section for a feature (or a categorical attribute)."""
    if feature in LABELS:
        return LABELS[feature]
    if feature.startswith("ev:"):
        _, key, part = feature.split(":", 2)
        text, unit = EVENT_PARTS.get(part, ("'{e}'", "decimal"))
        return text.format(e=(event_names or {}).get(key, key.replace("_", " "))), unit, "usage"
    if feature.startswith("hm:"):
        from tenure.health.measures import CATALOG  # the health room names its own measures

        measure = CATALOG.get(feature[3:])
        name = measure.label if measure else feature[3:].replace("_", " ")
        return f"Health: {name} (measure score, 0-100)", "decimal", "health"
    if feature.startswith("age:"):
        return f"Years since {feature[4:].replace('_', ' ')}", "decimal", "key-numbers"
    if feature.startswith("custom."):
        return feature[7:].replace("_", " ").capitalize(), "category", "key-numbers"
    return feature.replace("_", " "), "decimal", "key-numbers"


def _signed(value: float, places: int) -> str:
    """+3, −0.4, and 0 for whatever rounds to zero (never "-0" or "+0.0")."""
    rounded = round(value, places)
    if rounded == 0:
        return f"{0:.{places}f}"
    return f"{rounded:+.{places}f}"


def fmt(value, unit: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if unit == "category":
        return str(value) or "none"
    if unit == "flag":
        return "yes" if value >= 0.5 else "no"
    if unit == "money":
        return f"${value:,.0f}"
    if unit == "percent":
        return f"{value * 100:.0f}%"
    if unit == "change":
        return _signed(value * 100, 0) + "%"
    if unit == "logchange":
        return _signed(float(np.expm1(value)) * 100, 0) + "%"
    if unit == "signed":
        return _signed(value, 1)
    if unit in ("count", "days"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def reference_row(X: pd.DataFrame) -> pd.Series:
    """A typical account: the median of each numeric column, the most common category of each categorical."""
    ref = X.median(numeric_only=True)
    for group in {group_of(c) for c in X.columns if "=" in c}:
        cols = [c for c in X.columns if group_of(c) == group]
        shares = X[cols].mean()
        ref[cols] = 0.0
        if shares.max() > 0 and shares.sum() >= 0.5:
            ref[shares.idxmax()] = 1.0
    return ref.reindex(X.columns)


def contributions(model: Fitted, X: pd.DataFrame, reference: pd.Series, chunk: int = 400) -> pd.DataFrame:
    """Rows = accounts, columns = feature groups, values = change in log-odds the feature causes."""
    if len(X) > chunk:
        return pd.concat([_contributions(model, X.iloc[i:i + chunk], reference)
                          for i in range(0, len(X), chunk)])
    return _contributions(model, X, reference)


def _contributions(model: Fitted, X: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    columns = model.columns
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(columns):
        groups.setdefault(group_of(c), []).append(i)
    values = X[columns].to_numpy(dtype="float64")
    ref = reference.reindex(columns).to_numpy(dtype="float64")
    base = logit(model.raw(pd.DataFrame(values, columns=columns)))
    n = len(values)
    if not n:
        return pd.DataFrame(columns=list(groups))
    names = list(groups)
    stacked = np.repeat(values[None, :, :], len(names), axis=0)
    for g, name in enumerate(names):
        stacked[g][:, groups[name]] = ref[groups[name]]
    flat = pd.DataFrame(stacked.reshape(-1, len(columns)), columns=columns)
    perturbed = logit(model.raw(flat)).reshape(len(names), n)
    out = pd.DataFrame((base[None, :] - perturbed).T, columns=names, index=X.index)
    return out


def words(row_values: pd.Series, contrib: pd.Series, reference: pd.Series, event_names: dict[str, str],
          up: int = 3, down: int = 2, threshold: float = 0.05) -> list[dict]:
    """The strongest drivers of one account, as sentences with the evidence's page section."""
    out = []
    ranked = contrib.sort_values(kind="mergesort")
    chosen = [(g, v) for g, v in ranked[::-1].items() if v > threshold][:up]
    chosen += [(g, v) for g, v in ranked.items() if v < -threshold][:down]
    for group, value in chosen:
        label, unit, section = describe(group, event_names)
        if unit == "category" and group in row_values.index:  # a numeric custom attribute: one plain column
            unit = "decimal"
        if unit == "category":
            level = next((c.split("=", 1)[1] for c in row_values.index
                          if group_of(c) == group and "=" in c and row_values[c] >= 0.5), "other")
            typical = next((c.split("=", 1)[1] for c in reference.index
                            if group_of(c) == group and "=" in c and reference[c] >= 0.5), "other")
            now, usual = level, typical
        else:
            now, usual = fmt(row_values.get(group), unit), fmt(reference.get(group), unit)
        direction = "raises" if value > 0 else "lowers"
        out.append({"feature": group, "label": label, "value": now, "typical": usual, "effect": float(value),
                    "direction": "up" if value > 0 else "down", "section": section,
                    "text": f"{label}: {now} (typical {usual}) — {direction} the risk"})
    return out
