"""The measures a scorecard can use: what each one reads, and its raw value for many accounts at once.

Pure: ``raw_values`` takes the batch's account facts (``tenure.facts``, loaded as of a day, so no row after it
can count) and returns each account's raw values. Every measure reads a fact of the same name there.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenure.facts.account import HIGH_PRIORITIES, LIVE_STATUSES, AccountFacts

LIVE = LIVE_STATUSES
__all__ = ["CATALOG", "DEFAULT_DEFINITION", "FACTS", "HIGH_PRIORITIES", "LIVE", "Measure", "raw_values",
           "raw_values_of"]
SENTIMENT_LOOKBACK = 365  # the longest a sponsor can go untouched in this measure's eyes


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "%", "days", "tickets", "/100", "actions"
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
    Measure("sponsor_engagement", "Sponsor or champion engagement", "days",
            "Days since the last touch with the executive sponsor or the champion, whichever is later (only "
            "people still there count; the risk signals watch each role on its own)."),
    Measure("knowledge_engagement", "Knowledge engagement", "actions",
            "Article views, searches, votes and deflections in the help centre by the account's people in the last "
            "30 days. Unknown for an account whose people never used the help centre in the past year: its weight "
            "is then shared by the other measures."),
    Measure("community_engagement", "Community engagement", "posts",
            "Community threads and replies by the account's people, plus replies they received, in the last 30 days. "
            "Unknown for an account whose people never posted in the community in the past year: its weight is "
            "then shared by the other measures."),
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
        {"key": "knowledge_engagement", "weight": 5, "mapping": _linear(0, 20)},
        {"key": "community_engagement", "weight": 5, "mapping": _linear(0, 10)},
        {"key": "renewal_proximity", "weight": 15, "mapping": _linear(180, 30)},
    ],
}


# The groups of account facts (tenure.facts.load.PARTS) the measures read: a score loads only these. A measure
# reading another group adds it here (tests/health/test_measures.py compares with every group loaded).
FACTS = ("subscriptions", "usage", "usage_earlier", "features", "support", "people", "sentiment", "knowledge",
         "community")


def raw_values(facts: dict[int, AccountFacts]) -> dict[int, dict[str, float | None]]:
    """Raw value of every measure for every account with a live subscription on its facts' day."""
    return {pk: raw_values_of(f) for pk, f in facts.items() if f.is_paying}


def raw_values_of(f: AccountFacts) -> dict[str, float | None]:
    """One account's raw values. Before usage was recorded at all (Tenure just installed, history not imported),
    usage is unknown, not zero."""
    since = f.usage_known_since
    if f.days_since_activity is not None:
        idle = float(f.days_since_activity)
    elif since is not None and (f.as_of - since).days >= f.windows.activity:
        idle = float((f.as_of - since).days)
    else:
        idle = None
    touched = f.key_person_last_touched_on
    return {
        "license_utilization": 100.0 * f.settled_utilization if f.settled_utilization is not None else None,
        "active_user_trend": 100.0 * f.active_user_trend
        if f.active_user_trend is not None and f.usage_trend_known else None,
        "key_feature_breadth": 100.0 * f.key_feature_breadth
        if f.key_feature_breadth is not None and f.usage_window_known else None,
        "days_since_activity": idle,
        "open_high_tickets": float(f.open_high_tickets),
        "oldest_open_ticket": float((f.as_of - f.oldest_open_ticket_on).days) if f.oldest_open_ticket_on else 0.0,
        "sentiment": f.sentiment,
        "sponsor_engagement": float(min((f.as_of - touched).days, SENTIMENT_LOOKBACK)) if touched
        else float(SENTIMENT_LOOKBACK) if f.has_key_person else None,
        "knowledge_engagement": float(f.knowledge_engagement) if f.knowledge_engagement is not None else None,
        "community_engagement": float(f.community_engagement) if f.community_engagement is not None else None,
        "renewal_proximity": float(f.days_to_renewal) if f.days_to_renewal is not None else None,
    }
