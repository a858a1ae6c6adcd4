"""The renewals ahead, in one list: every live subscription whose term ends within the window, and every renewal
motion still open (its date passed or not), each with its account's owner, health, churn risk carried to the
renewal date, the ARR at risk and the state of its motion.

Live is the facts layer's definition (``tenure.facts.live_subscription_q``); the day is the one every reader
stands on (``tenure.facts.history.last_known_day``). The churn probability is the churn model's latest for the
account over the model's own horizon (stored with the model), read beside the account as the accounts list reads
it; ``report.churn_by_renewal`` carries it to each renewal date. The whole window is read in a fixed number of
queries (the totals cover every row); owners, motions and their tasks only for the rows a page shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from tenure.accounts.models import Account
from tenure.billing.models import Subscription
from tenure.facts import live_subscription_q
from tenure.facts.history import last_known_day
from tenure.renewals import report
from tenure.renewals.models import Renewal, RenewalStatus
from tenure.renewals.services import open_task_counts
from tenure.users.models import User

WINDOWS = (30, 90, 180)
DEFAULT_WINDOW = 90
BANDS = (("red", "Red"), ("yellow", "Yellow"), ("green", "Green"), ("none", "Not scored"))
SORTS = {"date": "Renewal date", "account": "Account", "arr": "ARR", "probability": "Churn risk by renewal",
         "risk": "ARR at risk"}
CENT = Decimal("0.01")
# A subscription's state and term in words (the billing model's own labels).
STATUS_LABELS = {str(k): str(v) for k, v in Subscription._meta.get_field("status").flatchoices}
PERIOD_LABELS = {str(k): str(v) for k, v in Subscription._meta.get_field("billing_period").flatchoices}

# What each row reads of its account, beside the subscription or the renewal.
_ACCOUNT = ("account__name", "account__owner_id", "account__health__score", "account__health__band",
            "account__churn_prediction__probability", "account__churn_prediction__model__horizon_days")


@dataclass
class Row:
    """One renewal: a subscription's term ending on ``renewal_on``, with its open motion if one was opened."""

    account_id: int
    account: str
    owner_id: int | None
    health_score: float | None
    health_band: str
    churn_probability: float | None  # over the model's horizon
    horizon_days: int | None
    subscription_id: int
    renewal_on: dt.date
    days_left: int
    arr: Decimal
    plan: str = ""
    seats: int | None = None
    billing_period: str = ""
    status: str = ""
    subscription: str = ""
    renewal_id: int | None = None  # the open renewal motion
    # for the rows a page shows (fill_in)
    owner: str = ""
    renewal: Renewal | None = None
    open_tasks: int = 0
    opens_on: dt.date | None = None  # when the motion opens, if it has not yet

    @property
    def churn_by_renewal(self) -> float | None:
        return report.churn_by_renewal(self.churn_probability, self.horizon_days, self.days_left)

    @property
    def arr_at_risk(self) -> Decimal | None:
        p = self.churn_by_renewal
        return None if p is None else (self.arr * Decimal(str(round(p, 6)))).quantize(CENT)

    @property
    def passed(self) -> bool:
        return self.days_left < 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def billing_period_label(self) -> str:
        return PERIOD_LABELS.get(self.billing_period, self.billing_period).lower()

    @property
    def days_ago(self) -> int:
        return max(0, -self.days_left)


@dataclass
class Forecast:
    as_of: dt.date
    days: int
    rows: list[Row]
    totals: dict = field(default_factory=dict)


def _totals(rows: list[Row]) -> dict:
    ahead = [r for r in rows if not r.passed]
    return {
        "renewals": len(ahead),
        "scored": sum(1 for r in ahead if r.churn_by_renewal is not None),
        "arr": sum((r.arr for r in ahead), Decimal(0)),
        "at_risk": sum((r.arr_at_risk or Decimal(0) for r in ahead), Decimal(0)),
        "passed": len(rows) - len(ahead),
        "passed_arr": sum((r.arr for r in rows if r.passed), Decimal(0)),
    }


def _filters(owner: str | int | None, band: str, prefix: str = "") -> Q:
    q = Q()
    if owner == "none":
        q &= Q(**{f"{prefix}account__owner__isnull": True})
    elif owner:
        q &= Q(**{f"{prefix}account__owner_id": int(owner)})
    if band == "none":
        q &= Q(**{f"{prefix}account__health__band__isnull": True}) | Q(**{f"{prefix}account__health__band": ""})
    elif band:
        q &= Q(**{f"{prefix}account__health__band": band})
    return q


