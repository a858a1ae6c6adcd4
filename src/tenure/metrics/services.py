"""Retention and revenue metrics from the subscription history: load in a few bulk queries, compute in pandas.

The formulas are in ``calc`` (and on the Retention page, and in the README). One currency is assumed: MRR
is summed as it is stored (everything is USD today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import Count, Q

from tenure.accounts.models import Account
from tenure.accounts.services import owns_accounts
from tenure.facts import live_subscription_q, outcomes
from tenure.facts.history import last_known_day, load_changes
from tenure.metrics import calc
from tenure.renewals import forecast
from tenure.users.models import Role, User
from tenure.users.services import person_choices

DEFAULT_MONTHS = 12


grace_days = outcomes.grace_days  # the churn grace period: one setting, read in one place


def dollars(value_cents: int | float | None) -> Decimal | None:
    if value_cents is None:
        return None
    return (Decimal(int(value_cents)) / 100).quantize(Decimal("0.01"))


# ---- loading --------------------------------------------------------------------------------------------


def load_accounts() -> pd.DataFrame:
    rows = Account.objects.values_list("pk", "name", "segment", "owner_id", "industry")
    df = pd.DataFrame(list(rows), columns=["account_id", "name", "segment", "owner_id", "industry"])
    df["owner_id"] = df["owner_id"].astype("Int64")
    return df.set_index("account_id")


@dataclass
class History:
    """Everything the metrics pages need, computed once per request."""

    as_of: dt.date
    grace_days: int
    accounts: pd.DataFrame
    intervals: pd.DataFrame
    periods: pd.DataFrame
    plans: pd.Series

    @property
    def first_day(self) -> dt.date | None:
        return calc.to_date(self.periods["start"].min()) if len(self.periods) else None


def load_history(as_of: dt.date | None = None, grace: int | None = None) -> History:
    as_of = as_of or last_known_day()
    grace = grace_days() if grace is None else grace
    today = calc.day_number(as_of)
    found = calc.active_periods(calc.coverage(load_changes(), today), today, grace)
    return History(as_of, grace, load_accounts(), found.intervals, found.periods, calc.main_plan(found.intervals))


# ---- filters --------------------------------------------------------------------------------------------


@dataclass
class Filters:
    segment: str = ""
    plan: str = ""
    owner: str = ""  # a user id, or "none" for unassigned
    cohort: str = ""  # YYYY-MM: the month the account's first period began
    months: int = DEFAULT_MONTHS

    @classmethod
    def from_query(cls, query) -> Filters:
        try:
            months = max(1, min(120, int(query.get("months") or DEFAULT_MONTHS)))
        except ValueError:
            months = DEFAULT_MONTHS
        return cls(segment=query.get("segment", "").strip(), plan=query.get("plan", "").strip(),
                   owner=query.get("owner", "").strip(), cohort=query.get("cohort", "").strip(), months=months)

    def as_dict(self) -> dict:
        return {"segment": self.segment, "plan": self.plan, "owner": self.owner, "cohort": self.cohort,
                "months": self.months}


def cohort_of(history: History) -> pd.Series:
    first = history.periods[history.periods["period_no"] == 0]
    return pd.Series([calc.to_date(s).strftime("%Y-%m") for s in first["start"]], index=first["account_id"].to_numpy(),
                     dtype="object")


def selected_accounts(history: History, filters: Filters) -> np.ndarray:
    """Ids of the accounts the filters keep (segment, owner CSM: today's values; plan: the account's plan now,
    or its last one if it left; cohort: start month of its first period)."""
    accounts = history.accounts
    keep = pd.Series(True, index=accounts.index)
    if filters.segment:
        keep &= accounts["segment"] == filters.segment
    if filters.owner == "none":
        keep &= accounts["owner_id"].isna()
    elif filters.owner.isdigit():
        keep &= accounts["owner_id"] == int(filters.owner)
    ids = accounts.index[keep.fillna(False).to_numpy(dtype=bool)].to_numpy()
    if filters.plan:
        ids = np.intersect1d(ids, history.plans.index[history.plans == filters.plan].to_numpy())
    if filters.cohort:
        cohorts = cohort_of(history)
        ids = np.intersect1d(ids, cohorts.index[cohorts == filters.cohort].to_numpy())
    return ids


def filter_choices(history: History) -> dict:
    owners = User.objects.filter(Q(role=Role.CSM, is_active=True) | owns_accounts())
    return {
        "segments": sorted(s for s in history.accounts["segment"].unique() if s),
        "plans": sorted(set(history.plans.dropna())),
        "owners": person_choices(owners),
        "cohorts": sorted(set(cohort_of(history)), reverse=True),
    }


# ---- reports --------------------------------------------------------------------------------------------


def _money_columns(df: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        df[c] = [dollars(v) for v in df[c]]
    return df


@dataclass
class RetentionReport:
    as_of: dt.date
    grace_days: int
    filters: Filters
    accounts: int
    months: pd.DataFrame  # one row per month, money in dollars
    summary: dict  # the whole range, over the customers present at its start
    currency: str = "USD"
    extra: dict = field(default_factory=dict)


MONEY = ("starting_mrr", "new", "expansion", "contraction", "churned", "reactivation", "ending_mrr")


def retention(filters: Filters | None = None, as_of: dt.date | None = None, history: History | None = None,
              ) -> RetentionReport:
    filters = filters or Filters()
    history = history or load_history(as_of)
    as_of = history.as_of
    first_month = calc.add_months(calc.month_start(as_of), -(filters.months - 1))
    ends = [calc.month_start(first_month) - dt.timedelta(days=1), *calc.month_ends(first_month, as_of, as_of)]
    ids = selected_accounts(history, filters)
    matrix = calc.mrr_matrix(history.intervals, [calc.day_number(d) for d in ends], accounts=ids)
    months = calc.monthly_movements(matrix)
    summary = calc.movement_summary(matrix.mrr[:, 0], matrix.mrr[:, -1], matrix.period[:, 0], matrix.period[:, -1])
    summary = {**summary, "from": ends[0], "to": ends[-1]}
    if len(months):
        months = _money_columns(months, MONEY)
    for key in MONEY:
        summary[key] = dollars(summary[key])
    return RetentionReport(as_of, history.grace_days, filters, len(ids), months, summary)


def cohorts(filters: Filters | None = None, as_of: dt.date | None = None, history: History | None = None,
            ) -> pd.DataFrame:
    filters = filters or Filters()
    history = history or load_history(as_of)
    as_of = history.as_of
    first_month = calc.add_months(calc.month_start(as_of), -(filters.months - 1))
    ends = calc.month_ends(first_month, as_of, as_of)
    ids = selected_accounts(history, filters)
    matrix = calc.mrr_matrix(history.intervals, [calc.day_number(d) for d in ends], accounts=ids)
    table = calc.cohort_table(history.periods, matrix)
    table["mrr"] = [dollars(v) for v in table["mrr_cents"]]
    table["starting_mrr"] = [dollars(v) for v in table["starting_mrr_cents"]]
    return table.drop(columns=["mrr_cents", "starting_mrr_cents"])


# ---- renewals -------------------------------------------------------------------------------------------

RENEWAL_WINDOWS = forecast.WINDOWS


def renewals(days: int = 90, as_of: dt.date | None = None, sort: str = "date") -> list[dict]:
    """The renewals room's forecast (``tenure.renewals.forecast``) as plain rows for the API: live subscriptions
    whose term ends in the next ``days`` days and open renewals whose date passed, with ARR at risk = ARR × the
    probability of churning by each renewal date (the churn model's probability carried over the days to it)."""
    found = forecast.forecast(days, as_of, sort=sort)
    return [{
        "account_id": r.account_id, "account": r.account, "owner": r.owner, "subscription": r.subscription,
        "plan": r.plan, "seats": r.seats, "renewal_date": r.renewal_on, "days_left": r.days_left,
        "status": r.status, "billing_period": r.billing_period, "status_label": r.status_label,
        "billing_period_label": r.billing_period_label, "arr": r.arr,
        "health_score": r.health_score, "health_band": r.health_band,
        "churn_probability": r.churn_probability, "horizon_days": r.horizon_days,
        "churn_by_renewal": None if r.churn_by_renewal is None else round(r.churn_by_renewal, 4),
        "arr_at_risk": r.arr_at_risk, "motion_open": r.renewal_id is not None,
    } for r in forecast.owners_named(found.rows)]


# ---- book of business -----------------------------------------------------------------------------------


def _health_mix() -> dict[int, dict[str, int]] | None:
    """Red/yellow/green counts per owner from the health room's current scores, when it has any."""
    from tenure.health.models import AccountHealth

    rows = list(AccountHealth.objects.exclude(band="").values("account__owner_id", "band")
                .annotate(n=Count("pk")).values_list("account__owner_id", "band", "n"))
    if not rows:
        return None
    mix: dict = {}
    for owner, band, n in rows:
        mix.setdefault(owner, {}).setdefault(band, 0)
        mix[owner][band] += n
    return mix


def _open_tasks() -> dict[int, int]:
    from tenure.risk.models import Task, TaskStatus

    return dict(Task.objects.filter(status__in=[TaskStatus.OPEN, TaskStatus.SNOOZED]).values("owner_id")
                .annotate(n=Count("pk")).values_list("owner_id", "n"))


def book_of_business(as_of: dt.date | None = None) -> dict:
    """Per CSM: accounts owned that pay today, ARR, health mix, open tasks, capacity and load."""
    as_of = as_of or last_known_day()
    live = live_subscription_q(as_of, "subscriptions__")
    from django.db.models import Sum

    per_owner = {
        row["owner_id"]: row
        for row in Account.objects.filter(live, subscriptions__mrr__gt=0).values("owner_id").annotate(
            accounts=Count("pk", distinct=True), mrr=Sum("subscriptions__mrr"))
    }
    risk = {}
    for owner_id, p, mrr in _owner_probabilities(as_of):
        risk.setdefault(owner_id, Decimal("0"))
        risk[owner_id] += (mrr or 0) * 12 * Decimal(str(round(p, 4)))
    owners = User.objects.filter(Q(role=Role.CSM, is_active=True) | owns_accounts())
    mix = _health_mix()
    tasks = _open_tasks()
    rows = []
    for user in owners.order_by("first_name", "last_name", "username"):
        row = per_owner.get(user.pk, {})
        n = row.get("accounts", 0)
        rows.append({
            "owner_id": user.pk, "owner": str(user), "accounts": n, "arr": (row.get("mrr") or Decimal(0)) * 12,
            "arr_at_risk": risk.get(user.pk, Decimal(0)).quantize(Decimal("0.01")),
            "capacity": user.capacity, "load": n / user.capacity if user.capacity else None,
            "health": (mix or {}).get(user.pk, {}) if mix is not None else None,
            "open_tasks": (tasks or {}).get(user.pk, 0) if tasks is not None else None,
        })
    unassigned = per_owner.get(None)
    if unassigned:
        rows.append({"owner_id": None, "owner": "Unassigned", "accounts": unassigned["accounts"],
                     "arr": (unassigned["mrr"] or 0) * 12, "arr_at_risk": risk.get(None, Decimal(0)).quantize(
                         Decimal("0.01")), "capacity": None, "load": None,
                     "health": (mix or {}).get(None, {}) if mix is not None else None,
                     "open_tasks": (tasks or {}).get(None, 0) if tasks is not None else None})
    return {"rows": rows, "has_health": mix is not None, "has_tasks": tasks is not None, "as_of": as_of}


def _owner_probabilities(as_of: dt.date):
    from tenure.predict.models import ChurnPrediction

    live = live_subscription_q(as_of, "account__subscriptions__")
    from django.db.models import Sum

    return ChurnPrediction.objects.values("account_id", "account__owner_id", "probability").annotate(
        mrr=Sum("account__subscriptions__mrr", filter=live)).values_list("account__owner_id", "probability", "mrr")
