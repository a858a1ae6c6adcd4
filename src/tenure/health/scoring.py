"""Score math, pure: map raw values to points, weigh them, band the total; and the backtest's figures.

Missing data is never zero: a measure without data is marked missing and its weight is shared among the
present measures in proportion to theirs. A modifier (renewal proximity) is not weighed: near a renewal it pulls
a score below green further down, by up to its weight in points.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tenure.health.measures import CATALOG

BANDS = ("red", "yellow", "green")


# ---- mappings -----------------------------------------------------------------------------------------------


def map_value(raw: float, mapping: dict) -> float:
    """Points 0-100 for a raw value. linear: ``zero`` gets 0 points, ``full`` 100, straight line between
    (either may be the larger). bands: the first ``[upper, points]`` with raw ≤ upper, else ``else``."""
    if mapping["type"] == "linear":
        zero, full = float(mapping["zero"]), float(mapping["full"])
        if zero == full:
            return 100.0 if raw >= full else 0.0
        return max(0.0, min(100.0, 100.0 * (raw - zero) / (full - zero)))
    if mapping["type"] == "bands":
        for upper, points in mapping["bands"]:
            if raw <= upper:
                return float(points)
        return float(mapping["else"])
    raise ValueError(f"unknown mapping type {mapping['type']!r}")


def _num(value: float) -> str:
    return f"{value:g}"


def format_mapping(mapping: dict) -> str:
    """The mapping as CS Ops type it: ``10 → 70`` (linear) or ``≤3: 100, ≤7: 85, else: 0`` (bands)."""
    if mapping["type"] == "linear":
        return f"{_num(mapping['zero'])} → {_num(mapping['full'])}"
    parts = [f"≤{_num(u)}: {_num(p)}" for u, p in mapping["bands"]]
    return ", ".join([*parts, f"else: {_num(mapping['else'])}"])


_NUMBER = r"(-?\d+(?:\.\d+)?)"


def parse_mapping(text: str) -> dict:
    """Inverse of format_mapping; raises ValueError with a message a person can act on."""
    text = text.strip().replace("->", "→").replace("<=", "≤")
    linear = re.fullmatch(rf"{_NUMBER}\s*→\s*{_NUMBER}", text)
    if linear:
        return {"type": "linear", "zero": float(linear[1]), "full": float(linear[2])}
    bands, otherwise = [], None
    for part in filter(None, (p.strip() for p in text.split(","))):
        band = re.fullmatch(rf"≤\s*{_NUMBER}\s*:\s*{_NUMBER}", part)
        last = re.fullmatch(rf"else\s*:\s*{_NUMBER}", part)
        if band:
            bands.append([float(band[1]), float(band[2])])
        elif last and otherwise is None:
            otherwise = float(last[1])
        else:
            raise ValueError(f"cannot read {part!r}: write '10 → 70' or '≤3: 100, ≤7: 85, else: 0'")
    if not bands or otherwise is None:
        raise ValueError("bands need at least one '≤value: points' and a final 'else: points'")
    uppers = [u for u, _ in bands]
    if uppers != sorted(uppers) or len(set(uppers)) != len(uppers):
        raise ValueError("band limits must increase from left to right")
    if not all(0 <= p <= 100 for _, p in bands) or not 0 <= otherwise <= 100:
        raise ValueError("points must be between 0 and 100")
    return {"type": "bands", "bands": bands, "else": otherwise}


def validate_definition(definition: dict) -> None:
    thresholds = definition.get("thresholds", {})
    red, green = thresholds.get("red"), thresholds.get("green")
    if red is None or green is None or not 0 <= red <= green <= 100:
        raise ValueError("thresholds need 0 ≤ red ≤ green ≤ 100")
    keys = [m["key"] for m in definition.get("measures", [])]
    unknown = [k for k in keys if k not in CATALOG]
    if unknown:
        raise ValueError(f"unknown measure {unknown[0]!r}")
    if len(set(keys)) != len(keys):
        raise ValueError("a measure appears twice")
    if not any(m["weight"] > 0 and not CATALOG[m["key"]].modifier for m in definition["measures"]):
        raise ValueError("at least one measure needs a weight above zero")
    for m in definition["measures"]:
        if m["weight"] < 0:
            raise ValueError(f"{CATALOG[m['key']].label}: the weight must not be negative")
        map_value(0.0, m["mapping"])


# ---- scoring ------------------------------------------------------------------------------------------------


def band_for(score: float | None, thresholds: dict) -> str:
    """red below the red threshold, green from the green threshold, yellow between; '' without a score."""
    if score is None:
        return ""
    if score < thresholds["red"]:
        return "red"
    return "green" if score >= thresholds["green"] else "yellow"


@dataclass
class Scored:
    score: float | None
    band: str
    measures: list[dict]


def score(raws: dict[str, float | None], definition: dict) -> Scored:
    """Combine one account's raw values under a scorecard definition."""
    rows, present_weight = [], 0.0
    for m in definition["measures"]:
        info = CATALOG[m["key"]]
        raw = raws.get(m["key"])
        missing = raw is None or (isinstance(raw, float) and math.isnan(raw))
        row = {"key": info.key, "label": info.label, "raw": None if missing else round(raw, 2), "unit": info.unit,
               "score": None if missing else round(map_value(raw, m["mapping"]), 2), "weight": m["weight"],
               "effective_weight": 0.0, "points": 0.0, "missing": missing, "modifier": info.modifier}
        if not missing and not info.modifier and m["weight"] > 0:
            present_weight += m["weight"]
        rows.append(row)
    if present_weight == 0:
        return Scored(None, "", rows)
    total = 0.0
    for row in rows:
        if not row["missing"] and not row["modifier"] and row["weight"] > 0:
            row["effective_weight"] = round(100.0 * row["weight"] / present_weight, 2)
            row["points"] = row["score"] * row["weight"] / present_weight
            total += row["points"]
    green = definition["thresholds"]["green"]
    for row in rows:
        if row["modifier"] and not row["missing"]:
            shortfall = max(0.0, (green - total) / green) if green else 0.0
            row["points"] = -row["weight"] * row["score"] / 100.0 * shortfall
    total = max(0.0, min(100.0, total + sum(r["points"] for r in rows if r["modifier"])))
    for row in rows:
        row["points"] = round(row["points"], 2)
    total = round(total, 1)
    return Scored(total, band_for(total, definition["thresholds"]), rows)


