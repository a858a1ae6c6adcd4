"""The accounts list's columns: a fixed catalogue a person picks from, and what each one reads.

Each column names the facts it shows (``parts``: the groups ``tenure.facts.load_facts`` reads for the page's rows;
``None`` for a field of the account itself or a score another room stores beside it), the sort it offers (the
stored sort totals or an indexed field, never a per-row computation) and its cells in a CSV download. Nothing here
computes a fact: the values come from the facts the list loads, as every other page reads them.
Their cells in the page's table: ``tenure.web.account_cells``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    title: str = ""  # what the header's tooltip says the figure is
    sort: bool = False  # the list sorts by it (views._ordering)
    numeric: bool = False
    parts: tuple[str, ...] = ()  # the groups of account facts its cells read
    csv: tuple[str, ...] = ()  # its columns in the CSV download (default: its key)

    @property
    def csv_header(self) -> tuple[str, ...]:
        return self.csv or (self.key,)


CATALOGUE: tuple[Column, ...] = (
    Column("name", "Account", sort=True, csv=("account",)),
    Column("domain", "Domain"),
    Column("crm_id", "CRM id"),
    Column("industry", "Industry"),
    Column("segment", "Segment", sort=True),
    Column("stage", "Stage", sort=True),
    Column("owner", "Owner CSM", sort=True),
    Column("seats", "Seats", "Seats bought on the live subscriptions", sort=True, numeric=True,
           parts=("subscriptions",)),
    Column("mrr", "MRR", "Monthly recurring revenue of the live subscriptions", sort=True, numeric=True,
           parts=("subscriptions",)),
    Column("arr", "ARR", "Twelve times the MRR", sort=True, numeric=True, parts=("subscriptions",)),
    Column("renewal", "Next renewal", "The earliest end date among the live subscriptions", sort=True,
           parts=("subscriptions",), csv=("next_renewal",)),
    Column("days_to_renewal", "Days to renewal", "Days from today to the next renewal", sort=True, numeric=True,
           parts=("subscriptions",)),
    Column("customer_since", "Customer since", "The start of the account's first subscription",
           parts=("subscriptions",)),
    Column("score", "Health", "Health score and band", sort=True, numeric=True, csv=("health_score", "health_band")),
    Column("churn", "Churn risk", "Probability of churning within the churn model's horizon", sort=True,
           numeric=True, csv=("churn_probability",)),
    Column("utilization", "Utilization", "People active in the last 30 days ÷ seats bought", numeric=True,
           parts=("subscriptions", "usage")),
    Column("active_users", "Active users", "Distinct people active in the last 30 days", numeric=True,
           parts=("usage",)),
    Column("trend", "Trend", "Active users, last 30 days vs the 30 before", numeric=True, parts=("usage",),
           csv=("active_user_trend",)),
    Column("last_active", "Last active", "The last day anyone at the account used the product", parts=("usage",),
           csv=("last_active_on",)),
    Column("urgent_tickets", "Urgent tickets", "Unresolved tickets of high or urgent priority", numeric=True,
           parts=("support",)),
    Column("last_touch", "Last touch", "The last touch of any kind with anyone at the account", parts=("people",),
           csv=("last_touch_on",)),
    Column("key_person_touch", "Sponsor / champion touch", "The later of the sponsor's and the champion's last touch",
           parts=("people",), csv=("key_person_last_touched_on",)),
    Column("sentiment", "Sentiment", "NPS, pulses and touch sentiment of the last year, recent ones counting most "
           "(0–100)", numeric=True, parts=("sentiment",)),
)
BY_KEY = {c.key: c for c in CATALOGUE}
CHOICES = [(c.key, c.label) for c in CATALOGUE]
SORTS = {c.key: c.label for c in CATALOGUE if c.sort}
DEFAULT = ("name", "segment", "stage", "owner", "seats", "mrr", "renewal", "score", "churn", "utilization", "trend")
ALWAYS = "name"  # a row names its account whatever else is picked


def chosen(keys) -> list[Column]:
    """The columns for these keys in the catalogue's order, unknown keys dropped, the account's name always first;
    the default set when none is known."""
    wanted = {k for k in keys or () if k in BY_KEY}
    if not wanted:
        wanted = set(DEFAULT)
    wanted.add(ALWAYS)
    return [c for c in CATALOGUE if c.key in wanted]


def facts_parts(columns) -> tuple[str, ...]:
    """The groups of account facts these columns read, each once."""
    return tuple(dict.fromkeys(p for c in columns for p in c.parts))


def _round(value, places: int):
    return "" if value is None else round(value, places)


def _day(value: dt.date | None):
    return value.isoformat() if value else ""


def csv_cells(column: Column, account, facts, today: dt.date) -> list:
    """The CSV cells of one column for one account (``facts``: its loaded account facts)."""
    live = bool(facts.subscriptions)
    health = getattr(account, "health", None)
    prediction = getattr(account, "churn_prediction", None)
    key = column.key
    if key == "name":
        return [account.name]
    if key in ("domain", "crm_id", "industry", "segment"):
        return [getattr(account, key) or ""]
    if key == "stage":
        return [account.get_stage_display()]
    if key == "owner":
        return [str(account.owner or "")]
    if key in ("seats", "mrr", "arr"):
        return [getattr(facts, key) if live else ""]
    if key == "renewal":
        return [_day(facts.next_renewal_on) if live else ""]
    if key == "days_to_renewal":
        return [facts.days_to_renewal if live and facts.days_to_renewal is not None else ""]
    if key == "customer_since":
        return [_day(facts.customer_since)]
    if key == "score":
        return ["" if health is None or health.score is None else round(health.score, 1),
                health.band if health is not None else ""]
    if key == "churn":
        return ["" if prediction is None else round(prediction.probability, 4)]
    if key == "utilization":
        return [_round(facts.utilization, 4)]
    if key == "active_users":
        return [facts.active_users if facts.usage_tracked else ""]
    if key == "trend":
        return [_round(facts.active_user_trend, 4)]
    if key == "last_active":
        return [_day(facts.last_active_on)]
    if key == "urgent_tickets":
        return [facts.open_high_tickets]
    if key == "last_touch":
        return [_day(facts.last_touch_on)]
    if key == "key_person_touch":
        return [_day(facts.key_person_last_touched_on)]
    if key == "sentiment":
        return [_round(facts.sentiment, 1)]
    raise KeyError(key)
