"""The demo plan's values: plain dataclasses ``services.write_plan`` stores, the simulated vendor's team and
price list, and the small helpers every part of the plan shares. No database here."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

from tenure.demo.models import UsageTrend

HISTORY_DAYS = 365
MIN_SEATS, MAX_SEATS = 5, 2000
PASSWORD = "demo"
SOURCE = "demo"
DAY = dt.timedelta(days=1)
LIVE = ("trialing", "active", "past_due")

PLANS = ("Starter", "Growth", "Enterprise")
ADDON_PLAN = "Insights add-on"
# List price per seat per month; monthly billing pays more than annual.
PRICES = {
    ("Starter", "annual"): Decimal("12"), ("Starter", "monthly"): Decimal("15"),
    ("Growth", "annual"): Decimal("25"), ("Growth", "monthly"): Decimal("30"),
    ("Enterprise", "annual"): Decimal("45"), ("Enterprise", "monthly"): Decimal("54"),
    (ADDON_PLAN, "annual"): Decimal("8"), (ADDON_PLAN, "monthly"): Decimal("10"),
}


# ---------------------------------------------------------------- the plan's values


@dataclass(frozen=True)
class UserPlan:
    username: str
    first_name: str
    last_name: str
    role: str
    book: str = ""  # the segment a CSM covers
    capacity: int | None = None

    @property
    def email(self) -> str:
        return f"{self.username}@tenure-demo.example"


TEAM = (
    UserPlan("demo", "Demo", "Admin", "admin"),
    UserPlan("morgan", "Morgan", "Reyes", "leader"),
    UserPlan("riley", "Riley", "Brooks", "read_only"),
    UserPlan("alex", "Alex", "Moreno", "csm", "enterprise", 30),
    UserPlan("sam", "Sam", "Whitaker", "csm", "enterprise", 30),
    UserPlan("jordan", "Jordan", "Blake", "csm", "mid-market", 60),
    UserPlan("taylor", "Taylor", "Nguyen", "csm", "mid-market", 60),
    UserPlan("priya", "Priya", "Raman", "csm", "mid-market", 60),
    UserPlan("casey", "Casey", "Holt", "csm", "smb", 120),
    UserPlan("jamie", "Jamie", "Lindqvist", "csm", "smb", 120),
    UserPlan("diego", "Diego", "Santos", "csm", "smb", 120),
)
TEAM_USERNAMES = tuple(u.username for u in TEAM)


@dataclass(frozen=True)
class SubState:
    plan: str
    seats: int
    mrr: Decimal
    currency: str
    start_date: dt.date
    end_date: dt.date | None
    status: str
    billing_period: str


@dataclass(frozen=True)
class ChangePlan:
    effective_on: dt.date
    state: SubState


@dataclass
class SubscriptionPlan:
    account: int
    external_id: str
    history: list[ChangePlan]

    @property
    def current(self) -> SubState:
        return self.history[-1].state

    def state_on(self, day: dt.date) -> SubState | None:
        found = None
        for change in self.history:
            if change.effective_on > day:
                break
            found = change.state
        return found


@dataclass
class ContactPlan:
    key: int
    account: int
    name: str
    email: str
    title: str
    roles: tuple[str, ...]
    community_roles: tuple[str, ...] = ()
    product_user_id: str | None = None
    left_on: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.left_on is None or self.left_on > day


@dataclass
class TicketPlan:
    account: int
    contact: int | None
    subject: str
    body: str
    category: str
    priority: str
    status: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    csat: int | None
    external_id: str = ""


@dataclass
class TouchPlan:
    account: int
    kind: str
    author: str | None
    occurred_at: dt.datetime
    summary: str
    sentiment: str
    contacts: tuple[int, ...] = ()


@dataclass
class ScenarioPlan:
    scenario: str
    cause: str = ""
    churned_on: dt.date | None = None
    warning_on: dt.date | None = None
    competitor: str = ""
    usage_trend: str = UsageTrend.STEADY
    usage_change_on: dt.date | None = None
    active_share: float = 0.7
    scare: str = ""
    scare_from: dt.date | None = None
    scare_until: dt.date | None = None
    notes: str = ""


@dataclass
class AccountPlan:
    key: int
    name: str
    domain: str
    crm_id: str
    billing_id: str
    product_group_id: str
    industry: str
    segment: str
    stage: str
    owner: str | None
    custom: dict
    scenario: ScenarioPlan


@dataclass
class DemoPlan:
    seed: int
    today: dt.date
    users: tuple[UserPlan, ...]
    accounts: list[AccountPlan] = field(default_factory=list)
    contacts: list[ContactPlan] = field(default_factory=list)
    subscriptions: list[SubscriptionPlan] = field(default_factory=list)
    tickets: list[TicketPlan] = field(default_factory=list)
    touches: list[TouchPlan] = field(default_factory=list)


class DemoPlanError(ValueError):
    """The plan breaks a rule the database (or the domain) would reject."""


# ---------------------------------------------------------------- small helpers


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def segment_for(seats: int) -> str:
    if seats < 50:
        return "smb"
    return "mid-market" if seats < 500 else "enterprise"


def price(plan: str, period: str, seats: int) -> Decimal:
    unit = PRICES[(plan, period)]
    if seats > 1000:
        unit *= Decimal("0.75")
    elif seats > 250:
        unit *= Decimal("0.85")
    return (unit * seats).quantize(Decimal("0.01"))


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def poisson(rng: random.Random, lam: float) -> int:
    count, t = 0, rng.expovariate(1) if lam > 0 else math.inf
    while lam > 0 and t < lam:
        count += 1
        t += rng.expovariate(1)
    return count


def weighted(rng: random.Random, weights: dict):
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]
