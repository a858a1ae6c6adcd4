"""When an account is paying, when it churned and when it renewed: the one definition, for metrics (retention,
cohorts), the churn model's labels and the health score's back-test alike.

Pure functions over subscription-history rows (``SubscriptionChange``); days are integers (days since
1970-01-01) inside, dates at the edges.

1. ``coverage`` — every subscription history entry is a state that holds from its ``effective_on`` until the
   next entry. The state covers a day when the day is inside its term (``start_date`` … ``end_date``, both
   inclusive; no end date = open) and its status is live (trialing, active, past due) — or cancelled with an
   end date, which runs to the end of the term already paid for. Only states with MRR above zero count: a free
   subscription does not make a paying customer.
2. ``active_periods`` — an account's covered days, merged across gaps shorter than the grace period
   (``TENURE_CHURN_GRACE_DAYS``, 7 days by default). A gap inside a period is bridged with the MRR of the last
   covered day before it, so a late renewal is neither churn nor a reactivation. A period that ends before the
   as-of day has churned on the day after its last covered day (the day after the paid term ends); the
   account's next period, if any, is a reactivation.
3. ``outcomes`` — the renewal decisions that history has settled: each paid term's end (an ``end_date`` that
   was covered) is *renewed* on the day after it when the account's active period goes on past it; each
   churned period is *churned* on its churn day, once the grace has passed (before that the account may
   still renew late).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tenure.facts.days import EPOCH, FAR, day_number, days, to_date  # noqa: F401  (day numbers, defined once)

LIVE = ("trialing", "active", "past_due")
CANCELED = "canceled"
DEFAULT_GRACE_DAYS = 7


def grace_days() -> int:
    """The churn grace period: TENURE_CHURN_GRACE_DAYS (setting or environment), 7 by default."""
    from django.conf import settings

    value = getattr(settings, "TENURE_CHURN_GRACE_DAYS", None) or os.environ.get("TENURE_CHURN_GRACE_DAYS")
    return int(value) if value else DEFAULT_GRACE_DAYS


# ---- 1. coverage ----------------------------------------------------------------------------------------

CHANGE_COLUMNS = ("subscription_id", "account_id", "effective_on", "order", "mrr_cents", "seats", "status",
                  "start_date", "end_date", "plan", "billing_period")


def changes_frame(rows) -> pd.DataFrame:
    """Rows of (subscription_id, account_id, effective_on, order, mrr_cents, seats, status, start_date,
    end_date, plan, billing_period), dates as date objects, into the frame ``coverage`` reads."""
    df = pd.DataFrame(list(rows), columns=list(CHANGE_COLUMNS))
    for column in ("effective_on", "start_date", "end_date"):
        df[column] = days(df[column])
    for column in ("subscription_id", "account_id", "order", "mrr_cents", "seats"):
        df[column] = df[column].astype("int64")
    return df


def coverage(changes: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Covered intervals: account_id, subscription_id, start, end (day numbers, inclusive), mrr_cents, seats,
    plan, billing_period, status. Entries effective after ``as_of`` are not seen."""
    df = changes[changes["effective_on"] <= as_of]
    df = df.sort_values(["subscription_id", "effective_on", "order"], kind="mergesort")
    df = df.drop_duplicates(["subscription_id", "effective_on"], keep="last")  # same day: the last entry holds
    nxt = df.groupby("subscription_id", sort=False)["effective_on"].shift(-1)
    state_end = (nxt.fillna(as_of + 1).astype("int64") - 1).clip(upper=as_of)
    start = np.maximum(df["effective_on"].to_numpy(), df["start_date"].to_numpy())
    end = np.minimum(state_end.to_numpy(), df["end_date"].to_numpy())
    status = df["status"].to_numpy()
    live = np.isin(status, LIVE) | ((status == CANCELED) & (df["end_date"].to_numpy() < FAR))
    keep = live & (end >= start) & (df["mrr_cents"].to_numpy() > 0)
    out = pd.DataFrame({
        "account_id": df["account_id"].to_numpy()[keep],
        "subscription_id": df["subscription_id"].to_numpy()[keep],
        "start": start[keep],
        "end": end[keep],
        "mrr_cents": df["mrr_cents"].to_numpy()[keep],
        "seats": df["seats"].to_numpy()[keep],
        "plan": df["plan"].to_numpy()[keep],
        "billing_period": df["billing_period"].to_numpy()[keep],
        "status": status[keep],
    })
    return out.sort_values(["account_id", "start", "end"], kind="mergesort").reset_index(drop=True)


# ---- 2. active periods ----------------------------------------------------------------------------------


@dataclass
class Periods:
    intervals: pd.DataFrame  # coverage with gaps bridged, plus period_no
    periods: pd.DataFrame  # account_id, period_no, start, end, churned (bool), churn_on (day number or -1)


