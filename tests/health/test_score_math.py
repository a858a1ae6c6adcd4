"""Weighing measures: missing data is re-weighted, never zero; the renewal modifier; always within 0-100."""

import random

import pytest

from tenure.health.measures import CATALOG, DEFAULT_DEFINITION
from tenure.health.scoring import score

TWO = {"thresholds": {"red": 40, "green": 70}, "measures": [
    {"key": "license_utilization", "weight": 30, "mapping": {"type": "linear", "zero": 0, "full": 100}},
    {"key": "sponsor_engagement", "weight": 10, "mapping": {"type": "bands", "bands": [[30, 100]], "else": 0}},
    {"key": "sentiment", "weight": 60, "mapping": {"type": "linear", "zero": 0, "full": 100}},
]}


def test_the_score_is_the_weighted_average_of_measure_points():
    result = score({"license_utilization": 50.0, "sponsor_engagement": 10.0, "sentiment": 20.0}, TWO)
    assert result.score == pytest.approx(0.3 * 50 + 0.1 * 100 + 0.6 * 20)
    assert [r["points"] for r in result.measures] == [15.0, 10.0, 12.0]
    assert result.band == "red"


def test_missing_data_shares_its_weight_among_present_measures_and_is_never_zero():
    result = score({"license_utilization": 50.0, "sponsor_engagement": 10.0, "sentiment": None}, TWO)
    by_key = {r["key"]: r for r in result.measures}
    assert by_key["sentiment"]["missing"] is True
    assert by_key["sentiment"]["points"] == 0 and by_key["sentiment"]["score"] is None
    assert by_key["license_utilization"]["effective_weight"] == 75.0
    assert by_key["sponsor_engagement"]["effective_weight"] == 25.0
    assert result.score == pytest.approx(0.75 * 50 + 0.25 * 100)  # 62.5, not 0.4 * ... with a zero
    assert result.band == "yellow"


def test_no_data_at_all_gives_no_score_rather_than_zero():
    result = score({}, TWO)
    assert result.score is None and result.band == ""
    assert all(r["missing"] for r in result.measures)


def test_renewal_proximity_pulls_a_score_below_green_down_near_the_renewal():
    base = {"license_utilization": 40.0, "sentiment": 40.0, "sponsor_engagement": 10.0}
    defn = {**TWO, "measures": [*TWO["measures"], {"key": "renewal_proximity", "weight": 14,
                                                   "mapping": {"type": "linear", "zero": 180, "full": 30}}]}
    far = score({**base, "renewal_proximity": 300.0}, defn)
    near = score({**base, "renewal_proximity": 30.0}, defn)
    assert far.score == pytest.approx(46.0)  # 0.3 × 40 + 0.1 × 100 + 0.6 × 40
    # (70 − 46) / 70 of the way below green, at full proximity: −14 × 24/70 = −4.8
    assert near.score == pytest.approx(41.2)
    assert near.measures[-1]["points"] == pytest.approx(-4.8)
    healthy = score({"license_utilization": 90.0, "sentiment": 90.0, "sponsor_engagement": 1.0,
                     "renewal_proximity": 10.0}, defn)
    assert healthy.score == pytest.approx(91.0)  # green: not pulled down


def test_a_score_is_always_within_0_and_100():
    rng = random.Random(7)
    for _ in range(2000):
        raws = {k: None if rng.random() < 0.3 else rng.uniform(-1000, 1000) for k in CATALOG}
        result = score(raws, DEFAULT_DEFINITION)
        assert result.score is None or 0 <= result.score <= 100
        present = [r for r in result.measures if not r["missing"] and not r["modifier"]]
        if present:
            assert sum(r["effective_weight"] for r in present) == pytest.approx(100, abs=0.1)
