"""Retention and revenue formulas: pure functions over DataFrames, no database.

Money is held in integer cents so the movements add up exactly; days are integers (days since 1970-01-01).

The chain, each step a function below:

Steps 1 and 2 are the one churn definition, in ``tenure.facts.outcomes`` (imported here).

1. ``coverage`` — every subscription history entry (``SubscriptionChange``) is a state that holds from its
   ``effective_on`` until the next entry. The state covers a day when the day is inside its term
   (``start_date`` … ``end_date``, both inclusive; no end date = open) and its status is live (trialing,
   active, past due) — or cancelled with an end date, which runs to the end of the term already paid for.
   Only states with MRR above zero count: a free subscription does not make a paying customer.
2. ``active_periods`` — an account's covered days, merged across gaps shorter than the grace period
   (default 7 days). A gap inside a period is bridged with the MRR of the last covered day before it, so a
   late renewal is neither churn nor a reactivation. A period that ends before the as-of day has churned on
   the day after its last covered day; the account's next period, if any, is a reactivation.
3. ``mrr_matrix`` — MRR of every account on given days (month ends), and which period it was in.
4. ``movements`` — between two days, per account with MRR ``s`` then ``e``:
   same period: expansion ``e − s`` if positive, contraction ``s − e`` if positive;
   otherwise: churned ``s`` (if ``s`` > 0) and new ``e`` (first period) or reactivation ``e`` (a later one).
   So starting + new + expansion + reactivation − contraction − churned = ending, exactly.
5. ``rates`` — gross revenue retention = (starting − contraction − churned) ÷ starting;
   net revenue retention = (starting + expansion − contraction − churned) ÷ starting (both over the
   customers present at the start); logo churn rate = churned customers ÷ customers at the start.
6. ``cohorts`` — accounts by the month their first period began; share of the cohort's logos still paying,
   and its MRR ÷ its MRR at the end of its first month, at each month end after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

# The churn definition (coverage, active periods, grace) lives below metrics, in the facts room, so the health
# score's back-test and the churn model count churn exactly as these metrics do.
from tenure.facts.outcomes import (  # noqa: F401  (re-exported: calc is the metrics' one formula module)
    CANCELED,
    CHANGE_COLUMNS,
    DEFAULT_GRACE_DAYS,
    EPOCH,
    FAR,
    LIVE,
    Periods,
    active_periods,
    changes_frame,
    coverage,
    day_number,
    days,
    to_date,
)

MOVEMENTS = ("new", "expansion", "contraction", "churned", "reactivation")


def month_ends(first: dt.date, last: dt.date, as_of: dt.date | None = None) -> list[dt.date]:
    """The last day of every month from ``first``'s month to ``last``'s; a month not yet over ends on as_of."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if as_of is not None and end > as_of:
            end = as_of
        out.append(end)
        year, month = nxt.year, nxt.month
    return out


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# ---- 3. MRR on given days -------------------------------------------------------------------------------


@dataclass
class MrrMatrix:
    accounts: np.ndarray  # account ids, one row each
    days: np.ndarray  # day numbers, one column each
    mrr: np.ndarray  # cents, accounts × days
    period: np.ndarray  # period number covering the day, -1 for none

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.mrr, index=self.accounts, columns=[to_date(d) for d in self.days])


def mrr_matrix(intervals: pd.DataFrame, on_days, accounts=None) -> MrrMatrix:
    """MRR of each account on each day (intervals with ``period_no``, from ``active_periods``)."""
    on = np.asarray(sorted(on_days), dtype="int64")
    ids = np.unique(intervals["account_id"].to_numpy() if accounts is None else np.asarray(accounts, "int64"))
    mrr = np.zeros((len(ids), len(on)), dtype="int64")
    period = np.full((len(ids), len(on)), -1, dtype="int64")
    if len(intervals) and len(on) and len(ids):
        lo = np.searchsorted(on, intervals["start"].to_numpy(), "left")
        hi = np.searchsorted(on, intervals["end"].to_numpy(), "right")
        n = np.clip(hi - lo, 0, None)
        rows = np.repeat(np.searchsorted(ids, intervals["account_id"].to_numpy()), n)
        ok = np.repeat(np.isin(intervals["account_id"].to_numpy(), ids), n)
        offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        cols = np.repeat(lo, n) + offsets
        rows, cols = rows[ok], cols[ok]
        np.add.at(mrr, (rows, cols), np.repeat(intervals["mrr_cents"].to_numpy(), n)[ok])
        period[rows, cols] = np.repeat(intervals["period_no"].to_numpy(), n)[ok]
    return MrrMatrix(ids, on, mrr, period)


# ---- 4. movements ---------------------------------------------------------------------------------------