SORT_KEYS = {
    "date": lambda r: (r.renewal_on, r.account.lower(), r.subscription_id),
    "account": lambda r: (r.account.lower(), r.renewal_on, r.subscription_id),
    "arr": lambda r: (-r.arr, r.renewal_on, r.subscription_id),
    "probability": lambda r: (r.churn_by_renewal is None, -(r.churn_by_renewal or 0), r.renewal_on,
                              r.subscription_id),
    "risk": lambda r: (r.arr_at_risk is None, -(r.arr_at_risk or 0), r.renewal_on, r.subscription_id),
}


def forecast(days: int = DEFAULT_WINDOW, as_of: dt.date | None = None, *, owner: str | int | None = "",
             band: str = "", sort: str = "date") -> Forecast:
    """The renewals of the next ``days`` days and the open motions whose date has passed, filtered by the
    account's owner (a user id, or "none") and health band ("none": not scored), sorted, with their totals: three
    queries whatever the number of rows."""
    as_of = as_of or last_known_day()
    end = as_of + dt.timedelta(days=days)
    rows: dict[tuple[int, dt.date], Row] = {}
    for (pk, account_id, end_on, mrr, plan, seats, period, status, external, name, owner_id, score, band_, p,
         horizon) in (Subscription.objects.filter(live_subscription_q(as_of), _filters(owner, band), end_date__lte=end)
                      .values_list("pk", "account_id", "end_date", "mrr", "plan", "seats", "billing_period",
                                   "status", "external_id", *_ACCOUNT)):
        rows[(pk, end_on)] = Row(account_id, name, owner_id, score, band_ or "", p, horizon, pk, end_on,
                                 (end_on - as_of).days, (mrr * 12).quantize(CENT), plan, seats, period, status,
                                 external or f"#{pk}")
    for (pk, account_id, subscription_id, renewal_on, arr, name, owner_id, score, band_, p, horizon, plan, seats,
         period, external) in (
        Renewal.objects.filter(_filters(owner, band), status=RenewalStatus.OPEN, renewal_on__lte=end)
        .values_list("pk", "account_id", "subscription_id", "renewal_on", "arr_before", *_ACCOUNT,
                     "subscription__plan", "subscription__seats", "subscription__billing_period",
                     "subscription__external_id")
    ):
        row = rows.get((subscription_id, renewal_on))
        if row is None:  # its date passed, or the subscription stopped being live: still to be closed
            row = rows[(subscription_id, renewal_on)] = Row(
                account_id, name, owner_id, score, band_ or "", p, horizon, subscription_id, renewal_on,
                (renewal_on - as_of).days, arr.quantize(CENT), plan, seats, period, "",
                external or f"#{subscription_id}")
        row.renewal_id = pk
    ordered = sorted(rows.values(), key=SORT_KEYS.get(sort, SORT_KEYS["date"]))
    return Forecast(as_of, days, ordered, _totals(ordered))


def fill_in(rows: list[Row], opens_before: int) -> list[Row]:
    """What a page shows beyond the figures, for its rows only: owners' names, the open motions with their open
    tasks, and when a motion not opened yet opens (``opens_before`` days before its date): three queries."""
    users = User.objects.in_bulk({r.owner_id for r in rows if r.owner_id})
    motions = Renewal.objects.in_bulk([r.renewal_id for r in rows if r.renewal_id])
    counts = open_task_counts(list(motions.values())) if motions else {}
    for r in rows:
        r.owner = str(users[r.owner_id]) if r.owner_id in users else ""
        r.renewal = motions.get(r.renewal_id)
        r.open_tasks = counts.get(r.renewal_id, 0)
        if r.renewal is None:
            r.opens_on = r.renewal_on - dt.timedelta(days=opens_before)
    return rows


def owners_named(rows: list[Row]) -> list[Row]:
    """Owners' names for every row (the CSV download): one query."""
    users = User.objects.in_bulk({r.owner_id for r in rows if r.owner_id})
    for r in rows:
        r.owner = str(users[r.owner_id]) if r.owner_id in users else ""
    return rows


def model_of(rows: list[Row]):
    """The churn model behind the rows' probabilities (the latest scored), as stored beside an account: one query,
    none without a scored row. Read through the account so this room does not reach up into the model's room."""
    scored = [r.account_id for r in rows if r.churn_probability is not None]
    if not scored:
        return None
    account = (Account.objects.filter(pk__in=scored[:500]).select_related("churn_prediction__model")
               .order_by("-churn_prediction__model__version").first())
    return account.churn_prediction.model if account is not None else None