# ---- backtest -------------------------------------------------------------------------------------------------
# Outcomes (renewed or churned, and on which day) are the one definition in tenure.facts.outcomes.


@dataclass
class BandRate:
    band: str
    accounts: int
    churned: int

    @property
    def churn_rate(self) -> float | None:
        return self.churned / self.accounts if self.accounts else None


@dataclass
class Backtest:
    days: int
    samples: int
    churned: int
    auc: float | None
    bands: list[BandRate]
    version: str = ""

    def as_dict(self) -> dict:
        return {"days": self.days, "version": self.version, "samples": self.samples, "churned": self.churned,
                "auc": self.auc, "bands": [{"band": b.band, "accounts": b.accounts, "churned": b.churned,
                                            "churn_rate": b.churn_rate} for b in self.bands]}


def evaluate(pairs: list[tuple[float, str, bool]], days: int, version: str = "") -> Backtest:
    """(score N days before the outcome, its band, churned?) → AUC of "a lower score means churn" and the
    churn rate per band. AUC is None unless both outcomes occur."""
    from sklearn.metrics import roc_auc_score

    churned = [c for _, _, c in pairs]
    auc = None
    if pairs and 0 < sum(churned) < len(churned):
        auc = round(float(roc_auc_score(churned, [-s for s, _, _ in pairs])), 3)
    bands = []
    for band in BANDS:
        inside = [c for _, b, c in pairs if b == band]
        bands.append(BandRate(band, len(inside), sum(inside)))
    return Backtest(days, len(pairs), sum(churned), auc, bands, version)
