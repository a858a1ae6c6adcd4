"""The measures a scorecard can use: what each one reads, and its raw value for many accounts at once.

Pure: ``raw_values`` takes the batch's inputs as DataFrames (loaded by ``inputs.py``) and an as-of day, and
returns each account's raw values. Days are integers (``date.toordinal()``), so windows are plain comparisons
and no row after the as-of day can count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LIVE = ("trialing", "active", "past_due")
HIGH_PRIORITIES = ("high", "urgent")
WINDOW = 30  # usage window, days
ACTIVITY_LOOKBACK = 365  # days searched for the last product activity
SENTIMENT_LOOKBACK = 365  # readings older than this no longer count
SENTIMENT_HALF_LIFE = 90  # a reading's weight halves every 90 days
SENTIMENT_PRIOR = 0.5  # weight of a neutral 50 that old readings fade towards
PULSE_VALUES = {"green": 100.0, "yellow": 50.0, "red": 0.0}
TOUCH_VALUES = {"positive": 90.0, "neutral": 60.0, "negative": 10.0}
NPS_WEIGHT, PULSE_WEIGHT, TOUCH_WEIGHT = 1.0, 2.0, 0.5


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "%", "days", "tickets", "/100"
    help: str
    modifier: bool = False  # combined with the rest rather than scored on its own


CATALOG: dict[str, Measure] = {m.key: m for m in (
    Measure("license_utilization", "License utilization", "%",
            "People active in the last 30 days ÷ seats bought on live subscriptions."),
    Measure("active_user_trend", "Active-user trend", "%",
            "Change in active users, last 30 days vs the 30 days before."),
    Measure("key_feature_breadth", "Key-feature adoption", "%",
            "Share of the catalog's key features anyone used in the last 30 days."),
    Measure("days_since_activity", "Last product activity", "days",
            "Days since anyone at the account last used the product."),
    Measure("open_high_tickets", "Open high-priority tickets", "tickets",
            "Unresolved tickets of high or urgent priority."),
    Measure("oldest_open_ticket", "Oldest open ticket", "days",
            "Age of the oldest unresolved ticket (0 when none is open)."),
    Measure("sentiment", "Sentiment", "/100",
            "NPS answers, the CSM's pulse and touch sentiment of the last year, recent ones counting most "
            "(half-life 90 days); pulses count double, touches half."),
    Measure("sponsor_engagement", "Sponsor engagement", "days",
            "Days since the last touch with an executive sponsor or champion who is still there."),
    Measure("renewal_proximity", "Renewal proximity", "days",
            "Days to the next renewal. Not scored alone: near a renewal, a score below green is pulled further "
            "down, by up to the weight in points.", modifier=True),
)}


def _linear(zero, full):
    return {"type": "linear", "zero": zero, "full": full}


def _bands(pairs, otherwise):
    return {"type": "bands", "bands": [list(p) for p in pairs], "else": otherwise}


DEFAULT_DEFINITION = {
    "thresholds": {"red": 50, "green": 75},
    "measures": [
        {"key": "license_utilization", "weight": 15, "mapping": _linear(10, 70)},
        {"key": "active_user_trend", "weight": 15, "mapping": _linear(-50, 10)},
        {"key": "key_feature_breadth", "weight": 10, "mapping": _linear(0, 80)},
        {"key": "days_since_activity", "weight": 10, "mapping": _bands([(3, 100), (7, 85), (14, 60), (30, 30)], 0)},
        {"key": "open_high_tickets", "weight": 10, "mapping": _bands([(0, 100), (1, 65), (2, 35)], 10)},
        {"key": "oldest_open_ticket", "weight": 5, "mapping": _bands([(7, 100), (14, 75), (30, 45), (60, 20)], 0)},
        {"key": "sentiment", "weight": 15, "mapping": _linear(20, 90)},
        {"key": "sponsor_engagement", "weight": 20,
         "mapping": _bands([(30, 100), (60, 75), (90, 45), (180, 15)], 0)},
        {"key": "renewal_proximity", "weight": 15, "mapping": _linear(180, 30)},
    ],
}


@dataclass
class Inputs:
    """Everything the measures read for a batch of accounts over a period, days as ordinals."""

    account_ids: list[int]
    key_features: int  # key features in the catalog
    users: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, user_key, day
    features: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, event, day (key events only)
    activity: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, day
    subscriptions: pd.DataFrame = field(default_factory=pd.DataFrame)  # subscription_id, account_id, effective_on,
    # status, start_date, end_date, seats
    tickets: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, priority, opened, resolved (NaN)
    readings: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, day, value, weight
    sponsor_touches: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, day, left_on (NaN)
    sponsors: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, left_on (NaN)
    usage_since: int | None = None  # the first day any usage was recorded (for any account)


def ordinal(day: dt.date) -> int:
    return day.toordinal()


def subscription_states(subs: pd.DataFrame, day: int) -> pd.DataFrame:
    """Each subscription's state on ``day``: its latest history entry effective on or before it."""
    if subs.empty:
        return subs
    known = subs[subs["effective_on"] <= day]
    return known.sort_values(["subscription_id", "effective_on"]).groupby("subscription_id").tail(1)


