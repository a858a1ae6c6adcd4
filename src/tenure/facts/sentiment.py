"""The sentiment fact: NPS answers, the CSM's pulse and touch sentiment, recent ones counting most. Pure."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

HALF_LIFE = 90  # a reading's weight halves every 90 days
PRIOR = 0.5  # weight of a neutral 50 that old readings fade towards
PULSE_VALUES = {"green": 100.0, "yellow": 50.0, "red": 0.0}
TOUCH_VALUES = {"positive": 90.0, "neutral": 60.0, "negative": 10.0}
NPS_WEIGHT, PULSE_WEIGHT, TOUCH_WEIGHT = 1.0, 2.0, 0.5


class Reading(NamedTuple):
    """One reading on a 0-100 scale with its weight: pulses count double, touches half."""

    day: dt.date
    value: float
    weight: float

    @classmethod
    def nps(cls, day: dt.date, score: int) -> Reading:
        return cls(day, score * 10.0, NPS_WEIGHT)

    @classmethod
    def pulse(cls, day: dt.date, rating: str) -> Reading:
        return cls(day, PULSE_VALUES[rating], PULSE_WEIGHT)

    @classmethod
    def touch(cls, day: dt.date, mood: str) -> Reading:
        return cls(day, TOUCH_VALUES[mood], TOUCH_WEIGHT)


def sentiment(readings: list[Reading], as_of: dt.date) -> float | None:
    """Weighted mean of the readings up to ``as_of``, each weight halving every HALF_LIFE days, pulled towards a
    neutral 50 by a small prior so one old reading does not speak loudly; None without readings."""
    total = weights = 0.0
    for r in readings:
        age = (as_of - r.day).days
        if age < 0:
            continue
        weight = r.weight * 0.5 ** (age / HALF_LIFE)
        total += weight * r.value
        weights += weight
    if not weights and not any((as_of - r.day).days >= 0 for r in readings):
        return None
    return (total + PRIOR * 50) / (weights + PRIOR)
