"""What the churn model observes: the observation dates fitted to a history, each observation's label (churn
within the horizon), and, where renewals decide churn, which observations the back-test scores. Pure functions
over DataFrames; days are integers (``tenure.facts.days``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tenure.predict.features import Inputs

MAX_DATES = 52  # observation dates at most, by default (a year of weeks)
MIN_WARMUP, MAX_WARMUP = 14, 60  # days of history before the first observation date
# Renewal-decided histories are back-tested on each renewal once, this many days ahead at least (a week to act)
RENEWAL_LEAD = 8
RENEWING_SHARE = 0.5  # the share of observations whose term ends within the horizon that makes a history so


@dataclass
class Observation:
    """The observation dates chosen for a history, and why: what the model and its back-test stand on."""

    dates: list[int]
    first_day: int | None  # the first day the history knows (usage, else the first subscription start)
    warmup: int
    step: int
    settle: int  # horizon + grace: days after an observation before its label is final
    renewals: bool = False  # the back-test scores each renewal once, RENEWAL_LEAD .. +step days ahead

    def describe(self) -> str:
        if not self.dates:
            return "no observation dates"
        said = (f"{len(self.dates)} observation dates {self.step} days apart, after a {self.warmup}-day warm-up, "
                f"the last {self.settle} days before the as-of day left for outcomes to settle")
        if self.renewals:
            lo, hi = self.renewal_window()
            said += (f"; most terms end within the horizon, so the back-test scores each renewal once, {lo}-{hi} "
                     f"days before it is decided (models learn from every observation)")
        return said

    def renewal_window(self) -> tuple[int, int]:
        """Days from an observation to the renewal it scores: one observation date falls in it per renewal."""
        return RENEWAL_LEAD, RENEWAL_LEAD + self.step - 1


def at_renewal(frame: pd.DataFrame, observation: Observation, horizon: int) -> pd.Series | None:
    """For a history whose renewals decide churn (most observations' terms end within the horizon, as monthly
    payers' do), the observations that score a renewal in the back-test: those RENEWAL_LEAD .. +step days before
    their term ends, so each renewal counts once, as the decision a CSM can still act on — not four times at
    every lead from a month to a day. Otherwise None: every observation is scored."""
    if not len(frame) or "term_days_left" not in frame:
        return None
    left = frame["term_days_left"]
    if float((left <= horizon).mean()) < RENEWING_SHARE:
        return None
    lo, hi = observation.renewal_window()
    return left.between(lo, hi)


def plan_observations(inputs: Inputs, as_of: int, horizon: int, grace: int, step: int | None = None,
                      max_dates: int | None = None, warmup: int | None = None) -> Observation:
    """Days to observe, fitted to the history that exists. The latest is the last whose label is final
    (D + horizon + grace <= as_of); the first leaves a warm-up after the history begins (a quarter of the span,
    between 14 and 60 days, so windowed features have something to read); the step defaults to a week — never
    more than the horizon, so every churn in the observed span is labelled — widened only to stay within
    ``max_dates`` (default 52)."""
    settle = horizon + grace
    last = as_of - settle
    first_usage = inputs.first_usage_day()
    starts = inputs.changes["start_date"] if len(inputs.changes) else pd.Series([last], dtype="int64")
    first_day = first_usage if first_usage is not None else int(starts.min())
    span = last - first_day
    if warmup is None:
        warmup = int(min(MAX_WARMUP, max(MIN_WARMUP, span // 4)))
    max_dates = max_dates or MAX_DATES
    first = first_day + warmup
    if step is None:
        step = min(max(horizon, 1), max(7, -(-(last - first + 1) // max_dates)))
    out = []
    day = last
    while day >= first and len(out) < max_dates:
        out.append(day)
        day -= step
    return Observation(sorted(out), first_day, warmup, step, settle)


def observation_dates(inputs: Inputs, as_of: int, horizon: int, grace: int, step: int | None = None,
                      max_dates: int | None = None, warmup: int | None = None) -> list[int]:
    return plan_observations(inputs, as_of, horizon, grace, step, max_dates, warmup).dates


def label_rows(periods: pd.DataFrame, dates, horizon: int) -> pd.DataFrame:
    """For each date, the accounts inside an active period that day, labelled 1 when that period ends in
    churn with the churn day (first day without a subscription) within the next ``horizon`` days."""
    frames = []
    for day in dates:
        inside = periods[(periods["start"] <= day) & (periods["end"] >= day)]
        churns = inside["churned"].to_numpy() & (inside["churn_on"].to_numpy() > day) & (
            inside["churn_on"].to_numpy() <= day + horizon)
        frames.append(pd.DataFrame({"account_id": inside["account_id"].to_numpy(), "as_of": day,
                                    "label": churns.astype("int8")}))
    if not frames:
        return pd.DataFrame({"account_id": pd.Series(dtype="int64"), "as_of": pd.Series(dtype="int64"),
                             "label": pd.Series(dtype="int8")})
    return pd.concat(frames, ignore_index=True)