def live_states(subs: pd.DataFrame, day: int) -> pd.DataFrame:
    states = subscription_states(subs, day)
    if states.empty:
        return states
    end = states["end_date"].fillna(np.inf)
    return states[states["status"].isin(LIVE) & (states["start_date"] <= day) & (end >= day)]


def raw_values(inputs: Inputs, as_of: dt.date) -> dict[int, dict[str, float | None]]:
    """Raw value of every measure for every account with a live subscription on ``as_of``."""
    day = ordinal(as_of)
    live = live_states(inputs.subscriptions, day)
    if live.empty:
        return {}
    scored = sorted(set(live["account_id"]) & set(inputs.account_ids))
    seats = live.groupby("account_id")["seats"].sum()
    renewal = live.dropna(subset=["end_date"]).groupby("account_id")["end_date"].min()

    def distinct(frame: pd.DataFrame, col: str, first: int, last: int) -> pd.Series:
        if frame.empty:
            return pd.Series(dtype=float)
        inside = frame[(frame["day"] >= first) & (frame["day"] <= last)]
        return inside.groupby("account_id")[col].nunique()

    mau = distinct(inputs.users, "user_key", day - WINDOW + 1, day)
    before = distinct(inputs.users, "user_key", day - 2 * WINDOW + 1, day - WINDOW)
    used = distinct(inputs.features, "event", day - WINDOW + 1, day)
    act = inputs.activity
    last_active = (act[(act["day"] <= day) & (act["day"] > day - ACTIVITY_LOOKBACK)].groupby("account_id")["day"].max()
                   if not act.empty else pd.Series(dtype=float))

    t = inputs.tickets
    if not t.empty:
        open_t = t[(t["opened"] <= day) & (t["resolved"].fillna(np.inf) > day)]
        high = open_t[open_t["priority"].isin(HIGH_PRIORITIES)].groupby("account_id").size()
        oldest = open_t.groupby("account_id")["opened"].min()
    else:
        high = oldest = pd.Series(dtype=float)

    r = inputs.readings
    if not r.empty:
        r = r[(r["day"] <= day) & (r["day"] > day - SENTIMENT_LOOKBACK)]
        w = r["weight"] * np.power(0.5, (day - r["day"]) / SENTIMENT_HALF_LIFE)
        sums = pd.DataFrame({"account_id": r["account_id"], "wv": w * r["value"], "w": w}).groupby("account_id").sum()
        sentiment = (sums["wv"] + SENTIMENT_PRIOR * 50) / (sums["w"] + SENTIMENT_PRIOR)
    else:
        sentiment = pd.Series(dtype=float)

    def still_there(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["left_on"].fillna(np.inf) > day] if not frame.empty else frame

    sponsors = still_there(inputs.sponsors)
    has_sponsor = set(sponsors["account_id"]) if not sponsors.empty else set()
    st = still_there(inputs.sponsor_touches)
    last_touch = st[st["day"] <= day].groupby("account_id")["day"].max() if not st.empty else pd.Series(dtype=float)

    # Before usage was recorded at all (Tenure just installed, history not imported), usage is unknown, not zero.
    since = inputs.usage_since
    known_30 = since is not None and day - WINDOW + 1 >= since
    known_60 = since is not None and day - 2 * WINDOW + 1 >= since

    out: dict[int, dict[str, float | None]] = {}
    for a in scored:
        s = float(seats.get(a, 0))
        m, b = float(mau.get(a, 0)), float(before.get(a, 0))
        last = last_active.get(a)
        touched = last_touch.get(a)
        old = oldest.get(a)
        nxt = renewal.get(a)
        out[a] = {
            "license_utilization": 100.0 * m / s if s and known_30 else None,
            "active_user_trend": 100.0 * (m - b) / b if b and known_60 else None,
            "key_feature_breadth": 100.0 * float(used.get(a, 0)) / inputs.key_features
            if inputs.key_features and known_30 else None,
            "days_since_activity": float(day - last) if last is not None and not pd.isna(last)
            else float(day - since) if since is not None and day - since >= ACTIVITY_LOOKBACK else None,
            "open_high_tickets": float(high.get(a, 0)),
            "oldest_open_ticket": float(day - old) if old is not None and not pd.isna(old) else 0.0,
            "sentiment": float(sentiment[a]) if a in sentiment.index else None,
            "sponsor_engagement": (float(day - touched) if touched is not None and not pd.isna(touched)
                                   else float(SENTIMENT_LOOKBACK) if a in has_sponsor else None),
            "renewal_proximity": float(nxt - day) if nxt is not None and not pd.isna(nxt) else None,
        }
    return out
