"""Churn-model features: pure functions over DataFrames, no database (what is observed and how it is labelled:
``tenure.predict.observations``).

Every feature of an account "as of" a day D reads only rows dated on or before D: subscription history
entries effective by D, usage rollups of days up to D, tickets opened by D (and counted open unless
resolved by D), touches by D, contacts who left by D, survey answers and health snapshots by D. Each window
is written with its explicit cut ``D - days < day <= D``. ``tests/predict/test_leakage.py`` proves it by
computing features with and without the rows after D.

The rows come from the facts room (``tenure.facts.history.History``, the facts layer's multi-day form) plus the
health snapshots predict reads itself. Days are integers (days since 1970-01-01, ``tenure.facts.days``).
"Sponsor" in a feature's name means the executive sponsor only; no feature counts the champion as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from tenure.facts.days import FAR
from tenure.facts.history import History
from tenure.metrics import calc

WINDOWS = (7, 30, 90)
MAX_EVENTS = 12  # per-event features for the most used event names
MAX_LEVELS = 12  # categories kept per categorical attribute (the rest are "other")
CATEGORICAL = ("segment", "industry", "plan")
# Custom attributes whose names say they record the outcome (or today's state) would leak the future. Dates are
# judged by their values instead (``date_attributes``): a name containing "date" says nothing about leakage.
LEAKY_NAME = re.compile(r"churn|cancel|status|stage|reason|lost|closed|ended|renew|outcome|won|health|risk|score",
                        re.I)
DATE_SHARE = 0.9  # an attribute is a date when this share of its values read as dates


@dataclass
class Inputs(History):
    """The raw material: the facts room's history (its frames and their "nothing after the day" rules are
    documented on ``History``) plus the health snapshots."""

    # account_id, day, score, and one "m:<measure key>" column per health measure (its 0-100 score; NaN if missing)
    health: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["account_id", "day", "score"]))

    @classmethod
    def of(cls, history: History, health: pd.DataFrame | None = None) -> Inputs:
        frames = {f.name: getattr(history, f.name) for f in fields(History)}
        return cls(**frames) if health is None else cls(**frames, health=health)


@dataclass
class Spec:
    """What the columns are, fixed at training so scoring builds the same ones."""

    events: list[str] = field(default_factory=list)
    levels: dict[str, list[str]] = field(default_factory=dict)  # categorical attribute -> kept categories
    custom_numeric: list[str] = field(default_factory=list)
    custom_dates: list[str] = field(default_factory=list)  # dates known before the customer began: ages
    has_nps: bool = False
    has_health: bool = False
    # the history writes each term with its end (billing exports: one row per term), so a term's end is known
    # when it starts; otherwise an end date is most often a cancellation, known only after the fact
    term_ends: bool = False
    health_measures: list[str] = field(default_factory=list)


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value).replace(",", ""))
        return True
    except ValueError:
        return False


def _as_dates(values: pd.Series) -> pd.Series:
    """Values as dates (NaT where a value is not one); numbers are not dates."""
    text = values.astype(str).str.strip()
    text = text.where(~text.str.fullmatch(r"[-+]?\d+(\.\d+)?"), "")
    return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=False)


def date_attributes(inputs: Inputs, custom: pd.DataFrame) -> list[str]:
    """The custom attributes that hold dates every one of which is on or before its account's first subscription
    start: facts known before the relationship began (a date of birth, a founding date, a sign-up date), so they
    cannot record how it ended. A date attribute with any value after the start (a cancellation, a last login,
    a renewal) could, and is left out."""
    if not len(inputs.changes) or not len(custom.columns):
        return []
    first_start = inputs.changes.groupby("account_id")["start_date"].min()
    out = []
    for key in sorted(custom.columns):
        values = custom[key].dropna()
        values = values[values.astype(str).str.strip() != ""]
        if len(values) < 5:
            continue
        dates = _as_dates(values)
        if dates.notna().mean() < DATE_SHARE:
            continue
        known = dates.dropna()
        day = (known.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days
        start = first_start.reindex(known.index)
        if start.notna().all() and (day <= start).all():
            out.append(str(key))
    return out


def make_spec(inputs: Inputs, rows: int | None = None) -> Spec:
    """Choose the event names, categories and custom attributes worth a column."""
    totals = inputs.feature_usage.groupby("event")["count"].sum().sort_values(ascending=False, kind="mergesort")
    events = [str(e) for e in totals.index[:MAX_EVENTS]]
    accounts = inputs.accounts
    n = max(len(accounts), 1)
    levels: dict[str, list[str]] = {}
    custom_numeric: list[str] = []
    columns = {c: accounts[c] for c in ("segment", "industry")}
    custom = pd.DataFrame(list(accounts["custom"].map(lambda c: c if isinstance(c, dict) else {})),
                          index=accounts.index)
    custom = custom[[k for k in custom.columns if not LEAKY_NAME.search(str(k))]]
    custom_dates = date_attributes(inputs, custom)
    for key in sorted(custom.columns):
        if key in custom_dates:
            continue
        if _as_dates(custom[key].dropna()).notna().mean() >= DATE_SHARE and custom[key].notna().sum():
            continue  # a date that may be dated after the start: it could record the outcome
        values = custom[key].dropna()
        values = values[values.astype(str).str.strip() != ""]
        if len(values) < max(5, 0.2 * n):
            continue
        if values.map(_is_number).all():
            custom_numeric.append(str(key))
        elif values.astype(str).nunique() <= 50:
            columns[f"custom.{key}"] = custom[key].astype("object")
    for name, series in columns.items():
        counts = series.dropna().astype(str).str.strip()
        counts = counts[counts != ""].value_counts()
        kept = [str(v) for v, c in counts.items() if c >= max(3, 0.01 * n)][:MAX_LEVELS]
        if len(kept) >= 2 or (len(kept) == 1 and counts.sum() < n):
            levels[name] = kept
    plans = inputs.changes.groupby("plan").size().sort_values(ascending=False, kind="mergesort")
    levels["plan"] = [str(p) for p in plans.index[:MAX_LEVELS]]
    measures = [c[2:] for c in inputs.health.columns if c.startswith("m:") and inputs.health[c].notna().any()]
    return Spec(events, levels, custom_numeric, custom_dates, has_nps=len(inputs.nps) > 0,
                has_health=len(inputs.health) > 0, health_measures=measures, term_ends=writes_term_ends(inputs))


TERM_ENDS_SHARE = 0.5  # of the live history entries carrying an end date, for a history that writes term ends
# days: a term no longer than its billing period (and a little slack) ends when it was known to end at its start
TERM_DAYS = {"monthly": 35, "quarterly": 95, "annual": 370}


def writes_term_ends(inputs: Inputs) -> bool:
    """Whether the history writes each term with its end, as billing exports do (one row per term, each ending
    on the next one's start): most of its live entries carry an end date. A history where only cancelled
    subscriptions carry one (one row per subscription) says when a customer left, not when a term was due."""
    changes = inputs.changes
    live = changes[changes["status"].isin(("trialing", "active", "past_due"))] if len(changes) else changes
    return bool(len(live)) and float((live["end_date"] < FAR).mean()) >= TERM_ENDS_SHARE


# ---- features -----------------------------------------------------------------------------------------


def _in(df: pd.DataFrame, day: int, days: int, column: str = "day") -> pd.DataFrame:
    """Rows of the ``days``-day window ending on ``day``: day - days < row day <= day."""
    values = df[column].to_numpy()
    return df[(values > day - days) & (values <= day)]


def _sum(df: pd.DataFrame, column: str, index) -> pd.Series:
    return df.groupby("account_id")[column].sum().reindex(index, fill_value=0).astype("float64")


def _count(df: pd.DataFrame, index) -> pd.Series:
    return df.groupby("account_id").size().reindex(index, fill_value=0).astype("float64")


def _distinct_users(ua: pd.DataFrame, index) -> pd.Series:
    return ua.drop_duplicates(["account_id", "user"]).groupby("account_id").size().reindex(
        index, fill_value=0).astype("float64")


def _log_change(now: pd.Series, before: pd.Series) -> pd.Series:
    return np.log1p(now) - np.log1p(before)


def _days_since(df: pd.DataFrame, day: int, index, column: str = "day") -> pd.Series:
    past = df[df[column].to_numpy() <= day]
    last = past.groupby("account_id")[column].max().reindex(index)
    return (day - last).astype("float64")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def features_as_of(inputs: Inputs, day: int, account_ids, spec: Spec) -> pd.DataFrame:
    """One row per account: its features as of ``day`` (see the module docstring for the cut)."""
    idx = pd.Index(np.asarray(account_ids, dtype="int64"), name="account_id")
    f: dict[str, pd.Series] = {}

    # -- subscriptions: the history known on the day
    changes = inputs.changes[inputs.changes["effective_on"].to_numpy() <= day]
    changes = changes[changes["account_id"].isin(idx)]
    cov = calc.coverage(changes, day)
    now = cov[(cov["start"] <= day) & (cov["end"] >= day)]
    ago = day - 90
    then = cov[(cov["start"] <= ago) & (cov["end"] >= ago)]
    f["mrr"] = _sum(now, "mrr_cents", idx) / 100
    f["seats"] = _sum(now, "seats", idx)
    mrr_then, seats_then = _sum(then, "mrr_cents", idx) / 100, _sum(then, "seats", idx)
    f["mrr_change_90"] = ((f["mrr"] - mrr_then) / mrr_then.replace(0, np.nan))
    f["seats_change_90"] = ((f["seats"] - seats_then) / seats_then.replace(0, np.nan))
    f["subscriptions"] = _count(now, idx)
    f["past_due"] = (now.assign(x=(now["status"] == "past_due").astype(float)).groupby("account_id")["x"].max()
                     .reindex(idx, fill_value=0).astype("float64"))
    # each subscription's latest entry known on the day: its term as written then
    latest = changes.sort_values("effective_on").drop_duplicates("subscription_id", keep="last")
    renewing = now[(now["billing_period"] != "monthly")]
    ends = renewing.merge(latest[["subscription_id", "end_date"]], on="subscription_id", how="left")
    ends = ends[ends["end_date"] < FAR]
    f["days_to_renewal"] = (ends.groupby("account_id")["end_date"].min().reindex(idx) - day).astype("float64")
    f["annual"] = (now.assign(x=(now["billing_period"] == "annual").astype(float)).groupby("account_id")["x"]
                   .max().reindex(idx, fill_value=0).astype("float64"))
    recent = changes[changes["effective_on"].to_numpy() > day - 180].sort_values(
        ["subscription_id", "effective_on", "order"])
    earlier = changes.sort_values(["subscription_id", "effective_on", "order"])
    prev_mrr = earlier.groupby("subscription_id")["mrr_cents"].shift(1)
    prev_status = earlier.groupby("subscription_id")["status"].shift(1)
    moves = earlier.assign(prev_mrr=prev_mrr, prev_status=prev_status).loc[recent.index]
    f["contractions_180"] = _count(moves[(moves["prev_mrr"].notna()) & (moves["mrr_cents"] < moves["prev_mrr"])
                                         & (moves["status"] != "canceled")], idx)
    f["payment_issues_180"] = _count(moves[(moves["status"] == "past_due") & (moves["prev_status"] != "past_due")],
                                     idx)
    # the current term: where the account stands in it. A monthly payer decides at each renewal, on what the
    # term that is ending gave them, so its usage so far and the days left to the decision are what count. Only
    # in a history that writes term ends; a cancelled term longer than its billing period never: its end records
    # a departure.
    f["term_days_in"] = f["term_days_left"] = pd.Series(np.nan, index=idx)
    if getattr(spec, "term_ends", False):  # models trained before term features: none
        terms = now[["account_id", "subscription_id"]].merge(
            latest[["subscription_id", "start_date", "end_date", "status", "billing_period"]], on="subscription_id")
        period = terms["billing_period"].map(TERM_DAYS).fillna(TERM_DAYS["monthly"])
        known = (terms["end_date"] < FAR) & ((terms["end_date"] - terms["start_date"] < period)
                                             | (terms["status"] != "canceled"))
        terms = terms[known]
        f["term_days_in"] = (day - terms.groupby("account_id")["start_date"].max().reindex(idx)).astype("float64")
        f["term_days_left"] = (terms.groupby("account_id")["end_date"].min().reindex(idx) - day + 1).astype(
            "float64")
    starts = cov.groupby("account_id")["start"].min().reindex(idx)
    f["tenure_days"] = (day - starts).astype("float64")
    # the first months are when most leave: steps the logistic model cannot draw from tenure's log alone
    f["first_quarter"] = (f["tenure_days"] < 92).astype("float64")
    f["first_half_year"] = (f["tenure_days"] < 183).astype("float64")

    # -- product usage, from the rollups: volumes, per active user and per seat, and how the pace moves
    act = inputs.activity
    act = act[act["account_id"].isin(idx) & (act["day"].to_numpy() <= day) & (act["day"].to_numpy() > day - 180)]
    for w in WINDOWS:
        f[f"events_{w}"] = _sum(_in(act, day, w), "events", idx)
    prev30 = _in(act, day - 30, 30)
    f["events_change_30"] = _log_change(f["events_30"], _sum(prev30, "events", idx))
    # the last week's pace against the month's, and the month's against the quarter's (1 = steady)
    f["events_pace_7_30"] = (f["events_7"] / 7) / (f["events_30"] / 30).replace(0, np.nan)
    f["events_pace_30_90"] = (f["events_30"] / 30) / (f["events_90"] / 90).replace(0, np.nan)
    last30, last7 = _in(act, day, 30), _in(act, day, 7)
    f["logins_7"] = _sum(last7, "logins", idx)
    f["logins_30"] = _sum(last30, "logins", idx)
    f["logins_change_30"] = _log_change(f["logins_30"], _sum(prev30, "logins", idx))
    f["active_days_7"] = _count(last7[last7["active_users"] > 0], idx)
    f["active_days_30"] = _count(last30[last30["active_users"] > 0], idx)
    last14 = _in(act, day, 14)
    f["active_days_14"] = _count(last14[last14["active_users"] > 0], idx)
    f["active_days_90"] = _count(_in(act[act["active_users"] > 0], day, 90), idx)
    f["dau_30"] = _sum(last30, "active_users", idx) / 30
    ua = inputs.user_activity
    ua = ua[ua["account_id"].isin(idx) & (ua["day"].to_numpy() <= day) & (ua["day"].to_numpy() > day - 90)]
    f["wau_7"] = _distinct_users(_in(ua, day, 7), idx)
    f["mau_30"] = _distinct_users(_in(ua, day, 30), idx)
    f["users_90"] = _distinct_users(ua, idx)
    mau_prev = _distinct_users(_in(ua, day - 30, 30), idx)
    f["mau_change_30"] = _log_change(f["mau_30"], mau_prev)
    f["stickiness_30"] = f["dau_30"] / f["mau_30"].replace(0, np.nan)
    f["wau_share_30"] = f["wau_7"] / f["mau_30"].replace(0, np.nan)
    f["users_kept_30_90"] = f["mau_30"] / f["users_90"].replace(0, np.nan)
    seats = f["seats"].replace(0, np.nan)
    f["utilization"] = f["mau_30"] / seats
    f["weekly_utilization"] = f["wau_7"] / seats
    f["events_per_seat_30"] = f["events_30"] / seats
    for w in WINDOWS:
        users = {7: f["wau_7"], 30: f["mau_30"], 90: f["users_90"]}[w]
        f[f"events_per_user_{w}"] = f[f"events_{w}"] / users.replace(0, np.nan)
    f["mrr_per_seat"] = f["mrr"] / seats
    everything = inputs.activity
    f["days_since_activity"] = _days_since(everything[everything["account_id"].isin(idx)], day, idx).fillna(
        f["tenure_days"])
    fu = inputs.feature_usage
    fu = fu[fu["account_id"].isin(idx) & (fu["day"].to_numpy() <= day) & (fu["day"].to_numpy() > day - 90)
            & fu["event"].isin(spec.events)]
    per_event = {}
    for w in (30, 90):
        window = _in(fu, day, w)
        per_event[w] = window.groupby(["account_id", "event"])["count"].sum().unstack(fill_value=0).reindex(
            index=idx, columns=spec.events, fill_value=0).astype("float64")
    before = _in(fu, day - 30, 30).groupby(["account_id", "event"])["count"].sum().unstack(fill_value=0).reindex(
        index=idx, columns=spec.events, fill_value=0).astype("float64")
    # what the term's last 30 days (the month that decides a renewal) will hold: the days of it already seen,
    # plus the days still to come at the pace of the last 90 days (or of the days since the account began)
    to_come = (f["term_days_left"] - 1).clip(lower=0, upper=30).fillna(0)
    seen_from = day + to_come - 29
    seen = fu[(fu["day"].to_numpy() >= fu["account_id"].map(seen_from).to_numpy()) & (fu["day"] > day - 30)]
    so_far = seen.groupby(["account_id", "event"])["count"].sum().unstack(fill_value=0).reindex(
        index=idx, columns=spec.events, fill_value=0).astype("float64")
    paced = (f["tenure_days"] + 1).clip(lower=1, upper=90)
    for event in spec.events:
        key = slug(event)
        f[f"ev:{key}:decisive_30"] = so_far[event] + per_event[90][event] / paced * to_come
        f[f"ev:{key}:30"] = per_event[30][event]
        f[f"ev:{key}:90"] = per_event[90][event]
        f[f"ev:{key}:per_user_30"] = per_event[30][event] / f["mau_30"].replace(0, np.nan)
        f[f"ev:{key}:share_30"] = per_event[30][event] / f["events_30"].replace(0, np.nan)
        f[f"ev:{key}:change_30"] = _log_change(per_event[30][event], before[event])

    # -- support
    t = inputs.tickets
    t = t[t["account_id"].isin(idx) & (t["opened"].to_numpy() <= day)]
    f["tickets_90"] = _count(_in(t, day, 90, "opened"), idx)
    f["urgent_tickets_90"] = _count(_in(t[t["urgent"].to_numpy(dtype=bool)], day, 90, "opened"), idx)
    f["open_tickets"] = _count(t[t["resolved"].to_numpy() > day], idx)
    rated = _in(t[(t["resolved"].to_numpy() <= day) & t["csat"].notna().to_numpy()], day, 180, "resolved")
    f["csat_180"] = rated.groupby("account_id")["csat"].mean().reindex(idx).astype("float64")

    # -- engagement and people
    tt = inputs.touches
    tt = tt[tt["account_id"].isin(idx) & (tt["day"].to_numpy() <= day)]
    f["touches_90"] = _count(_in(tt, day, 90), idx)
    f["negative_touches_90"] = _count(_in(tt[tt["negative"].to_numpy(dtype=bool)], day, 90), idx)
    f["days_since_touch"] = _days_since(tt, day, idx).clip(upper=365)
    # the executive sponsor alone (the champion is a separate fact the model does not read)
    with_sponsor = tt[tt["with_executive_sponsor"].to_numpy(dtype=bool)]
    f["days_since_sponsor_touch"] = _days_since(with_sponsor, day, idx).fillna(365).clip(upper=365)
    c = inputs.contacts
    c = c[c["account_id"].isin(idx)]
    here = c[c["left_on"].to_numpy() > day]
    sponsors = c[c["executive_sponsor"].to_numpy(dtype=bool)]
    f["sponsors"] = _count(here[here["executive_sponsor"].to_numpy(dtype=bool)], idx)
    f["contacts"] = _count(here, idx)
    f["contacts_left_90"] = _count(_in(c, day, 90, "left_on"), idx)
    f["sponsor_left_180"] = _count(_in(sponsors, day, 180, "left_on"), idx)

    if spec.has_nps:
        n = inputs.nps
        n = _in(n[n["account_id"].isin(idx)], day, 365)
        f["nps_avg_365"] = n.groupby("account_id")["score"].mean().reindex(idx).astype("float64")
        f["nps_detractors_365"] = _count(n[n["score"] <= 6], idx)
    if spec.has_health:
        h = inputs.health
        h = h[h["account_id"].isin(idx) & (h["day"].to_numpy() <= day)]
        recent = _in(h, day, 14).sort_values("day").drop_duplicates("account_id", keep="last").set_index(
            "account_id")
        latest = recent["score"].reindex(idx)
        month_ago = _in(h, day - 30, 14).sort_values("day").groupby("account_id")["score"].last().reindex(idx)
        f["health_score"] = latest.astype("float64")
        f["health_change_30"] = (latest - month_ago).astype("float64")
        # each measure's own score, so the model can weigh them differently than the scorecard does
        for key in getattr(spec, "health_measures", []):  # models trained before measures were features: none
            column = f"m:{key}"
            values = recent[column] if column in recent else pd.Series(np.nan, index=recent.index)
            f[f"hm:{key}"] = values.reindex(idx).astype("float64")

    # -- who the account is (today's attributes; the plan as of the day)
    accounts = inputs.accounts.reindex(idx)
    custom = accounts["custom"].map(lambda v: v if isinstance(v, dict) else {})
    for key in spec.custom_numeric:
        f[f"custom.{key}"] = pd.to_numeric(custom.map(lambda d, k=key: str(d.get(k, "")).replace(",", "")),
                                           errors="coerce").astype("float64")
    for key in getattr(spec, "custom_dates", []):  # models trained before dates were features: none
        born = _as_dates(custom.map(lambda d, k=key: d.get(k)))
        f[f"age:{key}"] = ((day - (born - pd.Timestamp("1970-01-01")).dt.days) / 365.25).astype("float64")
    plan = calc.main_plan(now).reindex(idx)
    for name, kept in spec.levels.items():
        if name == "plan":
            values = plan
        elif name.startswith("custom."):
            values = custom.map(lambda d, k=name[7:]: d.get(k))
        else:
            values = accounts[name]
        values = values.astype("object").where(values.notna(), "").astype(str).str.strip()
        for level in kept:
            f[f"{name}={level}"] = (values == level).astype("float64")
    out = pd.DataFrame(f, index=idx)
    return out


def build_features(inputs: Inputs, rows: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Features for rows of (account_id, as_of), in the rows' order."""
    parts = []
    for day, group in rows.groupby("as_of", sort=True):
        frame = features_as_of(inputs, int(day), group["account_id"].to_numpy(), spec)
        frame = frame.reset_index()
        frame.insert(1, "as_of", int(day))
        parts.append(frame)
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return rows[["account_id", "as_of"]].merge(out, on=["account_id", "as_of"], how="left")


def feature_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("account_id", "as_of", "label", "scored")]


def group_of(column: str) -> str:
    """The feature a column belongs to: one-hot columns of a categorical share their attribute's name."""
    return column.split("=", 1)[0] if "=" in column else column
