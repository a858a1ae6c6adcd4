"""Day numbers: the integer days (since 1970-01-01) that the history frames and the formulas over them use, so a
window is integer arithmetic (``D - days < day <= D``). Pure."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

EPOCH = dt.date(1970, 1, 1)
FAR = 10**7  # a day number far in the future: "no end date", "not resolved", "still there"


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def days(values) -> np.ndarray:
    """Dates (date objects, None allowed) to day numbers; None becomes FAR."""
    arr = pd.to_datetime(pd.Series(values, dtype="object"), errors="coerce").to_numpy(dtype="datetime64[D]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = FAR
    return out


def day_numbers(values) -> np.ndarray:
    """``days`` for many values that repeat (the days of rollup rows, as dates or as the database's ISO text):
    each distinct value converted once."""
    codes, unique = pd.factorize(pd.Series(values, dtype="object"))
    return days(list(unique))[codes] if len(unique) else np.zeros(len(codes), dtype="int64")
