"""The account page's churn panel: a query, without loading the model libraries the training side needs.

Health and churn probability sit side by side there. Where they disagree — a green score with a high churn
probability, or a red one with a low probability — the panel says in one sentence which facts drive each.
"""

from __future__ import annotations

from tenure.health.models import HealthSnapshot
from tenure.predict.models import ChurnPrediction

# The one pair of cut-offs for "the churn model disagrees with the health band".
HIGH_CHURN = 0.5  # green with at least this churn probability disagrees
LOW_CHURN = 0.1  # red with at most this churn probability disagrees
SHOWN = 2  # facts named on each side


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def disagreement(band: str, score: float | None, measures: list[dict], probability: float,
                 drivers: list[dict]) -> str:
    """One sentence naming what drives the health score and what drives the churn probability when they
    disagree (green and ≥ HIGH_CHURN, or red and ≤ LOW_CHURN); '' when they agree. Pure.

    ``measures``: a snapshot's measure rows (points, effective_weight, missing, modifier); ``drivers``: the
    prediction's stored drivers (label, value, typical, direction)."""
    weighed = [m for m in measures if not m.get("missing") and not m.get("modifier") and m.get("effective_weight")]
    if band == "green" and probability >= HIGH_CHURN:
        # what holds the score up: the measures earning the most points
        health = sorted(weighed, key=lambda m: -m["points"])[:SHOWN]
        health_words = [f"{m['label'].lower()} ({m['points']:.0f} of {m['effective_weight']:.0f} points)"
                        for m in health]
        model = [d for d in drivers if d.get("direction") == "up"][:SHOWN]
        verb, model_verb = "held up by", "raised by"
    elif band == "red" and probability <= LOW_CHURN:
        # what pulls the score down: the measures losing the most points
        health = sorted(weighed, key=lambda m: -(m["effective_weight"] - m["points"]))[:SHOWN]
        health_words = [f"{m['label'].lower()} ({m['points']:.0f} of {m['effective_weight']:.0f} points)"
                        for m in health]
        model = [d for d in drivers if d.get("direction") == "down"][:SHOWN]
        verb, model_verb = "pulled down by", "lowered by"
    else:
        return ""
    model_words = [f"{d['label'].lower()} ({d['value']}, typical {d['typical']})" for d in model]
    shown = "" if score is None else f" {score:.0f}"
    sentence = f"Health is {band}{shown} but the churn model says {probability:.0%}: the score is {verb} "
    sentence += _names(health_words) if health_words else "no measure with data"
    sentence += ", while the model's probability is " + (f"{model_verb} {_names(model_words)}" if model_words
                                                          else "not driven by any single fact (typical account)")
    return sentence + "."


def account_panel(account, latest_health: HealthSnapshot | None) -> dict:
    """Probability, model date and drivers in words; and, where health and churn risk disagree, why.
    ``latest_health``: the account's latest health snapshot, as the health panel beside it read it."""
    prediction = ChurnPrediction.objects.select_related("model").filter(account=account).first()
    why = ""
    if prediction is not None and latest_health is not None:
        why = disagreement(latest_health.band, latest_health.score, latest_health.measures, prediction.probability,
                           prediction.drivers or [])
    return {"churn_prediction": prediction, "health_vs_churn": why}
