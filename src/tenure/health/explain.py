"""Plain words for every measure of a snapshot, and the points it moved since last week. Pure."""

from __future__ import annotations

import math

MINUS = "\u2212"


def half_up(value: float) -> int:
    """Round halves away from zero (6.5 → 7), as people do; Python's round() would give 6."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _n(value: float) -> str:
    return f"{half_up(value):d}"


def _days(value: float) -> str:
    d = round(value)
    return "today" if d == 0 else "yesterday" if d == 1 else f"{d} days ago"


def describe(row: dict) -> str:
    """What the raw value says, e.g. "active users down 38% vs previous 30 days"."""
    key, raw = row["key"], row["raw"]
    if row["missing"]:
        return {
            "license_utilization": "no seats bought: utilization unknown",
            "active_user_trend": "no active users in the 30 days before: no trend yet",
            "key_feature_breadth": "no key features marked in the catalog",
            "days_since_activity": "no product activity recorded in the last year",
            "sentiment": "no NPS answer, pulse or touch sentiment in the last year",
            "sponsor_engagement": "no executive sponsor or champion on record",
            "renewal_proximity": "no renewal date",
        }.get(key, f"{row['label'].lower()}: no data")
    if key == "license_utilization":
        return f"{_n(raw)}% of seats active in the last 30 days"
    if key == "active_user_trend":
        if round(raw) == 0:
            return "active users flat vs previous 30 days"
        return f"active users {'up' if raw > 0 else 'down'} {_n(abs(raw))}% vs previous 30 days"
    if key == "key_feature_breadth":
        return f"{_n(raw)}% of key features used in the last 30 days"
    if key == "days_since_activity":
        return f"last product activity {_days(raw)}"
    if key == "open_high_tickets":
        n = round(raw)
        return "no open high-priority tickets" if n == 0 else f"{n} open high-priority ticket{'s' if n != 1 else ''}"
    if key == "oldest_open_ticket":
        return "no open tickets" if round(raw) == 0 else f"oldest open ticket opened {_days(raw)}"
    if key == "sentiment":
        return f"sentiment {_n(raw)} out of 100"
    if key == "sponsor_engagement":
        return f"last touch with the sponsor or champion {_days(raw)}"
    if key == "renewal_proximity":
        d = round(raw)
        return "renewal today" if d == 0 else f"renewal in {d} day{'s' if d != 1 else ''}"
    return f"{row['label']}: {raw:g}"


def signed_points(change: float) -> str:
    """"+3 points", "−12 points", "no change" (under half a point)."""
    if abs(change) < 0.5:
        return "no change"
    n = half_up(abs(change))
    return f"{'+' if change > 0 else MINUS}{n} point{'s' if n != 1 else ''}"


def explain(row: dict, previous: dict | None) -> str:
    """One line per measure: the raw value in words, then the change of its points since the previous snapshot
    (a week earlier); without a previous snapshot, the points it contributes now."""
    text = describe(row)
    if row["missing"] and (previous is None or previous["missing"]):
        return text + (": its weight is shared by the other measures" if not row["modifier"] else "")
    if previous is None:
        return f"{text}: {_points_now(row['points'])}"
    return f"{text}: {signed_points(row['points'] - previous['points'])}"


def _points_now(points: float) -> str:
    n = half_up(points)
    if n < 0:  # a pull under half a point reads as 0, never "−0"
        return f"{MINUS}{abs(n)} point{'s' if abs(n) != 1 else ''}"
    return f"{n} point{'s' if n != 1 else ''} of the score"


def explain_snapshot(measures: list[dict], previous_measures: list[dict] | None) -> list[dict]:
    """The rows of a snapshot, each with ``change`` (points since the previous snapshot) and ``text``."""
    before = {m["key"]: m for m in previous_measures or []}
    out = []
    for row in measures:
        prev = before.get(row["key"]) if previous_measures is not None else None
        both_missing = prev is not None and row["missing"] and prev["missing"]
        change = None if prev is None or both_missing else round(row["points"] - prev["points"], 2)
        out.append({**row, "change": change, "text": explain(row, prev)})
    return out


def format_raw(row: dict) -> str:
    if row["missing"]:
        return "—"
    raw, unit = row["raw"], row["unit"]
    if unit == "%":
        return f"{'+' if row['key'] == 'active_user_trend' and half_up(raw) > 0 else ''}{_n(raw)}%".replace("-", MINUS)
    if unit == "days":
        return f"{_n(raw)} day{'' if half_up(raw) == 1 else 's'}"
    if unit == "/100":
        return f"{_n(raw)}/100"
    return _n(raw)