def account_movements(s, e, ps, pe) -> dict[str, np.ndarray]:
    """Per-account movements between two days, from MRR ``s``/``e`` and period numbers ``ps``/``pe``."""
    s, e, ps, pe = (np.asarray(x, dtype="int64") for x in (s, e, ps, pe))
    same = (ps == pe) & (ps >= 0)
    incoming = np.where(~same & (e > 0), e, 0)
    return {
        "new": np.where(pe == 0, incoming, 0),
        "reactivation": np.where(pe > 0, incoming, 0),
        "expansion": np.where(same, np.clip(e - s, 0, None), 0),
        "contraction": np.where(same, np.clip(s - e, 0, None), 0),
        "churned": np.where(~same & (s > 0), s, 0),
    }


def movement_summary(s, e, ps, pe) -> dict:
    """Totals (cents) and logo counts between two days, for a set of accounts."""
    s, e = np.asarray(s, dtype="int64"), np.asarray(e, dtype="int64")
    moves = account_movements(s, e, ps, pe)
    out = {"starting_mrr": int(s.sum()), **{k: int(v.sum()) for k, v in moves.items()}, "ending_mrr": int(e.sum())}
    out.update({
        "starting_logos": int((s > 0).sum()),
        "new_logos": int((moves["new"] > 0).sum()),
        "reactivated_logos": int((moves["reactivation"] > 0).sum()),
        "churned_logos": int((moves["churned"] > 0).sum()),
        "ending_logos": int((e > 0).sum()),
    })
    out.update(rates(out))
    return out


def rates(m: dict) -> dict:
    start, logos = m["starting_mrr"], m["starting_logos"]
    return {
        "grr": (start - m["contraction"] - m["churned"]) / start if start else None,
        "nrr": (start + m["expansion"] - m["contraction"] - m["churned"]) / start if start else None,
        "logo_churn_rate": m["churned_logos"] / logos if logos else None,
    }


def adds_up(m: dict) -> bool:
    return (m["starting_mrr"] + m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churned"]
            == m["ending_mrr"])


def monthly_movements(matrix: MrrMatrix, rows=None) -> pd.DataFrame:
    """One row per month: the matrix's first column is the end of the month before the first month shown."""
    mrr = matrix.mrr if rows is None else matrix.mrr[rows]
    period = matrix.period if rows is None else matrix.period[rows]
    records = []
    for k in range(1, len(matrix.days)):
        summary = movement_summary(mrr[:, k - 1], mrr[:, k], period[:, k - 1], period[:, k])
        end = to_date(matrix.days[k])
        records.append({"month": end.strftime("%Y-%m"), "month_start": end.replace(day=1), "month_end": end,
                        **summary})
    return pd.DataFrame(records)


# ---- 6. cohorts -----------------------------------------------------------------------------------------


def cohort_table(periods: pd.DataFrame, matrix: MrrMatrix, rows=None) -> pd.DataFrame:
    """Per start month × months since: cohort size, logos still paying, MRR, and both as shares.

    The matrix must hold month ends; an account belongs to the cohort of the month its first period began,
    if that month's end is a column of the matrix.
    """
    first = periods[periods["period_no"] == 0][["account_id", "start"]]
    index = pd.Series(np.arange(len(matrix.accounts)), index=matrix.accounts)
    if rows is not None:
        keep = np.zeros(len(matrix.accounts), dtype=bool)
        keep[rows] = True
    else:
        keep = np.ones(len(matrix.accounts), dtype=bool)
    ends = [to_date(d) for d in matrix.days]
    col_of_month = {(d.year, d.month): i for i, d in enumerate(ends)}
    first = first[first["account_id"].isin(matrix.accounts)]
    records = []
    starts = [to_date(s) for s in first["start"]]
    cohort_cols = np.array([col_of_month.get((d.year, d.month), -1) for d in starts], dtype="int64")
    acct_rows = index.loc[first["account_id"]].to_numpy() if len(first) else np.array([], dtype="int64")
    for col in sorted(set(cohort_cols.tolist()) - {-1}):
        members = acct_rows[(cohort_cols == col) & keep[acct_rows]]
        if not len(members):
            continue
        base = int(matrix.mrr[members, col].sum())
        for k, c in enumerate(range(col, len(ends))):
            values = matrix.mrr[members, c]
            records.append({
                "cohort": ends[col].strftime("%Y-%m"), "months_since": k, "accounts": len(members),
                "logos": int((values > 0).sum()), "mrr_cents": int(values.sum()), "starting_mrr_cents": base,
                "logo_retention": (values > 0).sum() / len(members),
                "revenue_retention": values.sum() / base if base else None,
            })
    return pd.DataFrame(records, columns=["cohort", "months_since", "accounts", "logos", "mrr_cents",
                                          "starting_mrr_cents", "logo_retention", "revenue_retention"])


def main_plan(intervals: pd.DataFrame) -> pd.Series:
    """Each account's plan: the plan of its largest subscription on its last covered day."""
    if intervals.empty:
        return pd.Series(dtype="object")
    last = intervals.groupby("account_id")["end"].transform("max")
    latest = intervals[intervals["end"] == last].sort_values(["account_id", "mrr_cents"], kind="mergesort")
    return latest.groupby("account_id")["plan"].last()