def active_periods(intervals: pd.DataFrame, as_of: int, grace_days: int = DEFAULT_GRACE_DAYS) -> Periods:
    iv = intervals.sort_values(["account_id", "start", "end"], kind="mergesort").reset_index(drop=True)
    if iv.empty:
        iv = iv.assign(period_no=pd.Series(dtype="int64"))
        empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in ("account_id", "period_no", "start", "end",
                                                                    "churn_on")})
        return Periods(iv, empty.assign(churned=pd.Series(dtype=bool)))
    by_account = iv.groupby("account_id", sort=False)
    covered_to = by_account["end"].cummax()
    before = covered_to.groupby(iv["account_id"], sort=False).shift(1)
    first = before.isna().to_numpy()
    gap = (iv["start"] - before - 1).to_numpy()  # uncovered days before this interval; NaN for the first
    threshold = max(int(grace_days), 1)
    new_period = first | (gap >= threshold)
    bridged = ~first & (gap > 0) & (gap < threshold)
    if bridged.any():
        # Extend whatever ended on the last covered day before the gap up to the day before coverage resumes.
        bridges = pd.DataFrame({
            "account_id": iv["account_id"].to_numpy()[bridged],
            "end": before.to_numpy()[bridged].astype("int64"),
            "new_end": iv["start"].to_numpy()[bridged] - 1,
        })
        merged = iv[["account_id", "end"]].merge(bridges, on=["account_id", "end"], how="left")
        iv["end"] = merged["new_end"].fillna(merged["end"]).astype("int64").to_numpy()
    iv["period_no"] = pd.Series(new_period.astype("int64")).groupby(iv["account_id"]).cumsum().to_numpy() - 1
    periods = iv.groupby(["account_id", "period_no"], sort=True).agg(start=("start", "min"), end=("end", "max"))
    periods = periods.reset_index()
    periods["churned"] = periods["end"] < as_of
    periods["churn_on"] = np.where(periods["churned"], periods["end"] + 1, -1)
    return Periods(iv, periods)


# ---- 3. outcomes: renewed or churned --------------------------------------------------------------------

# SubscriptionChange fields, in the order ``history_frame`` reads them (``.values_list(*HISTORY_FIELDS)``).
HISTORY_FIELDS = ("subscription_id", "subscription__account_id", "effective_on", "pk", "mrr", "seats", "status",
                  "start_date", "end_date", "plan", "billing_period")


def cents(value) -> int:
    """Money (a Decimal, a number or None) in integer cents."""
    from decimal import Decimal

    return 0 if value is None else int((Decimal(value) * 100).to_integral_value())


def history_frame(rows) -> pd.DataFrame:
    """Subscription history rows in ``HISTORY_FIELDS`` order (MRR as money) into the frame ``coverage`` reads."""
    return changes_frame((sub, acct, eff, pk, cents(mrr), seats, status, start, end, plan, period)
                         for sub, acct, eff, pk, mrr, seats, status, start, end, plan, period in rows)


@dataclass(frozen=True)
class Outcome:
    account_id: int
    day: dt.date  # the day after a paid term's end: the first day of the renewed term, or the churn day
    churned: bool


def outcomes(changes: pd.DataFrame, as_of: int, grace_days: int = DEFAULT_GRACE_DAYS) -> list[Outcome]:
    """The renewals and churns settled by ``as_of`` (a day number), from a ``changes_frame``.

    Renewed: a paid term ended (its ``end_date`` was covered) and the account's active period went on past
    it, by the same subscription or another one within the grace. Churned: an active period ended, dated the
    day after its last covered day, counted once ``grace_days`` have passed without coverage.
    """
    found = active_periods(coverage(changes, as_of), as_of, grace_days)
    periods = found.periods
    settled = periods[periods["churned"].to_numpy(dtype=bool) & (periods["churn_on"] + grace_days <= as_of)]
    churns = set(zip(settled["account_id"].tolist(), settled["churn_on"].tolist(), strict=True))
    status = changes["status"].to_numpy()
    paid_term = ((changes["effective_on"] <= as_of) & (changes["end_date"] < as_of) & (changes["mrr_cents"] > 0)
                 & (np.isin(status, LIVE) | (status == CANCELED)))
    terms = changes.loc[paid_term, ["account_id", "end_date"]].drop_duplicates()
    inside = terms.merge(periods[["account_id", "start", "end"]], on="account_id")
    inside = inside[(inside["start"] <= inside["end_date"]) & (inside["end_date"] < inside["end"])]
    renewals = set(zip(inside["account_id"].tolist(), (inside["end_date"] + 1).tolist(), strict=True)) - churns
    found_outcomes = [Outcome(int(a), to_date(d), True) for a, d in churns]
    found_outcomes += [Outcome(int(a), to_date(d), False) for a, d in renewals]
    return sorted(found_outcomes, key=lambda o: (o.day, o.account_id, o.churned))
